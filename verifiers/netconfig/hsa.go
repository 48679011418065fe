package netconfig

import (
	"context"
	"errors"
	"math/bits"
	"slices"
	"sort"
)

// The header-space search is exact, not sampled. It fixes the dimensions one
// at a time. For each dimension it takes the value sets of the conditions of
// the rules still alive (rules whose conditions on the dimensions fixed so far
// all hold), splits the dimension into cells on which every one of those sets
// is uniform, and recurses with one witness (the cell's lowest value) per
// cell. Two packets in the same cells of every dimension satisfy exactly the
// same conditions, so they are decided identically: evaluating one witness
// per leaf covers every packet. Rules that die early stop contributing
// boundaries, which keeps the tree close to the number of distinct
// behaviours rather than the product of all boundaries.

// errSearchLimit reports a search that exceeded its leaf budget.
var errSearchLimit = errors.New("header-space search exceeded its budget")

// maxLeaves bounds one search; real filters stay far below it.
const maxLeaves = 1 << 21

// maxCubeLeaves bounds the cells of one dimension split by ternary masks.
const maxCubeLeaves = 1 << 16

// box constrains a search: per numeric dimension an optional condition, and
// optional interface conditions. A nil entry means unconstrained.
type box struct {
	c       [numDims]*Cond
	in, out *ifaceCon
	// flagsFromState derives TCP flags from the state when the box does not
	// constrain them: new is a bare SYN, the others carry ACK.
	flagsFromState bool
}

func (b *box) match(p *Packet) bool {
	for d := dim(0); d < numDims; d++ {
		if c := b.c[d]; c != nil && applicable(d, p.V[dimProto]) && !c.match(p) {
			return false
		}
	}
	if b.in != nil && !b.in.match(p.In) {
		return false
	}
	if b.out != nil && !b.out.match(p.Out) {
		return false
	}
	return true
}

// ifaceCon constrains an interface to a list of names (or all but them).
type ifaceCon struct {
	names []string
	neg   bool
}

func (c *ifaceCon) match(name string) bool {
	for _, n := range c.names {
		if n == name {
			return !c.neg
		}
	}
	return c.neg
}

type group struct {
	conds []Cond
	rule  *Rule // nil for groups that are not rules
	slot  int   // which program's rule ids (index into search.stamps)
}

type search struct {
	ctx      context.Context
	groups   []*group
	space    *box
	exclude  *box // leaves inside it are skipped (nil: none)
	required *group
	leaf     func(p *Packet) bool // returns true to stop
	leaves   int
	stopped  bool
	err      error
	p        Packet
	order    []dim
	pos      [numDims]int
	// stamps[slot][rule id] == gen marks the rules that match the current
	// leaf's witness: the search has decided every condition by then, so
	// evaluating a leaf needs no condition matching at all.
	stamps [][]uint32
	gen    uint32
	// progs, when set, enable pruning: at every node a symbolic walk of
	// each program keeps only the rules a packet of the subtree can still
	// reach, so rules behind a decided terminating rule stop splitting cells.
	progs  []*Program
	alive  [][]uint32
	rel    [][]uint32
	lastLv [][]int
	tok    uint32
	memo   map[*Chain]scanRes
	equiv  bool // skip subtrees where both programs are left identical
	// rewriting: a program translates destinations, so conditions on them
	// never kill a rule during the search (leaves are evaluated in full)
	rewriting bool
	sig       [2]uint64 // per program: signature of the relevant rules
	setBuf    []*ValueSet
	bsBuf     []uint64
}

// testsFlags reports a live group with a condition on the TCP flags.
func testsFlags(live []*group) bool {
	for _, g := range live {
		for i := range g.conds {
			if g.conds[i].Dim == dimFlags {
				return true
			}
		}
	}
	return false
}

// withStates adds to ws a witness for new and one for the other states
// (whose flags are all ACK) where the space allows them, so the flags
// derived from each are explored.
func withStates(ws []uint32, space *Cond) []uint32 {
	allowed := func(st uint32) bool { return space == nil || space.Set.Has(st) != space.Neg }
	if allowed(stNew) && !slices.Contains(ws, stNew) {
		ws = append(ws, stNew)
	}
	for _, st := range []uint32{stEstablished, stRelated, stInvalid} {
		if slices.Contains(ws, st) {
			break // a state whose flags are ACK is already explored
		}
		if allowed(st) {
			ws = append(ws, st)
			break
		}
	}
	return ws
}

func flagsFor(state uint32) uint32 {
	if state == stNew {
		return flSYN
	}
	return flACK
}

