package exact

import (
	"hash/fnv"
	"math"
	"math/big"
	"math/cmplx"
	"sort"
	"strings"
)

// Rules reported in details.rule: the comparison that decided the verdict.
const (
	ruleSymbolic  = "symbolic"      // identical canonical forms
	ruleExact     = "exact"         // exact rational arithmetic
	ruleTolerance = "tolerance"     // a decimal within the relative tolerance
	ruleNumeric   = "numeric"       // closed forms (radicals, π, e) evaluated in float64
	rulePoints    = "random_points" // expressions in variables at random points
	ruleRelation  = "relation"      // equations and inequalities as relations
	ruleAssign    = "assignment"    // x = 3 against 3
	ruleSet       = "set"           // unordered collections
	ruleTuple     = "tuple"         // ordered collections
	ruleInterval  = "interval"      // intervals and unions
	ruleMatrix    = "matrix"        // matrices element-wise
	ruleText      = "text"          // whole-answer text
	ruleChoice    = "choice"        // multiple choice letters
	ruleHedge     = "hedge"         // several different answers
	ruleExtract   = "extraction"    // no answer could be extracted
)

// Tolerances of the float comparisons. tightTol applies where neither side
// is a decimal, so it only absorbs float64 rounding of closed forms.
const (
	tightTol  = 1e-10
	zeroTol   = 1e-12 // absolute, for a closed form against an exact 0
	pointsTol = 1e-9
	numPoints = 8 // random points per comparison; at least minPoints must evaluate
	minPoints = 3
	maxItems  = 64 // items compared pairwise in a set; larger sets compare by form only
	maxPM     = 3  // ± signs expanded (2^3 variants); more are refused

	// maxCompareWork bounds the work of one Score (a comparison costs 1, an
	// evaluation at random points numPoints more), so nested collections
	// cannot multiply into millions of comparisons. With the node limit on
	// both trees, the worst case stays in the tens of milliseconds.
	maxCompareWork = 1 << 16
)

// verdict is the outcome of one comparison.
type verdict struct {
	ok     bool
	hedge  bool
	rule   string
	reason string
}

func yes(rule string) verdict        { return verdict{ok: true, rule: rule} }
func no(rule, reason string) verdict { return verdict{rule: rule, reason: reason} }
func hedged(reason string) verdict   { return verdict{hedge: true, rule: ruleHedge, reason: reason} }
func (v verdict) withRule(r string) verdict {
	if !v.hedge {
		v.rule = r
	}
	return v
}

// comparer holds the policy of one task.
type comparer struct {
	budget  int // comparisons left in this Score
	tol     float64
	tolRat  *big.Rat
	percent string // "either", "number", "fraction"
	seed    uint64
}

