package exact

import (
	"math"
	"math/big"
	"math/cmplx"
	"strings"
)

// Bounds on exact arithmetic. Anything past them is left unevaluated and
// compared symbolically, so 10^{10^{10}} or (10^6)! never eat the CPU.
const (
	maxExactBits = 16384 // bits of a numerator or denominator built by a power
	maxExponent  = 4096  // |n| of an integer power evaluated exactly
	maxFactorial = 500   // largest n! evaluated exactly
	maxRootIndex = 16    // largest n of an exact n-th root
)

// evalCtx selects how \% is read during evaluation.
type evalCtx struct {
	pctDiv bool // 50\% is 0.5 (true) or 50 (false)
}

// exactVal evaluates n to a rational when it is rational and within the
// bounds above; ok is false otherwise (irrational, variables, too large,
// undefined).
func (c evalCtx) exactVal(n *node) (*big.Rat, bool) {
	switch n.k {
	case kNum:
		return n.val, true
	case kNeg:
		a, ok := c.exactVal(n.args[0])
		if !ok {
			return nil, false
		}
		return new(big.Rat).Neg(a), true
	case kAdd:
		sum := new(big.Rat)
		for _, a := range n.args {
			v, ok := c.exactVal(a)
			if !ok {
				return nil, false
			}
			sum.Add(sum, v)
			if tooBig(sum) {
				return nil, false
			}
		}
		return sum, true
	case kMul:
		prod := big.NewRat(1, 1)
		for _, a := range n.args {
			v, ok := c.exactVal(a)
			if !ok {
				return nil, false
			}
			prod.Mul(prod, v)
			if tooBig(prod) {
				return nil, false
			}
		}
		return prod, true
	case kDiv:
		a, ok := c.exactVal(n.args[0])
		if !ok {
			return nil, false
		}
		b, ok := c.exactVal(n.args[1])
		if !ok || b.Sign() == 0 {
			return nil, false
		}
		return new(big.Rat).Quo(a, b), true
	case kPow:
		a, ok := c.exactVal(n.args[0])
		if !ok {
			return nil, false
		}
		b, ok := c.exactVal(n.args[1])
		if !ok {
			return nil, false
		}
		return ratPow(a, b)
	case kFunc:
		switch n.name {
		case "sqrt":
			a, ok := c.exactVal(n.args[0])
			if !ok {
				return nil, false
			}
			idx := int64(2)
			if len(n.args) > 1 {
				b, ok := c.exactVal(n.args[1])
				if !ok || !b.IsInt() || !b.Num().IsInt64() {
					return nil, false
				}
				idx = b.Num().Int64()
			}
			return ratRoot(a, idx)
		case "binom":
			a, ok1 := c.exactVal(n.args[0])
			b, ok2 := c.exactVal(n.args[1])
			if !ok1 || !ok2 || !a.IsInt() || !b.IsInt() || !a.Num().IsInt64() || !b.Num().IsInt64() {
				return nil, false
			}
			nn, kk := a.Num().Int64(), b.Num().Int64()
			if nn < 0 || nn > 4*maxFactorial || kk < 0 || kk > nn {
				return nil, false
			}
			return new(big.Rat).SetInt(new(big.Int).Binomial(nn, kk)), true
		case "floor", "ceil":
			a, ok := c.exactVal(n.args[0])
			if !ok {
				return nil, false
			}
			q := new(big.Int).Div(a.Num(), a.Denom()) // Euclidean: floor for positive denominators
			if n.name == "ceil" && !a.IsInt() {
				q.Add(q, big.NewInt(1))
			}
			return new(big.Rat).SetInt(q), true
		}
		return nil, false
	case kFact:
		a, ok := c.exactVal(n.args[0])
		if !ok || !a.IsInt() || a.Sign() < 0 || !a.Num().IsInt64() || a.Num().Int64() > maxFactorial {
			return nil, false
		}
		return new(big.Rat).SetInt(new(big.Int).MulRange(1, max(a.Num().Int64(), 1))), true
	case kAbs:
		a, ok := c.exactVal(n.args[0])
		if !ok {
			return nil, false
		}
		return new(big.Rat).Abs(a), true
	case kPercent:
		a, ok := c.exactVal(n.args[0])
		if !ok {
			return nil, false
		}
		if c.pctDiv {
			return new(big.Rat).Quo(a, big.NewRat(100, 1)), true
		}
		return a, true
	}
	return nil, false
}