// run explores the space; it returns errSearchLimit or the context's error
// when it could not finish.
func (s *search) run() error {
	s.plan()
	live := make([]*group, 0, len(s.groups))
	live = append(live, s.groups...)
	s.level(0, live)
	return s.err
}

// plan orders the dimensions: protocol first (it decides which fields
// exist), then the ones the space constrains (they prune most), the others,
// and state before flags (flags may be derived from the state).
func (s *search) plan() {
	// State has four values and rules on it (established, invalid) tend to
	// decide early, so it comes right after the protocol.
	s.order = []dim{dimProto, dimState}
	rest := []dim{dimDport, dimSport, dimDst, dimSrc, dimICMPType, dimICMPCode}
	constrained := func(d dim) bool {
		if s.space.c[d] != nil || s.exclude != nil && s.exclude.c[d] != nil {
			return true
		}
		if s.required != nil {
			for i := range s.required.conds {
				if s.required.conds[i].Dim == d {
					return true
				}
			}
		}
		return false
	}
	for _, d := range rest {
		if constrained(d) {
			s.order = append(s.order, d)
		}
	}
	for _, d := range rest {
		if !constrained(d) {
			s.order = append(s.order, d)
		}
	}
	s.order = append(s.order, dimFlags)
	for i, d := range s.order {
		s.pos[d] = i
	}
	var maxID []int
	for _, g := range s.groups {
		if g.rule == nil {
			continue
		}
		for len(maxID) <= g.slot {
			maxID = append(maxID, 0)
		}
		if g.rule.id+1 > maxID[g.slot] {
			maxID[g.slot] = g.rule.id + 1
		}
	}
	for _, n := range maxID {
		s.stamps = append(s.stamps, make([]uint32, n))
		s.alive = append(s.alive, make([]uint32, n))
		s.rel = append(s.rel, make([]uint32, n))
		s.lastLv = append(s.lastLv, make([]int, n))
	}
	for _, g := range s.groups {
		if g.rule == nil {
			continue
		}
		last := 0
		for i := range g.conds {
			c := &g.conds[i]
			l := 0
			switch c.Dim {
			case dimIn:
				l = levelIn
			case dimOut:
				l = levelOut
			case dimNever:
				l = 0
			default:
				l = s.pos[s.decidedAt(c)]
			}
			if l > last {
				last = l
			}
		}
		s.lastLv[g.slot][g.rule.id] = last
	}
	if len(s.progs) > len(s.stamps) {
		s.progs = nil // a program without conditions: nothing to prune
	}
	s.memo = map[*Chain]scanRes{}
}

// prune keeps the groups still reachable after level lv was fixed. In an
// equivalence search it also reports whether both programs are left with the
// same verdict-relevant rules (same conditions, actions and order, compared
// by signature): then they decide every packet of the subtree alike.
func (s *search) prune(next []*group, lv int) ([]*group, bool) {
	// The last levels split little; a walk there costs more than it saves.
	if s.progs == nil || !s.equiv && len(next) < 8 || lv >= int(numDims)-2 {
		return next, false
	}
	s.tok++
	for _, g := range next {
		if g.rule != nil {
			s.alive[g.slot][g.rule.id] = s.tok
		}
	}
	for slot, pr := range s.progs {
		clear(s.memo)
		s.sig[slot] = 0
		if pr.acceptEnds {
			s.sig[slot] = mix(s.sig[slot], 1)
		}
		for _, st := range pr.stages {
			s.sig[slot] = mix(s.sig[slot], uint64(st.chain.Policy)<<1|boolBit(st.fallThrough))
			if t, _ := s.scanChain(st.chain, slot, lv, 0); t && pr.acceptEnds {
				break
			}
		}
	}
	out := next[:0]
	for _, g := range next {
		if g.rule == nil || s.rel[g.slot][g.rule.id] == s.tok {
			out = append(out, g)
		}
	}
	return out, s.equiv && len(s.progs) == 2 && s.sig[0] == s.sig[1]
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// mix folds v into the running hash h (FNV-1a over the 8 bytes of v).
func mix(h, v uint64) uint64 {
	if h == 0 {
		h = 14695981039346656037
	}
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= 1099511628211
		v >>= 8
	}
	return h
}