// equal compares an answer tree a to a reference tree r.
func (c *comparer) equal(a, r *node) verdict {
	c.budget--
	if c.budget < 0 {
		return no(ruleSet, "too complex to compare")
	}
	if a.k == kText || r.k == kText {
		if a.k == kText && r.k == kText && sameText(a.name, r.name) {
			return yes(ruleText)
		}
		return no(ruleText, "text differs")
	}
	// ± expands to its two values: \pm 3 is the list 3, -3.
	if countPM(a, 0) > maxPM || countPM(r, 0) > maxPM {
		return no(ruleSet, "too many ± signs")
	}
	if hasPM(a) {
		a = expandPM(a)
	}
	if hasPM(r) {
		r = expandPM(r)
	}
	a = unwrapMembership(a)
	r = unwrapMembership(r)
	if a.k == kRel && isEqChain(a) {
		var h bool
		if a, h = c.reduceChain(a); h {
			return hedged("the equation chain states different values")
		}
	}
	if r.k == kRel && isEqChain(r) {
		r, _ = c.reduceChain(r)
	}
	// 4 = 2^2 or 5/3 ≈ 1.67 against a value: a constant stated with its
	// check or its decimal approximation is that constant. Sides that
	// disagree are a hedge.
	if a.k == kRel && r.k != kRel && len(a.ops) == 1 && a.ops[0] == "=" &&
		len(freeVars(a, nil)) == 0 {
		if !c.scalar(a.args[1], a.args[0]).ok && !c.roughly(a.args[1], a.args[0]) {
			return hedged("the equation states different values")
		}
		a = a.args[0]
	}
	multiR := r.k == kList || r.k == kSet
	// "x \le -3 or x \ge 3" against a union: the inequalities are intervals.
	if a.k == kList && (r.k == kUnion || r.k == kInterval) {
		if u := listUnion(a); u != nil {
			a = u
		}
	}
	// x = 1, y = -2 against bare values: the values are bound to their
	// variables in the reference's order, so (-2, 1) is not the answer.
	if r.k == kList && (a.k == kList || a.k == kTuple) && distinctAssignments(r.args) && noAssignments(a.args) {
		vals := make([]*node, len(r.args))
		for i, x := range r.args {
			vals[i] = assignedValue(x)
		}
		return c.sameSeq(a.args, vals).withRule(ruleAssign)
	}
	switch {
	case a.k == kList && !multiR && r.k != kTuple:
		// Several answers to a single-valued question: a hedge unless
		// they all say the same thing.
		for _, x := range a.args[1:] {
			if v := c.equal(x, a.args[0]); !v.ok {
				return hedged("several different answers to a single-valued question")
			}
		}
		return c.equal(a.args[0], r)
	case multiR && (a.k == kList || a.k == kSet):
		return c.sameSet(a.args, r.args)
	case r.k == kList && a.k == kTuple:
		// Solutions written in parentheses: (3, 4) for "3, 4".
		return c.sameSet(a.args, r.args)
	case multiR:
		return c.sameSet([]*node{a}, r.args)
	case a.k == kSet || r.k == kSet:
		return no(ruleSet, "one side is a set and the other is not")
	}
	// x = 3 against 3, (x, y) = (1, 2) against (1, 2): an assignment
	// answers a bare value.
	if a.k == kRel && r.k != kRel {
		if rhs := assignedValue(a); rhs != nil {
			return c.equal(rhs, r).withRule(ruleAssign)
		}
	}
	switch r.k {
	case kTuple:
		switch a.k {
		case kTuple, kList:
			return c.sameSeq(a.args, r.args)
		case kInterval:
			if len(r.args) == 2 {
				if !(a.loOpen && a.hiOpen) {
					return no(ruleInterval, "interval ends differ in openness")
				}
				return c.sameSeq(a.args, r.args).withRule(ruleInterval)
			}
		case kRel:
			if iv := relInterval(a); iv != nil && len(r.args) == 2 {
				return c.equal(iv, r)
			}
		case kMatrix:
			if a.rows == 1 || a.cols == 1 {
				return c.sameSeq(a.args, r.args).withRule(ruleMatrix)
			}
		}
		return no(ruleTuple, "reference is a tuple")
	case kInterval:
		switch a.k {
		case kInterval:
			if a.loOpen != r.loOpen || a.hiOpen != r.hiOpen {
				return no(ruleInterval, "interval ends differ in openness")
			}
			return c.sameSeq(a.args, r.args).withRule(ruleInterval)
		case kTuple:
			if len(a.args) == 2 {
				if !(r.loOpen && r.hiOpen) {
					return no(ruleInterval, "interval ends differ in openness")
				}
				return c.sameSeq(a.args, r.args).withRule(ruleInterval)
			}
		case kRel:
			if iv := relInterval(a); iv != nil {
				return c.equal(iv, r)
			}
		}
		return no(ruleInterval, "reference is an interval")
	case kUnion:
		switch a.k {
		case kUnion:
			return c.sameSet(a.args, r.args).withRule(ruleInterval)
		case kRel:
			if iv := relInterval(a); iv != nil {
				return c.equal(iv, r)
			}
		}
		return no(ruleInterval, "reference is a union")
	case kMatrix:
		switch a.k {
		case kMatrix:
			if a.rows != r.rows || a.cols != r.cols {
				return no(ruleMatrix, "matrix shapes differ")
			}
			return c.sameSeq(a.args, r.args).withRule(ruleMatrix)
		case kTuple, kList:
			if r.rows == 1 || r.cols == 1 {
				return c.sameSeq(a.args, r.args).withRule(ruleMatrix)
			}
		}
		return no(ruleMatrix, "reference is a matrix")
	case kRel:
		if a.k == kRel {
			return c.relEqual(a, r)
		}
		if a.k == kInterval || a.k == kUnion {
			if iv := relInterval(r); iv != nil {
				return c.equal(a, iv)
			}
		}
		// x = 3 against 3: the reference is a single assignment.
		if rhs := assignedValue(r); rhs != nil {
			return c.equal(a, rhs).withRule(ruleAssign)
		}
		return no(ruleRelation, "reference is an equation or inequality")
	}
	switch a.k {
	case kTuple, kInterval, kUnion, kMatrix:
		return no(ruleTuple, "answer is a collection, reference is a single value")
	case kRel:
		if rhs := assignedValue(a); rhs != nil {
			return c.equal(rhs, r).withRule(ruleAssign)
		}
		return no(ruleRelation, "answer is an equation or inequality, reference is a value")
	}
	return c.scalar(a, r)
}

