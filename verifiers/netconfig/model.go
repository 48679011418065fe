package netconfig

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
)

// dim is one header dimension of an IPv4 packet as the filters see it.
// The numeric dimensions come first, in the order the header-space search
// fixes them: protocol first because it decides which other fields exist.
type dim uint8

const (
	dimProto dim = iota
	dimDport
	dimSport
	dimDst
	dimSrc
	dimICMPType
	dimICMPCode
	dimState
	dimFlags
	numDims

	// Pseudo dimensions of conditions that are not a single numeric field.
	dimAddrEither // Junos "address": source or destination
	dimPortEither // Junos "port": source or destination port
	dimIn         // input interface name
	dimOut        // output interface name
	dimNever      // a condition no IPv4 packet satisfies (ip6 matches)
)

// width is the bit width of each numeric dimension.
var width = [numDims]uint{8, 16, 16, 32, 32, 8, 8, 2, 8}

// Connection-tracking states, encoded in the 2-bit state dimension.
const (
	stNew = iota
	stEstablished
	stRelated
	stInvalid
)

var stateNames = [...]string{"new", "established", "related", "invalid"}

// TCP flag bits as they sit in the TCP header.
const (
	flFIN = 1 << iota
	flSYN
	flRST
	flPSH
	flACK
	flURG
	flECE
	flCWR
)

var flagNames = []struct {
	name string
	bit  uint32
}{{"FIN", flFIN}, {"SYN", flSYN}, {"RST", flRST}, {"PSH", flPSH}, {"ACK", flACK}, {"URG", flURG}, {"ECE", flECE}, {"CWR", flCWR}}

const (
	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17
	protoSCTP = 132
)

// Packet is one concrete IPv4 packet: its numeric fields by dimension and
// the interfaces it enters and leaves by.
type Packet struct {
	V       [numDims]uint32
	In, Out string
}

// applicable reports whether dimension d exists for the packet's protocol:
// ports for TCP/UDP/SCTP, ICMP type and code for ICMP, flags for TCP.
func applicable(d dim, proto uint32) bool {
	switch d {
	case dimDport, dimSport:
		return proto == protoTCP || proto == protoUDP || proto == protoSCTP
	case dimICMPType, dimICMPCode:
		return proto == protoICMP
	case dimFlags:
		return proto == protoTCP
	}
	return true
}

// cube is a ternary pattern over a dimension: the bits set in mask are fixed
// to the bits of val, the others are free. CIDR prefixes, Cisco and Junos
// wildcard masks (non-contiguous ones too) and flag tests are all cubes.
type cube struct{ val, mask uint32 }

type centry struct {
	cube
	incl bool
}

type entry struct {
	lo, hi uint32 // valid when rng
	c      cube   // valid when isCube
	rng    bool
	isCube bool
	incl   bool
}

type ival struct{ lo, hi uint32 }

// ValueSet is a set of values of one dimension, defined as a first-match
// list of entries (a value belongs to the set when the first entry that
// contains it is inclusive). Plain unions have only inclusive entries; Junos
// "except" lists are painted by specificity. Sets built only from ranges
// are also held as sorted disjoint intervals for fast lookup and for the
// boundary sweep of the header-space search.
type ValueSet struct {
	w          uint
	entries    []entry
	contiguous bool
	ivs        []ival
	cubes      []centry
	// one is set for a single interval [lo,hi], the common case worth a
	// branch of its own on the evaluator's hot path.
	one    bool
	lo, hi uint32
	// inline storage for the common one-entry set, saving two allocations
	e1  [1]entry
	iv1 [1]ival
}

func newSet(w uint) *ValueSet {
	s := &ValueSet{w: w}
	s.entries = s.e1[:0]
	return s
}

func maxVal(w uint) uint32 {
	if w >= 32 {
		return 0xFFFFFFFF
	}
	return uint32(1)<<w - 1
}

func (s *ValueSet) addRange(lo, hi uint32, incl bool) *ValueSet {
	if lo > hi {
		lo, hi = hi, lo
	}
	s.entries = append(s.entries, entry{lo: lo, hi: hi, rng: true, incl: incl})
	return s
}

func (s *ValueSet) addValue(v uint32) *ValueSet { return s.addRange(v, v, true) }