// scanChain walks a chain with three-valued matching (dead, decided true,
// undecided) and marks every rule a packet of the subtree may reach and that
// may change its verdict. It reports whether every such packet surely ends
// in this chain (or one it calls), and whether any reached rule can decide a
// verdict at all: a jump to a chain that cannot is a no-op and is left out,
// as are non-terminating rules (LOG, counters).
func (s *search) scanChain(c *Chain, slot, lv, depth int) (term, eff bool) {
	if depth > maxDepth {
		return true, true
	}
	if res, ok := s.memo[c]; ok {
		s.sig[slot] = mix(s.sig[slot], res.sig)
		return res.term, res.eff
	}
	startSig := s.sig[slot]
	for _, r := range c.Rules {
		decided := true
		if len(r.Conds) > 0 {
			if r.id >= len(s.alive[slot]) || s.alive[slot][r.id] != s.tok {
				continue
			}
			decided = s.lastLv[slot][r.id] <= lv
		}
		mark := func() {
			if len(r.Conds) > 0 {
				s.rel[slot][r.id] = s.tok
			}
			s.sig[slot] = mix(s.sig[slot], r.sig^boolBit(decided))
		}
		switch r.Action {
		case ActContinue:
			continue
		case ActAccept, ActDrop, ActReject:
			mark()
			eff = true
			if decided {
				term = true
			}
		case ActReturn:
			mark()
			if decided {
				break
			}
			continue
		case ActJump:
			if r.target == nil {
				continue
			}
			t, e := s.scanChain(r.target, slot, lv, depth+1)
			if !e {
				continue
			}
			mark()
			eff = true
			if decided && t {
				term = true
				break
			}
			continue
		case ActGoto:
			mark()
			eff = true
			if r.target == nil {
				continue
			}
			t, _ := s.scanChain(r.target, slot, lv, depth+1)
			if decided {
				term = t
				break
			}
			continue
		}
		if !decided {
			continue
		}
		break
	}
	s.memo[c] = scanRes{term, eff, mix(startSig, s.sig[slot])}
	return term, eff
}

type scanRes struct {
	term, eff bool
	sig       uint64
}

// decidedAt is the dimension after which a condition is decided.
func (s *search) decidedAt(c *Cond) dim {
	switch c.Dim {
	case dimAddrEither:
		if s.pos[dimSrc] > s.pos[dimDst] {
			return dimSrc
		}
		return dimDst
	case dimPortEither:
		if s.pos[dimSport] > s.pos[dimDport] {
			return dimSport
		}
		return dimDport
	case dimNever:
		return dimProto
	}
	return c.Dim
}

// levels: the numeric dimensions in order, then the two interfaces.
const (
	levelIn  = int(numDims)
	levelOut = int(numDims) + 1
	levels   = int(numDims) + 2
)

// evalLive evaluates a program at the current leaf from the stamps.
func (s *search) evalLive(pr *Program, slot int) Decision {
	if slot >= len(s.stamps) || s.progs == nil {
		return pr.evalWith(&s.p, nil, nil, 0)
	}
	return pr.evalWith(&s.p, nil, s.stamps[slot], s.gen)
}

func (s *search) level(lv int, live []*group) {
	if s.stopped {
		return
	}
	if lv == levels {
		s.leaves++
		if s.leaves > maxLeaves {
			s.err, s.stopped = errSearchLimit, true
			return
		}
		if s.leaves&1023 == 0 && s.ctx != nil {
			if err := s.ctx.Err(); err != nil {
				s.err, s.stopped = err, true
				return
			}
		}
		if s.exclude != nil && s.exclude.match(&s.p) {
			return
		}
		s.gen++
		for _, g := range live {
			if g.rule != nil {
				s.stamps[g.slot][g.rule.id] = s.gen
			}
		}
		if s.leaf(&s.p) {
			s.stopped = true
		}
		return
	}
	if lv >= levelIn {
		s.ifaceLevel(lv, live)
		return
	}
	d := s.order[lv]
	var witnesses []uint32
	switch {
	case !applicable(d, s.p.V[dimProto]):
		witnesses = []uint32{0}
	case d == dimFlags && s.space.c[dimFlags] == nil && s.space.flagsFromState:
		witnesses = []uint32{flagsFor(s.p.V[dimState])}
	default:
		var err error
		witnesses, err = s.atoms(d, live)
		if err != nil {
			s.err, s.stopped = err, true
			return
		}
		if d == dimState && s.space.c[dimFlags] == nil && s.space.flagsFromState && testsFlags(live) {
			// The flags follow the state (SYN for new, ACK otherwise): a
			// rule on flags splits the states even where no rule tests
			// the state, or "! --syn -j ACCEPT" is never seen to accept
			// an established packet.
			witnesses = withStates(witnesses, s.space.c[dimState])
		}
	}
	if len(live) == 0 && s.exclude == nil && s.required == nil && len(witnesses) > 1 {
		witnesses = witnesses[:1] // nothing left to tell cells apart
	}
	next := make([]*group, 0, len(live))
	for _, w := range witnesses {
		s.p.V[d] = w
		next = next[:0]
		decided := false
		for _, g := range live {
			if s.groupAlive(g, d) {
				next = append(next, g)
				if g.rule != nil && s.lastLv[g.slot][g.rule.id] == lv {
					decided = true
				}
			}
		}
		if s.required != nil && !s.groupAlive(s.required, d) {
			continue
		}
		if decided || len(next) != len(live) {
			// Reachability can only change when a rule died or became decided.
			pruned, same := s.prune(next, lv)
			if !same {
				s.level(lv+1, pruned)
			}
		} else {
			s.level(lv+1, next)
		}
		if s.stopped {
			return
		}
	}
	s.p.V[d] = 0
}