// sameSeq compares ordered items.
func (c *comparer) sameSeq(a, r []*node) verdict {
	if len(a) != len(r) {
		return no(ruleTuple, "different number of items")
	}
	for i := range a {
		if v := c.equal(a[i], r[i]); !v.ok {
			v.reason = "item " + itoa(i+1) + ": " + v.reason
			v.hedge = false
			return v.withRule(ruleTuple)
		}
	}
	return yes(ruleTuple)
}

// sameSet compares unordered items as multisets, as the issue asks for
// sets and solution lists: every answer item is matched to its own
// reference item (equality is an equivalence, so a greedy matching is a
// maximum one), and nothing is left over on either side.
func (c *comparer) sameSet(a, r []*node) verdict {
	if len(a) > maxItems || len(r) > maxItems {
		if listString(a) == listString(r) {
			return yes(ruleSymbolic)
		}
		return no(ruleSet, "too many items to compare")
	}
	used := make([]bool, len(r))
	for _, x := range a {
		found := false
		for j, y := range r {
			if used[j] {
				continue
			}
			if v := c.equal(x, y); v.ok {
				used[j], found = true, true
				break
			}
		}
		if !found {
			if c.budget < 0 {
				return no(ruleSet, "too complex to compare")
			}
			if len(r) == 1 && len(a) > 1 {
				return hedged("several different answers to a single-valued question")
			}
			return no(ruleSet, "answer item "+clipN(x.String(), 40)+" is not in the reference")
		}
	}
	for j, u := range used {
		if !u {
			return no(ruleSet, "reference item "+clipN(r[j].String(), 40)+" is missing")
		}
	}
	return yes(ruleSet)
}

func listString(ns []*node) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.String()
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

// scalar compares two single values: numbers, closed forms or expressions
// in variables.
func (c *comparer) scalar(a, r *node) verdict {
	if a.k == kText || r.k == kText || !isScalar(a) || !isScalar(r) {
		return c.equal(a, r)
	}
	if !(a.k == kNum && r.k == kNum) && a.String() == r.String() {
		return yes(ruleSymbolic)
	}
	vars := freeVars(r, freeVars(a, nil))
	if len(vars) > 0 {
		return c.points(a, r, vars)
	}
	if hasPercent(a) || hasPercent(r) {
		var last verdict
		for _, div := range c.percentReadings(a, r) {
			if last = c.constant(a, r, evalCtx{pctDiv: div}); last.ok {
				return last
			}
		}
		return last
	}
	return c.constant(a, r, evalCtx{})
}