// addCube adds a ternary entry; a cube whose free bits are the low bits is
// also a range.
func (s *ValueSet) addCube(val, mask uint32, incl bool) *ValueSet {
	mask &= maxVal(s.w)
	val &= mask
	e := entry{c: cube{val, mask}, isCube: true, incl: incl}
	free := ^mask & maxVal(s.w)
	if free&(free+1) == 0 { // free bits are a low run: a prefix
		e.rng, e.lo, e.hi = true, val, val|free
	}
	s.entries = append(s.entries, e)
	return s
}

func (s *ValueSet) addAll() *ValueSet { return s.addRange(0, maxVal(s.w), true) }

// finish computes the lookup forms. It must be called once after the last add.
func (s *ValueSet) finish() *ValueSet {
	s.contiguous = true
	allIncl := true
	for _, e := range s.entries {
		if !e.rng {
			s.contiguous = false
		}
		if !e.incl {
			allIncl = false
		}
	}
	if !s.contiguous {
		s.cubes = s.buildCubes()
		return s
	}
	if allIncl {
		iv := s.iv1[:0]
		if len(s.entries) > 1 {
			iv = make([]ival, 0, len(s.entries))
		}
		for _, e := range s.entries {
			iv = append(iv, ival{e.lo, e.hi})
		}
		s.ivs = mergeIvals(iv)
		s.setOne()
		return s
	}
	// Paint: every elementary segment takes the first entry containing it.
	var bs []uint64
	bs = append(bs, 0)
	for _, e := range s.entries {
		bs = append(bs, uint64(e.lo), uint64(e.hi)+1)
	}
	bs = uniq64(bs)
	top := uint64(maxVal(s.w))
	var iv []ival
	for i, b := range bs {
		if b > top {
			break
		}
		end := top
		if i+1 < len(bs) && bs[i+1]-1 < end {
			end = bs[i+1] - 1
		}
		if s.firstMatch(uint32(b)) {
			iv = append(iv, ival{uint32(b), uint32(end)})
		}
	}
	s.ivs = mergeIvals(iv)
	s.setOne()
	return s
}

// buildCubes lists the set's entries as ternary cubes (ranges split into
// aligned prefixes), in first-match order.
func (s *ValueSet) buildCubes() []centry {
	var out []centry
	for _, e := range s.entries {
		if e.isCube {
			out = append(out, centry{e.c, e.incl})
			continue
		}
		for _, c := range rangeCubes(e.lo, e.hi, s.w) {
			out = append(out, centry{c, e.incl})
		}
	}
	return out
}

// cubeList returns the cube form. Contiguous sets do not keep one (they are
// matched by interval); it is built on demand, without mutating the set,
// which may be shared between goroutines.
func (s *ValueSet) cubeList() []centry {
	if s.cubes != nil || !s.contiguous {
		return s.cubes
	}
	return s.buildCubes()
}

func (s *ValueSet) setOne() {
	if len(s.ivs) == 1 {
		s.one, s.lo, s.hi = true, s.ivs[0].lo, s.ivs[0].hi
	}
}

func (s *ValueSet) firstMatch(v uint32) bool {
	for _, e := range s.entries {
		if e.rng && v >= e.lo && v <= e.hi || !e.rng && v&e.c.mask == e.c.val {
			return e.incl
		}
	}
	return false
}