// groupAlive checks the group's conditions that are decided once d is fixed.
func (s *search) groupAlive(g *group, d dim) bool {
	for i := range g.conds {
		c := &g.conds[i]
		if s.rewriting && (c.Dim == dimDst || c.Dim == dimDport || c.Dim == dimAddrEither || c.Dim == dimPortEither) {
			// Under destination NAT a later rule may see another value:
			// keep the rule, so its boundaries still split the cells.
			continue
		}
		if c.Dim == d || (c.Dim >= dimAddrEither && c.Dim <= dimPortEither || c.Dim == dimNever) && s.decidedAt(c) == d {
			if !c.match(&s.p) {
				return false
			}
		}
	}
	return true
}

func groupAliveIface(g *group, d dim, p *Packet) bool {
	for i := range g.conds {
		c := &g.conds[i]
		if c.Dim == d && !c.match(p) {
			return false
		}
	}
	return true
}

// atoms returns one witness per cell of dimension d that lies in the space.
func (s *search) atoms(d dim, live []*group) ([]uint32, error) {
	sets := s.setBuf[:0]
	var seen map[*ValueSet]bool
	add := func(vs *ValueSet) {
		if vs == nil {
			return
		}
		if seen == nil && len(sets) >= 32 {
			seen = make(map[*ValueSet]bool, 2*len(sets))
			for _, x := range sets {
				seen[x] = true
			}
		}
		if seen != nil {
			if seen[vs] {
				return
			}
			seen[vs] = true
		} else {
			for _, x := range sets {
				if x == vs {
					return
				}
			}
		}
		sets = append(sets, vs)
	}
	defer func() { s.setBuf = sets[:0] }()
	for _, g := range live {
		for i := range g.conds {
			if g.conds[i].uses(d) {
				add(g.conds[i].Set)
			}
		}
	}
	if s.required != nil {
		for i := range s.required.conds {
			if s.required.conds[i].uses(d) {
				add(s.required.conds[i].Set)
			}
		}
	}
	if s.exclude != nil && s.exclude.c[d] != nil {
		add(s.exclude.c[d].Set)
	}
	con := s.space.c[d]
	if con != nil {
		add(con.Set)
	}
	w := width[d]
	contiguous := true
	for _, vs := range sets {
		if !vs.contiguous {
			contiguous = false
			break
		}
	}
	var cand []uint32
	if contiguous {
		bs := append(s.bsBuf[:0], 0)
		defer func() { s.bsBuf = bs[:0] }()
		for _, vs := range sets {
			for _, iv := range vs.ivs {
				bs = append(bs, uint64(iv.lo), uint64(iv.hi)+1)
			}
		}
		bs = uniq64(bs)
		top := uint64(maxVal(w))
		for _, b := range bs {
			if b <= top {
				cand = append(cand, uint32(b))
			}
		}
	} else {
		var err error
		cand, err = cubeAtoms(sets, w)
		if err != nil {
			return nil, err
		}
	}
	if con == nil {
		return cand, nil
	}
	out := cand[:0]
	for _, v := range cand {
		if con.Set.Has(v) != con.Neg {
			out = append(out, v)
		}
	}
	return out, nil
}