// percentReadings lists how \% is read: as a unit (50\% = 50), as a
// fraction (50\% = 0.5), or both when one side only has the sign.
func (c *comparer) percentReadings(a, r *node) []bool {
	switch c.percent {
	case "number":
		return []bool{false}
	case "fraction":
		return []bool{true}
	}
	if hasPercent(a) && hasPercent(r) {
		return []bool{false}
	}
	return []bool{false, true}
}

// constant compares two expressions without variables.
func (c *comparer) constant(a, r *node, ctx evalCtx) verdict {
	approx := hasDecimal(a) || hasDecimal(r)
	ea, okA := ctx.exactVal(a)
	er, okR := ctx.exactVal(r)
	if okA && okR {
		if ea.Cmp(er) == 0 {
			return yes(ruleExact)
		}
		// Integers compare exactly, however large; the tolerance only
		// forgives a decimal approximating a non-integer value.
		if approx && !er.IsInt() {
			diff := new(big.Rat).Sub(ea, er)
			diff.Abs(diff)
			bound := new(big.Rat).Abs(er)
			bound.Mul(bound, c.tolRat)
			if diff.Cmp(bound) <= 0 {
				return yes(ruleTolerance)
			}
			return no(ruleTolerance, "outside the relative tolerance")
		}
		return no(ruleExact, "values differ")
	}
	va, vr := ctx.numVal(a, nil), ctx.numVal(r, nil)
	if !finite(va) || !finite(vr) {
		if okA != okR && (okA && tooLargeFloat(ea) || okR && tooLargeFloat(er)) {
			return no(ruleNumeric, "value too large to compare with a closed form")
		}
		return no(ruleNumeric, "value is undefined or too large to evaluate")
	}
	// A closed form that equals zero (sin π, e^{iπ}+1) evaluates to float
	// rounding, which no relative tolerance forgives against an exact 0.
	// Only forms with π: a tiny value such as e^{-30} is not zero.
	if okA != okR && (okA && ea.Sign() == 0 || okR && er.Sign() == 0) && cmplx.Abs(va-vr) <= zeroTol &&
		(hasPi(a) || hasPi(r)) {
		return yes(ruleNumeric)
	}
	tol, rule := tightTol, ruleNumeric
	if approx && !(okR && er.IsInt()) {
		tol, rule = c.tol, ruleTolerance
	}
	if near(va, vr, tol) {
		return yes(rule)
	}
	return no(rule, "values differ")
}

func tooLargeFloat(r *big.Rat) bool {
	f, _ := r.Float64()
	return math.IsInf(f, 0)
}

func finite(z complex128) bool {
	return !cmplx.IsNaN(z) && !cmplx.IsInf(z)
}

// near reports |a-b| <= tol·max(|a|,|b|).
func near(a, b complex128, tol float64) bool {
	d := cmplx.Abs(a - b)
	if d == 0 {
		return true
	}
	return d <= tol*math.Max(cmplx.Abs(a), cmplx.Abs(b))
}

// points compares expressions in variables at numPoints random complex
// points near the positive real axis (so principal branches of √ and log
// agree). See README for the false-positive bound.
func (c *comparer) points(a, r *node, vars []string) verdict {
	// Evaluating at every point costs more than a plain comparison.
	c.budget -= numPoints
	sort.Strings(vars)
	e := &env{names: vars, vals: make([]complex128, len(vars))}
	rng := newRNG(c.seed, vars)
	kind := pointKindOf(a) | pointKindOf(r)
	if kind&hasAbs != 0 && kind&hasFact != 0 {
		// Γ needs positive points, where |x| is x: no sound sample.
		return no(rulePoints, "cannot compare |x| and factorials at random points")
	}
	tol := pointsTol
	if hasDecimal(a) || hasDecimal(r) {
		tol = math.Max(c.tol, pointsTol)
	}
	ctx := evalCtx{pctDiv: c.percent == "fraction"}
	good := 0
	for k := 0; k < numPoints; k++ {
		for i := range e.vals {
			e.vals[i] = kind.point(rng)
		}
		va, vr := ctx.numVal(a, e), ctx.numVal(r, e)
		if !finite(va) && !finite(vr) {
			continue
		}
		if !finite(va) || !finite(vr) {
			return no(rulePoints, "defined at different points")
		}
		if !near(va, vr, tol) {
			return no(rulePoints, "differs at a random point")
		}
		good++
	}
	if good < minPoints {
		return no(rulePoints, "could not evaluate at enough points")
	}
	return yes(rulePoints)
}