func tooBig(r *big.Rat) bool {
	return r.Num().BitLen() > maxExactBits || r.Denom().BitLen() > maxExactBits
}

// ratPow computes a^b exactly for an integer b, or a rational b = p/q when
// a is a perfect q-th power.
func ratPow(a, b *big.Rat) (*big.Rat, bool) {
	if !b.Num().IsInt64() || !b.Denom().IsInt64() {
		return nil, false
	}
	p, q := b.Num().Int64(), b.Denom().Int64()
	if q != 1 {
		r, ok := ratRoot(a, q)
		if !ok {
			return nil, false
		}
		return ratPow(r, new(big.Rat).SetInt64(p))
	}
	if a.Num().CmpAbs(a.Denom()) == 0 {
		// ±1 to any integer power, however large.
		if a.Sign() < 0 && p%2 != 0 {
			return big.NewRat(-1, 1), true
		}
		return big.NewRat(1, 1), true
	}
	if a.Sign() == 0 {
		if p <= 0 {
			return nil, false // 0^0 and 0^-n are left undefined
		}
		return new(big.Rat), true
	}
	neg := p < 0
	if neg {
		p = -p
	}
	if p > maxExponent || int64(max(a.Num().BitLen(), a.Denom().BitLen()))*p > maxExactBits {
		return nil, false
	}
	e := big.NewInt(p)
	num := new(big.Int).Exp(new(big.Int).Abs(a.Num()), e, nil)
	den := new(big.Int).Exp(a.Denom(), e, nil)
	if a.Sign() < 0 && p%2 == 1 {
		num.Neg(num)
	}
	if neg {
		if num.Sign() < 0 {
			num.Neg(num)
			den.Neg(den)
		}
		num, den = den, num
	}
	return new(big.Rat).SetFrac(num, den), true
}

// ratRoot returns the real n-th root of a when it is rational.
func ratRoot(a *big.Rat, n int64) (*big.Rat, bool) {
	if n < 1 || n > maxRootIndex {
		return nil, false
	}
	if n == 1 {
		return a, true
	}
	neg := a.Sign() < 0
	if neg && n%2 == 0 {
		return nil, false
	}
	num, ok := intRoot(new(big.Int).Abs(a.Num()), n)
	if !ok {
		return nil, false
	}
	den, ok := intRoot(a.Denom(), n)
	if !ok {
		return nil, false
	}
	if neg {
		num.Neg(num)
	}
	return new(big.Rat).SetFrac(num, den), true
}

// intRoot returns the exact n-th root of x >= 0, if x is a perfect power.
func intRoot(x *big.Int, n int64) (*big.Int, bool) {
	if n == 2 {
		r := new(big.Int).Sqrt(x)
		return r, new(big.Int).Mul(r, r).Cmp(x) == 0
	}
	if x.BitLen() > 1024 {
		return nil, false
	}
	// Newton's iteration on integers, from an upper bound.
	nb := big.NewInt(n)
	nm1 := big.NewInt(n - 1)
	r := new(big.Int).Lsh(big.NewInt(1), uint(x.BitLen()/int(n)+1))
	for i := 0; i < 2000; i++ {
		// next = ((n-1)·r + x / r^(n-1)) / n
		t := new(big.Int).Exp(r, nm1, nil)
		if t.Sign() == 0 {
			break
		}
		t.Quo(x, t)
		t.Add(t, new(big.Int).Mul(nm1, r))
		t.Quo(t, nb)
		if t.Cmp(r) >= 0 {
			break
		}
		r = t
	}
	return r, new(big.Int).Exp(r, nb, nil).Cmp(x) == 0
}

// env assigns complex values to variables for numeric evaluation.
type env struct {
	names []string
	vals  []complex128
}