// Has reports whether v is in the set.
func (s *ValueSet) Has(v uint32) bool {
	if s.one {
		return v >= s.lo && v <= s.hi
	}
	if s.contiguous {
		iv := s.ivs
		if len(iv) <= 4 {
			for _, x := range iv {
				if v <= x.hi {
					return v >= x.lo
				}
			}
			return false
		}
		lo, hi := 0, len(iv)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if iv[m].hi < v {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo < len(iv) && iv[lo].lo <= v
	}
	for _, c := range s.cubes {
		if v&c.mask == c.val {
			return c.incl
		}
	}
	return false
}

func mergeIvals(iv []ival) []ival {
	if len(iv) == 0 {
		return nil
	}
	sort.Slice(iv, func(i, j int) bool { return iv[i].lo < iv[j].lo })
	out := iv[:1]
	for _, x := range iv[1:] {
		last := &out[len(out)-1]
		if uint64(x.lo) <= uint64(last.hi)+1 {
			if x.hi > last.hi {
				last.hi = x.hi
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

func uniq64(b []uint64) []uint64 {
	slices.Sort(b)
	out := b[:0]
	for i, x := range b {
		if i == 0 || x != b[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// rangeCubes splits [lo,hi] into at most 2w aligned prefixes.
func rangeCubes(lo, hi uint32, w uint) []cube {
	var out []cube
	l, h := uint64(lo), uint64(hi)
	full := uint64(maxVal(w))
	for l <= h {
		size := uint64(1)
		if l != 0 {
			size = l & -l
		} else {
			size = full + 1
		}
		for l+size-1 > h {
			size >>= 1
		}
		out = append(out, cube{uint32(l), uint32(full &^ (size - 1))})
		l += size
	}
	return out
}

// Cond is one match condition of a rule. A rule matches when all its
// conditions do.
type Cond struct {
	Dim    dim
	Neg    bool
	Set    *ValueSet
	Ifaces []ifacePat // for dimIn/dimOut: any of these names matches
}

// ifacePat is an interface name, or a name prefix when Wild (iptables eth+,
// nft "eth*").
type ifacePat struct {
	Name string
	Wild bool
}

func (c *Cond) match(p *Packet) bool {
	if c.Dim < numDims {
		if c.Dim != dimSrc && c.Dim != dimDst && c.Dim != dimProto && !applicable(c.Dim, p.V[dimProto]) {
			return false
		}
		return c.Set.Has(p.V[c.Dim]) != c.Neg
	}
	var r bool
	switch c.Dim {
	case dimAddrEither:
		r = c.Set.Has(p.V[dimSrc]) || c.Set.Has(p.V[dimDst])
	case dimPortEither:
		if !applicable(dimDport, p.V[dimProto]) {
			return false
		}
		r = c.Set.Has(p.V[dimSport]) || c.Set.Has(p.V[dimDport])
	case dimIn:
		r = ifaceMatch(c.Ifaces, p.In)
	case dimOut:
		r = ifaceMatch(c.Ifaces, p.Out)
	case dimNever:
		return false
	default:
		if !applicable(c.Dim, p.V[dimProto]) {
			return false
		}
		r = c.Set.Has(p.V[c.Dim])
	}
	return r != c.Neg
}

func ifaceMatch(pats []ifacePat, got string) bool {
	for _, p := range pats {
		if p.Wild && len(got) >= len(p.Name) && got[:len(p.Name)] == p.Name || !p.Wild && got == p.Name {
			return true
		}
	}
	return false
}

// uses reports whether the condition's set bounds dimension d.
func (c *Cond) uses(d dim) bool {
	switch c.Dim {
	case dimAddrEither:
		return d == dimSrc || d == dimDst
	case dimPortEither:
		return d == dimSport || d == dimDport
	}
	return c.Dim == d
}

// Action is what a rule does with a packet it matches.
type Action uint8

// The actions. Only accept, drop, reject, return, jump and goto change the
// flow of evaluation; ActContinue rules are only counted or logged.
const (
	ActContinue Action = iota // non-terminating: LOG, counter, count, next term
	ActAccept
	ActDrop
	ActReject
	ActReturn
	ActJump
	ActGoto
)

func (a Action) terminal() bool {
	switch a {
	case ActAccept, ActDrop, ActReject, ActReturn, ActGoto:
		return true
	}
	return false
}

// Rule is one filter line (an ACE, a Junos term, an iptables or nft rule;
// an nft verdict map expands into one rule per key, sharing the line).
type Rule struct {
	Line   int
	Text   string
	Conds  []Cond
	Action Action
	Target string // chain for jump/goto
	target *Chain
	chain  *Chain
	id     int // index among the config's rules
	// A bounding box of the rule on protocol, source and destination (the
	// whole range when unconstrained), checked before the conditions: most
	// rules of a large ruleset are rejected by one comparison.
	qlo, qhi [3]uint32
	qok      bool
	sig      uint64 // structural signature: action, target, conditions
	// dnat, when set, rewrites the destination of packets the rule accepts
	// (iptables DNAT/REDIRECT, nft dnat/redirect): later chains on the path
	// see the translated destination.
	dnat *rewrite
}

// rewrite is a destination NAT translation: the first address and port of
// the target range.
type rewrite struct {
	dst, dport       uint32
	setDst, setDport bool
}

// parseDNAT reads "a.b.c.d[:port[-port]]" or ":port" (iptables
// --to-destination and --to-ports, nft "dnat to" and "redirect to").
func parseDNAT(s string) (*rewrite, bool) {
	rw := &rewrite{}
	addr, port, hasPort := strings.Cut(s, ":")
	if addr != "" {
		if lo, _, ok := strings.Cut(addr, "-"); ok {
			addr = lo
		}
		v, ok := parseIPv4(addr)
		if !ok {
			return nil, false
		}
		rw.dst, rw.setDst = v, true
	}
	if hasPort {
		lo, _, ok := parsePortRange(port)
		if !ok {
			return nil, false
		}
		rw.dport, rw.setDport = lo, true
	}
	return rw, rw.setDst || rw.setDport
}

var quickDims = [3]dim{dimProto, dimSrc, dimDst}

// compile fills the rule's bounding box from its plain interval conditions.
func (r *Rule) compile() {
	for i, d := range quickDims {
		r.qlo[i], r.qhi[i] = 0, maxVal(width[d])
		for j := range r.Conds {
			c := &r.Conds[j]
			if c.Dim == d && !c.Neg && c.Set != nil && c.Set.contiguous && len(c.Set.ivs) > 0 {
				lo, hi := c.Set.ivs[0].lo, c.Set.ivs[len(c.Set.ivs)-1].hi
				if lo > r.qlo[i] {
					r.qlo[i] = lo
				}
				if hi < r.qhi[i] {
					r.qhi[i] = hi
				}
			}
		}
	}
	r.qok = true
	r.sig = r.signature()
}

// signature hashes what decides the rule's behaviour, not where it is
// written, so the same rule in two configs has the same signature.
func (r *Rule) signature() uint64 {
	h := mix(0, uint64(r.Action))
	if r.Action == ActJump || r.Action == ActGoto {
		for _, b := range []byte(r.Target) {
			h = mix(h, uint64(b))
		}
	}
	for i := range r.Conds {
		c := &r.Conds[i]
		h = mix(h, uint64(c.Dim)<<8|boolBit(c.Neg)<<1|1)
		for _, p := range c.Ifaces {
			h = mix(h, boolBit(p.Wild)|2)
			for _, b := range []byte(p.Name) {
				h = mix(h, uint64(b))
			}
		}
		if c.Set == nil {
			continue
		}
		h = mix(h, uint64(c.Set.w))
		if c.Set.contiguous {
			for _, iv := range c.Set.ivs {
				h = mix(h, uint64(iv.lo)<<32|uint64(iv.hi))
			}
			continue
		}
		for _, e := range c.Set.cubes {
			h = mix(h, uint64(e.val)<<32|uint64(e.mask))
			h = mix(h, boolBit(e.incl))
		}
	}
	return h
}

// quick rejects a packet outside the rule's bounding box.
func (r *Rule) quick(p *Packet) bool {
	return !r.qok || p.V[dimSrc]-r.qlo[1] <= r.qhi[1]-r.qlo[1] && p.V[dimDst]-r.qlo[2] <= r.qhi[2]-r.qlo[2] &&
		p.V[dimProto]-r.qlo[0] <= r.qhi[0]-r.qlo[0]
}

func (r *Rule) matches(p *Packet) bool {
	if !r.quick(p) {
		return false
	}
	return r.condsMatch(p)
}

func (r *Rule) condsMatch(p *Packet) bool {
	for i := range r.Conds {
		if !r.Conds[i].match(p) {
			return false
		}
	}
	return true
}

// Chain is an ordered list of rules: a Cisco ACL, a Junos filter, or an
// iptables/nftables chain. Base chains end in their policy; others return.
type Chain struct {
	Name       string // display name: ACL name, "filter/INPUT", "inet filter input"
	Family     string
	Table      string
	Short      string // the chain's own name inside its table
	Rules      []*Rule
	Base       bool
	Hook       string
	Priority   int
	Policy     Action // ActAccept or ActDrop for base chains and ACLs
	PolicyLine int
	PolicyText string
	Line       int
}

// stage is one chain on a packet's path. FallThrough sends packets that
// reach the chain's end to the next stage (Junos filter lists).
type stage struct {
	chain       *Chain
	fallThrough bool
}

// Program is what a target evaluates: a sequence of chains. In netfilter an
// accept ends only the current base chain and the packet moves on to the
// next hook's chain; in a Junos filter list an accept ends everything.
type Program struct {
	stages     []stage
	acceptEnds bool
	desc       string
}

// Decision is the outcome of evaluating a packet.
type Decision struct {
	Permit bool
	Line   int
	Text   string
}

type outcome uint8

const (
	outReturn outcome = iota
	outAccept
	outDrop
)

// maxDepth bounds jump nesting; parsers reject loops, this is a backstop.
const maxDepth = 64

// evaluator walks chains. With stamps set, a rule matches when its stamp
// equals gen (the header-space search has already decided it).
type evaluator struct {
	p      *Packet
	trace  *[]*Rule
	stamps []uint32
	gen    uint32
}

func (e *evaluator) chain(c *Chain, depth int) (outcome, *Rule) {
	if depth > maxDepth {
		return outDrop, nil
	}
	trace := e.trace
	p, stamps, gen := e.p, e.stamps, e.gen
	for _, r := range c.Rules {
		if stamps == nil {
			if !r.quick(p) || !r.condsMatch(p) {
				continue
			}
		} else if len(r.Conds) > 0 && (r.id >= len(stamps) || stamps[r.id] != gen) {
			continue
		}
		if trace != nil {
			*trace = append(*trace, r)
		}
		switch r.Action {
		case ActContinue:
		case ActAccept:
			return outAccept, r
		case ActDrop, ActReject:
			return outDrop, r
		case ActReturn:
			return outReturn, r
		case ActJump:
			if r.target == nil {
				continue
			}
			if o, d := e.chain(r.target, depth+1); o != outReturn {
				return o, d
			}
		case ActGoto:
			if r.target == nil {
				continue
			}
			return e.chain(r.target, depth+1)
		}
	}
	return outReturn, nil
}

// Eval decides a packet and names the line that decided it.
func (pr *Program) Eval(p *Packet) Decision {
	return pr.evalWith(p, nil, nil, 0)
}

func (pr *Program) evalWith(p *Packet, trace *[]*Rule, stamps []uint32, gen uint32) Decision {
	e := evaluator{p: p, trace: trace, stamps: stamps, gen: gen}
	d := Decision{Permit: true, Text: "no filter applies: permitted"}
	var explicit Decision
	for i, st := range pr.stages {
		o, r := e.chain(st.chain, 0)
		if o == outReturn {
			if st.fallThrough && i+1 < len(pr.stages) {
				continue
			}
			o = outDrop
			if st.chain.Policy == ActAccept {
				o = outAccept
			}
			d = Decision{Permit: o == outAccept, Line: st.chain.PolicyLine, Text: st.chain.PolicyText}
		} else {
			d = Decision{Permit: o == outAccept}
			if r != nil {
				d.Line, d.Text = r.Line, r.Text
				if r.dnat != nil && o == outAccept && (e.p.V[dimState] == stNew || e.p.V[dimState] == stRelated) {
					// Later chains see the translated destination. The
					// kernel consults the nat rules for a connection's
					// first packet (new, or related) only: an established
					// packet keeps its destination, and invalid ones have
					// no connection to translate.
					pk := *e.p
					if r.dnat.setDst {
						pk.V[dimDst] = r.dnat.dst
					}
					if r.dnat.setDport && applicable(dimDport, pk.V[dimProto]) {
						pk.V[dimDport] = r.dnat.dport
					}
					e.p = &pk
				}
			}
		}
		if o == outDrop || pr.acceptEnds {
			return d
		}
		if r != nil {
			explicit = d
		}
	}
	// Accepted by every chain on a netfilter path: name the last rule that
	// accepted it rather than a later chain's default policy.
	if explicit.Line != 0 {
		return explicit
	}
	return d
}

// rewrites reports whether a reachable rule translates addresses; the
// header-space search then evaluates leaves in full instead of from stamps.
func (pr *Program) rewrites() bool {
	seen := map[*Chain]bool{}
	var walk func(c *Chain) bool
	walk = func(c *Chain) bool {
		if c == nil || seen[c] {
			return false
		}
		seen[c] = true
		for _, r := range c.Rules {
			if r.dnat != nil || walk(r.target) {
				return true
			}
		}
		return false
	}
	for _, st := range pr.stages {
		if walk(st.chain) {
			return true
		}
	}
	return false
}

func popcount(x uint32) int { return bits.OnesCount32(x) }