// cubeAtoms splits a dimension into ternary regions on which every set is
// uniform, splitting only on bits that some partially overlapping entry fixes.
func cubeAtoms(sets []*ValueSet, w uint) ([]uint32, error) {
	var out []uint32
	full := maxVal(w)
	var rec func(r cube) error
	rec = func(r cube) error {
		split := -1
		for _, vs := range sets {
			if b := partialBit(vs, r, full); b >= 0 {
				split = b
				break
			}
		}
		if split < 0 {
			out = append(out, r.val)
			if len(out) > maxCubeLeaves {
				return errSearchLimit
			}
			return nil
		}
		bit := uint32(1) << uint(split)
		if err := rec(cube{r.val, r.mask | bit}); err != nil {
			return err
		}
		return rec(cube{r.val | bit, r.mask | bit})
	}
	if err := rec(cube{}); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// partialBit returns -1 when the set is uniform on region r, else a bit to
// split on (the highest bit fixed by the first overlapping entry but free in r).
func partialBit(vs *ValueSet, r cube, full uint32) int {
	for _, e := range vs.cubeList() {
		if (e.mask&r.mask)&(e.val^r.val) != 0 {
			continue // disjoint
		}
		free := e.mask &^ r.mask & full
		if free == 0 {
			return -1 // the entry contains the region: decided
		}
		return 31 - bits.LeadingZeros32(free)
	}
	return -1
}

func (s *search) ifaceLevel(lv int, live []*group) {
	d := dimIn
	con := s.space.in
	if lv == levelOut {
		d, con = dimOut, s.space.out
	}
	// Fast path: no live rule looks at this interface, so one candidate the
	// space allows is enough.
	any := false
	for _, g := range live {
		for i := range g.conds {
			if g.conds[i].Dim == d {
				any = true
				break
			}
		}
		if any {
			break
		}
	}
	if !any && s.required == nil && s.exclude == nil {
		name, ok := "", true
		if con != nil && !con.match("") {
			ok = false
			if !con.neg && len(con.names) > 0 {
				name, ok = con.names[0], true
			}
		}
		if ok {
			if lv == levelOut {
				s.p.Out = name
			} else {
				s.p.In = name
			}
			s.level(lv+1, live)
			if lv == levelOut {
				s.p.Out = ""
			} else {
				s.p.In = ""
			}
		}
		return
	}
	exact := map[string]bool{}
	var wild []string
	note := func(c *Cond) {
		if c == nil || c.Dim != d {
			return
		}
		for _, p := range c.Ifaces {
			if p.Wild {
				wild = append(wild, p.Name)
			} else {
				exact[p.Name] = true
			}
		}
	}
	for _, g := range live {
		for i := range g.conds {
			note(&g.conds[i])
		}
	}
	if s.required != nil {
		for i := range s.required.conds {
			note(&s.required.conds[i])
		}
	}
	for _, ic := range []*ifaceCon{con, s.exclude.ifc(lv == levelOut)} {
		if ic != nil {
			for _, n := range ic.names {
				exact[n] = true
			}
		}
	}
	cands := []string{""}
	for n := range exact {
		if n != "" {
			cands = append(cands, n)
		}
	}
	for _, pfx := range wild {
		n := pfx + "0"
		for exact[n] {
			n += "0"
		}
		exact[n] = true
		cands = append(cands, n)
	}
	sort.Strings(cands)
	next := make([]*group, 0, len(live))
	for _, n := range cands {
		if lv == levelOut {
			s.p.Out = n
		} else {
			s.p.In = n
		}
		if con != nil && !con.match(n) {
			continue
		}
		next = next[:0]
		for _, g := range live {
			if groupAliveIface(g, d, &s.p) {
				next = append(next, g)
			}
		}
		if s.required != nil && !groupAliveIface(s.required, d, &s.p) {
			continue
		}
		if pruned, same := s.prune(next, lv); !same {
			s.level(lv+1, pruned)
		}
		if len(live) == 0 && s.exclude == nil && s.required == nil {
			break // nothing left to tell interfaces apart
		}
		if s.stopped {
			return
		}
	}
	if lv == levelOut {
		s.p.Out = ""
	} else {
		s.p.In = ""
	}
}

// programGroups collects the condition groups of every rule a program can
// reach; slot numbers the program's rule ids for the leaf stamps.
func programGroups(pr *Program, slot int, seen map[*Chain]bool, out []*group) []*group {
	var walk func(c *Chain)
	walk = func(c *Chain) {
		if c == nil || seen[c] {
			return
		}
		seen[c] = true
		for _, r := range c.Rules {
			if len(r.Conds) > 0 {
				out = append(out, &group{conds: r.Conds, rule: r, slot: slot})
			}
			if r.target != nil {
				walk(r.target)
			}
		}
	}
	for _, st := range pr.stages {
		walk(st.chain)
	}
	return out
}

func (b *box) ifc(out bool) *ifaceCon {
	if b == nil {
		return nil
	}
	if out {
		return b.out
	}
	return b.in
}