func (e *env) lookup(name string) (complex128, bool) {
	if e == nil {
		return 0, false
	}
	for i, n := range e.names {
		if n == name {
			return e.vals[i], true
		}
	}
	return 0, false
}

var nan = cmplx.NaN()

// numVal evaluates n in complex floating point. Unknown variables, sets and
// other non-scalars give NaN.
func (c evalCtx) numVal(n *node, e *env) complex128 {
	switch n.k {
	case kNum:
		f, _ := n.val.Float64()
		return complex(f, 0)
	case kConst:
		switch n.name {
		case "pi":
			return math.Pi
		case "e":
			return math.E
		case "i":
			return 1i
		case "oo":
			return complex(math.Inf(1), 0)
		}
		return nan
	case kVar:
		if v, ok := e.lookup(n.name); ok {
			return v
		}
		return nan
	case kNeg:
		return -c.numVal(n.args[0], e)
	case kAdd:
		var s complex128
		for _, a := range n.args {
			s += c.numVal(a, e)
		}
		return s
	case kMul:
		s := complex(1, 0)
		for _, a := range n.args {
			s *= c.numVal(a, e)
		}
		return s
	case kDiv:
		b := c.numVal(n.args[1], e)
		if b == 0 {
			return nan
		}
		return c.numVal(n.args[0], e) / b
	case kPow:
		return cpow(c.numVal(n.args[0], e), c.numVal(n.args[1], e))
	case kFunc:
		return c.numFunc(n, e)
	case kFact:
		a := c.numVal(n.args[0], e)
		if imag(a) != 0 || real(a) < 0 {
			return nan
		}
		return complex(math.Gamma(real(a)+1), 0)
	case kAbs:
		return complex(cmplx.Abs(c.numVal(n.args[0], e)), 0)
	case kPercent:
		a := c.numVal(n.args[0], e)
		if c.pctDiv {
			return a / 100
		}
		return a
	}
	return nan
}

// cpow is a^b, real where both are real and the real result exists, so
// (-8)^{1/3} is -2 as a student means it.
func cpow(a, b complex128) complex128 {
	if imag(a) == 0 && imag(b) == 0 {
		x, y := real(a), real(b)
		if x >= 0 || y == math.Trunc(y) {
			return complex(math.Pow(x, y), 0)
		}
		// Odd roots of negative numbers: y = p/q with odd q.
		for q := 3.0; q <= 15; q += 2 {
			p := y * q
			if math.Abs(p-math.Round(p)) < 1e-12 {
				r := -math.Pow(-x, 1/q)
				return complex(math.Pow(r, math.Round(p)), 0)
			}
		}
	}
	if a == 0 {
		if real(b) > 0 {
			return 0
		}
		return nan
	}
	return cmplx.Pow(a, b)
}