// pointKind says where an expression must be evaluated to be told apart
// from others: a bit set of what it contains.
type pointKind uint8

const (
	// Floor and ceiling are evaluated at real points over a range wide
	// enough that ⌊n/2⌋ is not always 0 nor ⌈n/2⌉ always 1, and not only
	// at integers, where ⌊x⌋ would pass for x. Identities that hold only
	// for integers (⌊n²/4⌋ = ⌊n/2⌋⌈n/2⌉) are then told apart: a missed
	// reward, never a false one.
	hasFloor pointKind = 1 << iota
	// |x| is not analytic: it is evaluated at real points of both signs,
	// or |x| would pass for x.
	hasAbs
	// n! is evaluated through Γ, which has poles at the negative
	// integers: only at positive points.
	hasFact
)

// pointKindOf reports the functions of n that decide its points.
func pointKindOf(n *node) pointKind {
	if n == nil {
		return 0
	}
	var k pointKind
	switch {
	case n.k == kAbs:
		k = hasAbs
	case n.k == kFunc && (n.name == "floor" || n.name == "ceil"):
		k = hasFloor
	case n.k == kFact:
		k = hasFact
	case n.k == kFunc && n.name == "binom" && len(n.args) == 2 && len(freeVars(n.args[1], nil)) > 0:
		k = hasFact // \binom{2n}{n} goes through Γ
	}
	for _, a := range n.args {
		k |= pointKindOf(a)
	}
	return k
}

// point draws one value of a variable. Analytic expressions take complex
// points near the positive real axis, where the principal branches of √
// and log agree.
func (k pointKind) point(rng *rng) complex128 {
	switch {
	case k&hasFloor != 0 && k&hasFact != 0:
		return complex(1+19*rng.unit(), 0)
	case k&hasFloor != 0:
		return complex(60*rng.unit()-30, 0)
	case k&hasFact != 0:
		return complex(0.3+1.6*rng.unit(), 0)
	case k&hasAbs != 0:
		return complex(16*rng.unit()-8, 0)
	}
	return complex(0.3+1.6*rng.unit(), rng.unit()-0.5)
}

