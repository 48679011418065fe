package netconfig

import (
	"context"
	"errors"
	"math/bits"
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

// empty reports whether the box places no constraint at all.
func (b *box) empty() bool {
	for _, c := range b.c {
		if c != nil {
			return false
		}
	}
	return b.in == nil && b.out == nil
}

type group struct {
	conds []Cond
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
	live     [][]*group // per level scratch
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
	live := make([]*group, 0, len(s.groups))
	live = append(live, s.groups...)
	s.level(0, live)
	return s.err
}

// levels: the numeric dimensions in order, then the two interfaces.
const (
	levelIn  = int(numDims)
	levelOut = int(numDims) + 1
	levels   = int(numDims) + 2
)

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
		if s.leaf(&s.p) {
			s.stopped = true
		}
		return
	}
	if lv >= levelIn {
		s.ifaceLevel(lv, live)
		return
	}
	d := dim(lv)
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
	}
	next := make([]*group, 0, len(live))
	for _, w := range witnesses {
		s.p.V[d] = w
		next = next[:0]
		for _, g := range live {
			if groupAlive(g, d, &s.p) {
				next = append(next, g)
			}
		}
		if s.required != nil && !groupAlive(s.required, d, &s.p) {
			continue
		}
		s.level(lv+1, next)
		if s.stopped {
			return
		}
	}
	s.p.V[d] = 0
}

// groupAlive checks the group's conditions that are decided once d is fixed.
func groupAlive(g *group, d dim, p *Packet) bool {
	for i := range g.conds {
		c := &g.conds[i]
		if c.Dim < numDims || c.Dim == dimAddrEither || c.Dim == dimPortEither || c.Dim == dimNever {
			if c.lastDim() == d && !c.match(p) {
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
	var sets []*ValueSet
	seen := make(map[*ValueSet]bool)
	add := func(vs *ValueSet) {
		if vs != nil && !seen[vs] {
			seen[vs] = true
			sets = append(sets, vs)
		}
	}
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
		bs := []uint64{0}
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
	for _, e := range vs.cubes {
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
		s.level(lv+1, next)
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

// programGroups collects the condition groups of every rule a program can reach.
func programGroups(pr *Program, seen map[*Chain]bool, out []*group) []*group {
	var walk func(c *Chain)
	walk = func(c *Chain) {
		if c == nil || seen[c] {
			return
		}
		seen[c] = true
		for _, r := range c.Rules {
			if len(r.Conds) > 0 {
				out = append(out, &group{conds: r.Conds})
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