func (c evalCtx) numFunc(n *node, e *env) complex128 {
	a := c.numVal(n.args[0], e)
	switch n.name {
	case "sqrt":
		if len(n.args) > 1 {
			return cpow(a, 1/c.numVal(n.args[1], e))
		}
		if imag(a) == 0 && real(a) >= 0 {
			return complex(math.Sqrt(real(a)), 0)
		}
		return cmplx.Sqrt(a)
	case "sin":
		return cmplx.Sin(a)
	case "cos":
		return cmplx.Cos(a)
	case "tan":
		return cmplx.Tan(a)
	case "sec":
		return 1 / cmplx.Cos(a)
	case "csc":
		return 1 / cmplx.Sin(a)
	case "cot":
		return 1 / cmplx.Tan(a)
	case "asin":
		return cmplx.Asin(a)
	case "acos":
		return cmplx.Acos(a)
	case "atan":
		return cmplx.Atan(a)
	case "sinh":
		return cmplx.Sinh(a)
	case "cosh":
		return cmplx.Cosh(a)
	case "tanh":
		return cmplx.Tanh(a)
	case "exp":
		return cmplx.Exp(a)
	case "ln":
		return clog(a)
	case "log":
		// \log without a base is base 10, the school convention of the
		// datasets; \log_b x is explicit.
		base := complex(10, 0)
		if len(n.args) > 1 {
			base = c.numVal(n.args[1], e)
		}
		return clog(a) / clog(base)
	case "binom":
		b := c.numVal(n.args[1], e)
		if k := real(b); imag(b) == 0 && k >= 0 && k <= 64 && k == math.Trunc(k) {
			// A small whole k makes binom(a, k) the polynomial
			// a(a-1)…(a-k+1)/k!, defined for any a: binom(n, 2) is
			// n(n-1)/2 at complex points too.
			v := complex(1, 0)
			for i := 0; i < int(k); i++ {
				v *= (a - complex(float64(i), 0)) / complex(float64(i+1), 0)
			}
			if imag(a) == 0 && real(a) == math.Trunc(real(a)) {
				v = complex(math.Round(real(v)), 0)
			}
			return v
		}
		if imag(a) != 0 || imag(b) != 0 {
			return nan
		}
		// Otherwise through Γ, at the real points pointKindOf chooses.
		x, y := real(a), real(b)
		lx, sx := math.Lgamma(x + 1)
		ly, sy := math.Lgamma(y + 1)
		lxy, sxy := math.Lgamma(x - y + 1)
		v := float64(sx*sy*sxy) * math.Exp(lx-ly-lxy)
		if x == math.Trunc(x) && y == math.Trunc(y) {
			v = math.Round(v)
		}
		return complex(v, 0)
	case "floor":
		return complex(math.Floor(real(a)), 0)
	case "ceil":
		return complex(math.Ceil(real(a)), 0)
	}
	return nan
}

func clog(a complex128) complex128 {
	if imag(a) == 0 && real(a) > 0 {
		return complex(math.Log(real(a)), 0)
	}
	return cmplx.Log(a)
}

// hasDecimal reports whether a decimal literal occurs in n: such a value is
// an approximation and is compared with the tolerance.
func hasDecimal(n *node) bool {
	if n == nil {
		return false
	}
	if n.k == kNum {
		return n.dec
	}
	for _, a := range n.args {
		if hasDecimal(a) {
			return true
		}
	}
	return false
}

// freeVars appends the variable names in n to vs, without duplicates.
func freeVars(n *node, vs []string) []string {
	if n == nil {
		return vs
	}
	if n.k == kVar {
		for _, v := range vs {
			if v == n.name {
				return vs
			}
		}
		return append(vs, n.name)
	}
	for _, a := range n.args {
		vs = freeVars(a, vs)
	}
	return vs
}

// fold replaces every rational subtree by its value, so 2\frac{1}{2}, 5/2
// and 2.5 print alike and a power tower's exponent is reduced before a
// symbolic comparison. Percent nodes are kept: their meaning is decided at
// comparison time.
func fold(n *node) *node {
	if n == nil || n.k == kNum || n.k == kText {
		return n
	}
	args := make([]*node, len(n.args))
	changed, allNum := false, true
	for i, a := range n.args {
		args[i] = fold(a)
		changed = changed || args[i] != a
		allNum = allNum && args[i] != nil && args[i].k == kNum
	}
	m := n
	if changed {
		c := *n
		c.args = args
		m = &c
	}
	switch m.k {
	case kAdd, kMul, kNeg, kDiv, kPow, kFunc, kFact, kAbs:
		// Children are folded already, so this evaluates one operation.
		if allNum {
			if v, ok := (evalCtx{}).exactVal(m); ok {
				dec := false
				for _, a := range args {
					dec = dec || a.dec
				}
				return &node{k: kNum, val: v, dec: dec}
			}
		}
	}
	return m
}

func hasPercent(n *node) bool {
	if n == nil {
		return false
	}
	if n.k == kPercent {
		return true
	}
	for _, a := range n.args {
		if hasPercent(a) {
			return true
		}
	}
	return false
}

// String prints n in a canonical plain-math form; it is what details show
// as "normalized" and what the symbolic rule compares.
func (n *node) String() string {
	var b strings.Builder
	n.write(&b, 0)
	return b.String()
}