// relEqual compares two relations: the same relation up to a nonzero
// constant factor (positive for inequalities), so y=2x+1 equals 2x-y+1=0
// and x>2 equals 2<x.
func (c *comparer) relEqual(a, r *node) verdict {
	if len(a.ops) != len(r.ops) {
		if ia, ir := relInterval(a), relInterval(r); ia != nil && ir != nil {
			return c.equal(ia, ir)
		}
		return no(ruleRelation, "relations differ")
	}
	if len(a.ops) > 1 {
		if ia, ir := relInterval(a), relInterval(r); ia != nil && ir != nil {
			return c.equal(ia, ir)
		}
		for i := range a.ops {
			sa := &node{k: kRel, args: a.args[i : i+2], ops: a.ops[i : i+1]}
			sr := &node{k: kRel, args: r.args[i : i+2], ops: r.ops[i : i+1]}
			if v := c.relEqual(sa, sr); !v.ok {
				return v
			}
		}
		return yes(ruleRelation)
	}
	// Two assignments to the same variable compare their values, with the
	// exactness and tolerance rules of numbers.
	if va, vr := assignedVar(a), assignedVar(r); va != "" && va == vr {
		return c.equal(a.args[1], r.args[1]).withRule(ruleAssign)
	}
	fa, opA := relForm(a)
	fr, opR := relForm(r)
	if fa == nil || fr == nil || opA != opR {
		return no(ruleRelation, "different relation")
	}
	vars := freeVars(fr, freeVars(fa, nil))
	if len(vars) == 0 {
		if a.String() == r.String() {
			return yes(ruleSymbolic)
		}
		return no(ruleRelation, "relation without variables")
	}
	c.budget -= numPoints
	sort.Strings(vars)
	e := &env{names: vars, vals: make([]complex128, len(vars))}
	rng := newRNG(c.seed, vars)
	var ratio complex128
	good := 0
	ctx := evalCtx{}
	for k := 0; k < numPoints; k++ {
		for i := range e.vals {
			e.vals[i] = complex(0.3+1.6*rng.unit(), rng.unit()-0.5)
		}
		x, y := ctx.numVal(fa, e), ctx.numVal(fr, e)
		if !finite(x) || !finite(y) || cmplx.Abs(y) < 1e-12 {
			continue
		}
		q := x / y
		if good == 0 {
			ratio = q
		} else if !near(q, ratio, pointsTol) {
			return no(ruleRelation, "not the same relation")
		}
		good++
	}
	if good < minPoints || cmplx.Abs(ratio) < 1e-12 {
		return no(ruleRelation, "could not evaluate the relation")
	}
	if opA != "=" && opA != "!=" && (real(ratio) <= 0 || math.Abs(imag(ratio)) > pointsTol*cmplx.Abs(ratio)) {
		return no(ruleRelation, "inequality points the other way")
	}
	return yes(ruleRelation)
}

// relForm rewrites a single relation as f op 0 with op one of =, !=, >, >=.
func relForm(n *node) (*node, string) {
	if n.k != kRel || len(n.ops) != 1 {
		return nil, ""
	}
	l, r := n.args[0], n.args[1]
	sub := func(x, y *node) *node {
		return &node{k: kAdd, args: []*node{x, {k: kNeg, args: []*node{y}}}}
	}
	switch n.ops[0] {
	case "=", "!=":
		return sub(l, r), n.ops[0]
	case ">", ">=":
		return sub(l, r), n.ops[0]
	case "<":
		return sub(r, l), ">"
	case "<=":
		return sub(r, l), ">="
	}
	return nil, ""
}

// assignedVar returns the left side's canonical form for an assignment
// v = E or (x, y) = (1, 2): a variable, or a tuple of variables, that E does
// not contain. It returns "" for any other relation.
func assignedVar(n *node) string {
	if n.k != kRel || len(n.ops) != 1 || n.ops[0] != "=" {
		return ""
	}
	lhs := n.args[0]
	switch lhs.k {
	case kVar:
	case kTuple:
		for _, a := range lhs.args {
			if a.k != kVar {
				return ""
			}
		}
	default:
		return ""
	}
	for _, x := range freeVars(n.args[1], nil) {
		for _, v := range freeVars(lhs, nil) {
			if x == v {
				return ""
			}
		}
	}
	return lhs.String()
}

// distinctAssignments reports items that all assign values to different
// variables (x = 1, y = -2), whose values are bound to them in order;
// roots of one variable (x = 2 or x = -3) are a set.
func distinctAssignments(ns []*node) bool {
	seen := map[string]bool{}
	for _, n := range ns {
		v := assignedVar(n)
		if v == "" || seen[v] {
			return false
		}
		seen[v] = true
	}
	return len(ns) > 0
}

// noAssignments reports items none of which is a relation.
func noAssignments(ns []*node) bool {
	for _, n := range ns {
		if n.k == kRel {
			return false
		}
	}
	return true
}

// assignedValue returns E for an assignment (see assignedVar), else nil.
func assignedValue(n *node) *node {
	if assignedVar(n) == "" {
		return nil
	}
	return n.args[1]
}