// precedence levels for printing.
const (
	precList = iota
	precRel
	precAdd
	precMul
	precUnary
	precPow
	precAtom
)

func (n *node) prec() int {
	switch n.k {
	case kList:
		return precList
	case kRel, kUnion:
		return precRel
	case kAdd, kPM:
		return precAdd
	case kMul, kDiv:
		return precMul
	case kNeg:
		return precUnary
	case kPow:
		return precPow
	case kNum:
		if n.val.Sign() < 0 {
			return precUnary
		}
		if !n.val.IsInt() && n.name == "" {
			return precMul
		}
	}
	return precAtom
}

func (n *node) write(b *strings.Builder, ctx int) {
	if n == nil {
		return
	}
	if b.Len() > 4096 {
		return
	}
	paren := n.prec() < ctx
	if paren {
		b.WriteByte('(')
	}
	switch n.k {
	case kNum:
		if n.name != "" {
			b.WriteString(n.name)
		} else if n.val.IsInt() {
			b.WriteString(n.val.Num().String())
		} else {
			b.WriteString(n.val.String())
		}
	case kConst, kVar, kText:
		b.WriteString(n.name)
	case kAdd:
		for i, a := range n.args {
			if i > 0 {
				if a.k == kNeg {
					b.WriteString(" - ")
					a.args[0].write(b, precMul)
					continue
				}
				if a.k == kNum && a.val.Sign() < 0 && a.name == "" {
					b.WriteString(" - ")
					(&node{k: kNum, val: new(big.Rat).Neg(a.val)}).write(b, precMul)
					continue
				}
				b.WriteString(" + ")
			}
			a.write(b, precAdd+1)
		}
	case kPM:
		if n.args[0] != nil {
			n.args[0].write(b, precAdd+1)
			b.WriteString(" ± ")
		} else {
			b.WriteString("±")
		}
		n.args[1].write(b, precMul)
	case kMul:
		for i, a := range n.args {
			if i > 0 {
				b.WriteByte('*')
			}
			a.write(b, precMul+1)
		}
	case kDiv:
		n.args[0].write(b, precMul)
		b.WriteByte('/')
		n.args[1].write(b, precMul+1)
	case kNeg:
		b.WriteByte('-')
		n.args[0].write(b, precUnary+1)
	case kPow:
		n.args[0].write(b, precPow+1)
		b.WriteByte('^')
		n.args[1].write(b, precPow)
	case kFunc:
		b.WriteString(n.name)
		b.WriteByte('(')
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(", ")
			}
			a.write(b, 0)
		}
		b.WriteByte(')')
	case kFact:
		n.args[0].write(b, precAtom)
		b.WriteByte('!')
	case kPercent:
		n.args[0].write(b, precAtom)
		b.WriteByte('%')
	case kAbs:
		b.WriteByte('|')
		n.args[0].write(b, 0)
		b.WriteByte('|')
	case kRel:
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(" " + n.ops[i-1] + " ")
			}
			a.write(b, precAdd)
		}
	case kList:
		writeItems(b, n.args, ", ")
	case kTuple:
		b.WriteByte('(')
		writeItems(b, n.args, ", ")
		b.WriteByte(')')
	case kSet:
		b.WriteByte('{')
		writeItems(b, n.args, ", ")
		b.WriteByte('}')
	case kInterval:
		if n.loOpen {
			b.WriteByte('(')
		} else {
			b.WriteByte('[')
		}
		writeItems(b, n.args, ", ")
		if n.hiOpen {
			b.WriteByte(')')
		} else {
			b.WriteByte(']')
		}
	case kUnion:
		writeItems(b, n.args, " U ")
	case kMatrix:
		b.WriteByte('[')
		for r := 0; r < n.rows; r++ {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('[')
			writeItems(b, n.args[r*n.cols:(r+1)*n.cols], ", ")
			b.WriteByte(']')
		}
		b.WriteByte(']')
	}
	if paren {
		b.WriteByte(')')
	}
}

func writeItems(b *strings.Builder, items []*node, sep string) {
	for i, a := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		a.write(b, precRel)
	}
}