func isEqChain(n *node) bool {
	if len(n.ops) < 2 {
		return false
	}
	for _, op := range n.ops {
		if op != "=" {
			return false
		}
	}
	return true
}

// hasPi reports whether n mentions π.
func hasPi(n *node) bool {
	if n == nil {
		return false
	}
	if n.k == kConst && n.name == "pi" {
		return true
	}
	for _, a := range n.args {
		if hasPi(a) {
			return true
		}
	}
	return false
}

// roughly reports whether approx is a decimal rounding of exact: to the
// digits a plain decimal shows (1.67 or 1.7 for 5/3), or within 0.5% for
// a decimal expression.
func (c *comparer) roughly(approx, exact *node) bool {
	if !hasDecimal(approx) || hasDecimal(exact) {
		return false
	}
	ctx := evalCtx{pctDiv: c.percent == "fraction"}
	va, ve := ctx.numVal(approx, nil), ctx.numVal(exact, nil)
	if !finite(va) || !finite(ve) || imag(va) != 0 || imag(ve) != 0 {
		return false
	}
	// A plain decimal is a rounding of the exact value to its own digits:
	// 1/3 ≈ 0.33, √3 ≈ 1.7, π ≈ 3.14.
	if approx.k == kNum {
		_, frac, _ := strings.Cut(approx.String(), ".")
		return math.Abs(real(va)-real(ve)) <= 0.5*math.Pow(10, -float64(len(frac)))*(1+1e-9)
	}
	return near(va, ve, 5e-3)
}

// reduceChain reads x = 1/2 = 0.5 as x = 0.5 when every value agrees; a
// chain of different values (x = 3 = 4) is a hedge.
func (c *comparer) reduceChain(n *node) (*node, bool) {
	vals := n.args
	if n.args[0].k == kVar {
		vals = n.args[1:]
	}
	for _, v := range vals[1:] {
		if !c.scalar(v, vals[0]).ok {
			return n, true
		}
	}
	last := n.args[len(n.args)-1]
	if n.args[0].k == kVar {
		return &node{k: kRel, args: []*node{n.args[0], last}, ops: []string{"="}}, false
	}
	return last, false
}

// listUnion reads a list of one-variable inequalities as a union of
// intervals, or returns nil.
func listUnion(n *node) *node {
	u := &node{k: kUnion}
	for _, x := range n.args {
		iv := relInterval(x)
		if iv == nil {
			if x.k != kInterval {
				return nil
			}
			iv = x
		}
		u.args = append(u.args, iv)
	}
	return u
}

// unwrapMembership reads x \in S as S.
func unwrapMembership(n *node) *node {
	if n.k == kRel && len(n.ops) == 1 && n.ops[0] == "in" {
		return n.args[1]
	}
	return n
}

// relInterval converts x > a, a < x <= b and the like into an interval.
func relInterval(n *node) *node {
	if n.k != kRel {
		return nil
	}
	inf := &node{k: kConst, name: "oo"}
	ninf := &node{k: kNeg, args: []*node{inf}}
	lower := func(op string) (bool, bool) { // for "a op x": is a lower bound, open
		switch op {
		case "<":
			return true, true
		case "<=":
			return true, false
		case ">":
			return false, true
		case ">=":
			return false, false
		}
		return false, false
	}
	isVar := func(x *node) bool { return x.k == kVar }
	isConst := func(x *node) bool { return len(freeVars(x, nil)) == 0 }
	switch len(n.ops) {
	case 1:
		l, r, op := n.args[0], n.args[1], n.ops[0]
		if op == "=" || op == "!=" || op == "in" {
			return nil
		}
		if isVar(r) && isConst(l) {
			lo, open := lower(op)
			if lo {
				return &node{k: kInterval, args: []*node{l, inf}, loOpen: open, hiOpen: true}
			}
			return &node{k: kInterval, args: []*node{ninf, l}, loOpen: true, hiOpen: open}
		}
		if isVar(l) && isConst(r) {
			// x op a is a op' x with the operator mirrored.
			mirror := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}
			return relInterval(&node{k: kRel, args: []*node{r, l}, ops: []string{mirror[op]}})
		}
	case 2:
		a, x, b := n.args[0], n.args[1], n.args[2]
		if !isVar(x) || !isConst(a) || !isConst(b) {
			return nil
		}
		less := func(op string) bool { return op == "<" || op == "<=" }
		more := func(op string) bool { return op == ">" || op == ">=" }
		switch {
		case less(n.ops[0]) && less(n.ops[1]): // a < x <= b
			return &node{k: kInterval, args: []*node{a, b}, loOpen: n.ops[0] == "<", hiOpen: n.ops[1] == "<"}
		case more(n.ops[0]) && more(n.ops[1]): // a > x >= b
			return &node{k: kInterval, args: []*node{b, a}, loOpen: n.ops[1] == ">", hiOpen: n.ops[0] == ">"}
		}
	}
	return nil
}

func isScalar(n *node) bool {
	switch n.k {
	case kList, kTuple, kSet, kInterval, kUnion, kMatrix, kRel, kText, kPM:
		return false
	}
	return true
}

// countPM counts ± nodes in n, stopping early past maxPM.
func countPM(n *node, acc int) int {
	if n == nil || acc > maxPM {
		return acc
	}
	if n.k == kPM {
		acc++
	}
	for _, a := range n.args {
		acc = countPM(a, acc)
	}
	return acc
}

func hasPM(n *node) bool {
	if n == nil {
		return false
	}
	if n.k == kPM {
		return true
	}
	for _, a := range n.args {
		if hasPM(a) {
			return true
		}
	}
	return false
}

// expandPM replaces the first ± by its two readings, recursively, and
// returns a list of the variants (at most 8: three ± signs).
func expandPM(n *node) *node {
	variants := []*node{n}
	for round := 0; round < 3; round++ {
		var next []*node
		changed := false
		for _, v := range variants {
			plus, minus, ok := splitPM(v)
			if !ok {
				next = append(next, v)
				continue
			}
			changed = true
			next = append(next, plus, minus)
		}
		variants = next
		if !changed {
			break
		}
	}
	if n.k == kList {
		// A list with ± items flattens: 1 \pm \sqrt2, 3 is three values.
		var flat []*node
		for _, v := range variants {
			if v.k == kList {
				flat = append(flat, v.args...)
			} else {
				flat = append(flat, v)
			}
		}
		return &node{k: kList, args: flat}
	}
	if len(variants) == 1 {
		return variants[0]
	}
	return &node{k: kList, args: variants}
}

// splitPM rewrites the first ± in n as + and as -.
func splitPM(n *node) (*node, *node, bool) {
	if n == nil {
		return nil, nil, false
	}
	if n.k == kPM {
		neg := &node{k: kNeg, args: []*node{n.args[1]}}
		if n.args[0] == nil {
			return n.args[1], neg, true
		}
		return &node{k: kAdd, args: []*node{n.args[0], n.args[1]}}, &node{k: kAdd, args: []*node{n.args[0], neg}}, true
	}
	for i, a := range n.args {
		p, m, ok := splitPM(a)
		if !ok {
			continue
		}
		pn, mn := *n, *n
		pn.args = append([]*node(nil), n.args...)
		mn.args = append([]*node(nil), n.args...)
		pn.args[i], mn.args[i] = p, m
		return &pn, &mn, true
	}
	return nil, nil, false
}

// rng is a small deterministic generator (SplitMix64): the same seed gives
// the same points on every replica.
type rng struct{ s uint64 }

func newRNG(seed uint64, vars []string) *rng {
	h := fnv.New64a()
	for _, v := range vars {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return &rng{s: seed ^ h.Sum64()}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit returns a value on a grid of 2^20 points in [0, 1).
func (r *rng) unit() float64 {
	return float64(r.next()>>44) / (1 << 20)
}

func itoa(i int) string {
	return big.NewInt(int64(i)).String()
}
