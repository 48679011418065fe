package exact

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// kind is the type of an expression-tree node.
type kind uint8

const (
	kNum      kind = iota // val (exact); dec marks a decimal literal
	kConst                // name: "pi", "e", "i", "oo" (infinity), or a number set "R", "Z", "N", "Q", "C"
	kVar                  // name: "x", "alpha", "x_1"
	kAdd                  // args summed
	kMul                  // args multiplied
	kNeg                  // -args[0]
	kDiv                  // args[0] / args[1]; name "frac" when written \frac
	kPow                  // args[0] ^ args[1]
	kFunc                 // name(args...): sin, cos, ..., sqrt (args[1] the root index), log (args[1] the base), binom, floor, ceil
	kFact                 // args[0]!
	kPercent              // args[0]\%
	kAbs                  // |args[0]|
	kPM                   // args[0] ± args[1]; args[0] is nil for a unary ±
	kRel                  // relation chain args[0] ops[0] args[1] ops[1] args[2] ...
	kList                 // a bare list "1, 2" or "1 or 2": unordered solutions
	kTuple                // (a, b, ...) ordered
	kSet                  // \{a, b\} unordered, duplicates ignored
	kInterval             // args[0], args[1] with loOpen/hiOpen
	kUnion                // union of args (intervals or sets)
	kMatrix               // rows×cols, args row-major; name is the environment
	kText                 // name holds normalized words
)

// node is an expression-tree node. Trees are immutable after parsing (and
// folding), so a prepared reference is shared safely by concurrent Scores.
type node struct {
	k      kind
	name   string
	val    *big.Rat
	dec    bool
	args   []*node
	ops    []string
	loOpen bool
	hiOpen bool
	rows   int
	cols   int
}

// Parser limits. Depth bounds recursion on nested brackets; nodes bound the
// tree size so every later walk is linear in a small constant.
const (
	maxDepth = 256
	maxNodes = 2048
)

var (
	errDepth = errors.New("expression nested too deeply")
	errNodes = errors.New("expression too large")
)

// parser is a recursive-descent parser over one token list.
type parser struct {
	toks     []token
	pos      int
	depth    int
	nodes    int
	absDepth int
}

// parseMath parses a normalized answer into an expression tree.
func parseMath(s string) (*node, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	toks = splitIdents(toks)
	p := &parser{toks: toks}
	n, err := p.parseList()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, fmt.Errorf("unexpected %q", t.text)
	}
	return n, nil
}

// knownWords are the plain-text names the parser understands; any other run
// of letters is read as a product of one-letter variables ("xy" = x·y).
var knownWords = []string{
	"arcsin", "arccos", "arctan", "infinity", "sqrt", "sinh", "cosh", "tanh",
	"sin", "cos", "tan", "sec", "csc", "cot", "exp", "log", "inf", "and",
	"ln", "pi", "or", "to",
}

// splitIdents splits letter runs into known words and single letters.
func splitIdents(toks []token) []token {
	need := false
	for _, t := range toks {
		if t.kind == tIdent && len(t.text) > 1 {
			need = true
			break
		}
	}
	if !need {
		return toks
	}
	out := make([]token, 0, len(toks)+8)
	for _, t := range toks {
		if t.kind != tIdent || len(t.text) == 1 {
			out = append(out, t)
			continue
		}
		s := t.text
		for s != "" {
			w := ""
			for _, k := range knownWords {
				if len(k) > len(w) && strings.HasPrefix(strings.ToLower(s), k) {
					w = s[:len(k)]
				}
			}
			if w == "" {
				w = s[:1]
			}
			out = append(out, token{kind: tIdent, text: w})
			s = s[len(w):]
		}
	}
	return out
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) isOp(s string) bool {
	t := p.toks[p.pos]
	return t.kind == tOp && t.text == s
}

func (p *parser) isCmd(s string) bool {
	t := p.toks[p.pos]
	return t.kind == tCmd && t.text == s
}

func (p *parser) expectOp(s string) error {
	if !p.isOp(s) {
		return fmt.Errorf("expected %q, got %q", s, p.peek().text)
	}
	p.pos++
	return nil
}

func (p *parser) newNode(n node) (*node, error) {
	p.nodes++
	if p.nodes > maxNodes {
		return nil, errNodes
	}
	return &n, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return errDepth
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// isSep reports whether the next token separates list items.
func (p *parser) isSep() bool {
	t := p.peek()
	switch t.kind {
	case tOp:
		return t.text == "," || t.text == ";"
	case tIdent:
		w := strings.ToLower(t.text)
		return w == "or" || w == "and" || w == "to"
	case tCmd:
		return t.text == "lor" || t.text == "vee" || t.text == "land" || t.text == "wedge"
	}
	return false
}

// parseItems parses items separated by list separators.
func (p *parser) parseItems() ([]*node, error) {
	var items []*node
	for {
		n, err := p.parseUnion()
		if err != nil {
			return nil, err
		}
		items = append(items, n)
		if !p.isSep() {
			return items, nil
		}
		// ", and" and ", or" are one separator.
		for p.isSep() {
			p.next()
		}
	}
}

func (p *parser) parseList() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	items, err := p.parseItems()
	if err != nil {
		return nil, err
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return p.newNode(node{k: kList, args: items})
}

func (p *parser) parseUnion() (*node, error) {
	n, err := p.parseRel()
	if err != nil {
		return nil, err
	}
	if !p.isCmd("cup") {
		return n, nil
	}
	args := []*node{n}
	for p.isCmd("cup") {
		p.next()
		m, err := p.parseRel()
		if err != nil {
			return nil, err
		}
		args = append(args, m)
	}
	return p.newNode(node{k: kUnion, args: args})
}

// relOp returns the canonical relation operator of the next token, or "".
func (p *parser) relOp() string {
	t := p.peek()
	switch t.kind {
	case tOp:
		switch t.text {
		case "=", "<", ">", "<=", ">=", "!=":
			return t.text
		}
	case tCmd:
		switch t.text {
		case "le", "leq", "leqslant", "leqq":
			return "<="
		case "ge", "geq", "geqslant", "geqq":
			return ">="
		case "lt":
			return "<"
		case "gt":
			return ">"
		case "ne", "neq":
			return "!="
		case "approx", "equiv", "simeq", "cong":
			return "="
		case "in":
			return "in"
		}
	}
	return ""
}

func (p *parser) parseRel() (*node, error) {
	n, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	op := p.relOp()
	if op == "" {
		return n, nil
	}
	args := []*node{n}
	var ops []string
	for op != "" {
		p.next()
		m, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		args = append(args, m)
		ops = append(ops, op)
		op = p.relOp()
	}
	return p.newNode(node{k: kRel, args: args, ops: ops})
}

func (p *parser) parseExpr() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	n, err := p.parseTerm()
	if err != nil {
		return nil, err
	}
	var terms []*node
	for {
		t := p.peek()
		var op string
		switch {
		case t.kind == tOp && (t.text == "+" || t.text == "-"):
			op = t.text
		case t.kind == tCmd && (t.text == "pm" || t.text == "mp"):
			op = "pm"
		default:
			if terms == nil {
				return n, nil
			}
			terms = append(terms, n)
			return p.newNode(node{k: kAdd, args: terms})
		}
		p.next()
		m, err := p.parseTerm()
		if err != nil {
			return nil, err
		}
		switch op {
		case "+":
			if terms == nil {
				terms = []*node{n}
			} else {
				terms = append(terms, n)
			}
			n = m
		case "-":
			if terms == nil {
				terms = []*node{n}
			} else {
				terms = append(terms, n)
			}
			if n, err = p.newNode(node{k: kNeg, args: []*node{m}}); err != nil {
				return nil, err
			}
		case "pm":
			left := n
			if terms != nil {
				left, err = p.newNode(node{k: kAdd, args: append(terms, n)})
				if err != nil {
					return nil, err
				}
				terms = nil
			}
			if n, err = p.newNode(node{k: kPM, args: []*node{left, m}}); err != nil {
				return nil, err
			}
		}
	}
}

// canStartFactor reports whether the next token can begin an implicitly
// multiplied factor, as in 2x, 3\sqrt2, (x+1)(x-1).
func (p *parser) canStartFactor() bool {
	t := p.peek()
	switch t.kind {
	case tNum:
		return true
	case tIdent:
		w := strings.ToLower(t.text)
		return w != "or" && w != "and" && w != "to"
	case tOp:
		return t.text == "(" || t.text == "{" || (t.text == "|" && p.absDepth == 0)
	case tCmd:
		if _, ok := greek[t.text]; ok {
			return true
		}
		if _, ok := funcs[t.text]; ok {
			return true
		}
		switch t.text {
		case "frac", "dfrac", "tfrac", "cfrac", "sqrt", "pi", "infty", "binom", "dbinom", "tbinom",
			"lfloor", "lceil", "mathbb", "begin", "lvert", "i", "e":
			return true
		}
	}
	return false
}

func (p *parser) parseTerm() (*node, error) {
	n, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	var factors []*node
	for {
		t := p.peek()
		div := false
		switch {
		case t.kind == tOp && (t.text == "*" || t.text == "/"):
			div = t.text == "/"
			p.next()
		case t.kind == tCmd && (t.text == "cdot" || t.text == "times" || t.text == "div" || t.text == "ast"):
			div = t.text == "div"
			p.next()
		case p.canStartFactor():
			m, err := p.parseUnary()
			if err != nil {
				return nil, err
			}
			// A whole number followed by \frac{int}{int} is a mixed
			// number: 2\frac{1}{2} is 5/2, as MATH writes it.
			if factors == nil && isMixedWhole(n) && isSimpleFrac(m) {
				if n, err = mixed(p, n, m); err != nil {
					return nil, err
				}
				continue
			}
			// 33\frac{1}{3}\% is the mixed number per cent, not 33
			// times a third of a per cent.
			if factors == nil && isMixedWhole(n) && m.k == kPercent && isSimpleFrac(m.args[0]) {
				if n, err = mixed(p, n, m.args[0]); err != nil {
					return nil, err
				}
				if n, err = p.newNode(node{k: kPercent, args: []*node{n}}); err != nil {
					return nil, err
				}
				continue
			}
			factors = append(factors, n)
			n = m
			continue
		default:
			if factors == nil {
				return n, nil
			}
			return p.newNode(node{k: kMul, args: append(factors, n)})
		}
		m, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if div {
			if factors != nil {
				if n, err = p.newNode(node{k: kMul, args: append(factors, n)}); err != nil {
					return nil, err
				}
				factors = nil
			}
			if n, err = p.newNode(node{k: kDiv, args: []*node{n, m}}); err != nil {
				return nil, err
			}
			continue
		}
		factors = append(factors, n)
		n = m
	}
}

func isMixedWhole(n *node) bool {
	if n.k == kNeg {
		n = n.args[0]
	}
	return n.k == kNum && !n.dec && n.val.IsInt() && n.val.Sign() >= 0
}

func isSimpleFrac(n *node) bool {
	return n.k == kDiv && n.name == "frac" && n.args[0].k == kNum && n.args[1].k == kNum &&
		!n.args[0].dec && !n.args[1].dec && n.args[0].val.IsInt() && n.args[1].val.IsInt()
}

func mixed(p *parser, whole, frac *node) (*node, error) {
	neg := whole.k == kNeg
	if neg {
		whole = whole.args[0]
	}
	sum, err := p.newNode(node{k: kAdd, args: []*node{whole, frac}})
	if err != nil || !neg {
		return sum, err
	}
	return p.newNode(node{k: kNeg, args: []*node{sum}})
}

func (p *parser) parseUnary() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.peek()
	switch {
	case t.kind == tOp && t.text == "-":
		p.next()
		m, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return p.newNode(node{k: kNeg, args: []*node{m}})
	case t.kind == tOp && t.text == "+":
		p.next()
		return p.parseUnary()
	case t.kind == tCmd && (t.text == "pm" || t.text == "mp"):
		p.next()
		m, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return p.newNode(node{k: kPM, args: []*node{nil, m}})
	}
	return p.parsePower()
}

func (p *parser) parsePower() (*node, error) {
	base, err := p.parsePostfix()
	if err != nil {
		return nil, err
	}
	if !(p.isOp("^") || p.isOp("**")) {
		return base, nil
	}
	p.next()
	exp, err := p.parseExponent()
	if err != nil {
		return nil, err
	}
	n, err := p.newNode(node{k: kPow, args: []*node{base, exp}})
	if err != nil {
		return nil, err
	}
	return p.parsePostfixOps(n)
}

// parseExponent parses what follows ^: a braced group, or a signed atom
// with its own exponent (right associative: 2^3^2 = 2^9).
func (p *parser) parseExponent() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.isOp("-") {
		p.next()
		m, err := p.parseExponent()
		if err != nil {
			return nil, err
		}
		return p.newNode(node{k: kNeg, args: []*node{m}})
	}
	if p.isOp("+") {
		p.next()
	}
	return p.parsePower()
}

func (p *parser) parsePostfix() (*node, error) {
	n, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	return p.parsePostfixOps(n)
}

func (p *parser) parsePostfixOps(n *node) (*node, error) {
	var err error
	for {
		switch {
		case p.isOp("!"):
			p.next()
			n, err = p.newNode(node{k: kFact, args: []*node{n}})
		case p.isCmd("%") || p.isOp("%"):
			p.next()
			n, err = p.newNode(node{k: kPercent, args: []*node{n}})
		default:
			return n, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// greek lists the letters read as variables.
var greek = map[string]bool{
	"alpha": true, "beta": true, "gamma": true, "delta": true, "epsilon": true, "varepsilon": true,
	"zeta": true, "eta": true, "theta": true, "vartheta": true, "iota": true, "kappa": true,
	"lambda": true, "mu": true, "nu": true, "xi": true, "rho": true, "sigma": true, "tau": true,
	"upsilon": true, "phi": true, "varphi": true, "chi": true, "psi": true, "omega": true,
	"Gamma": true, "Delta": true, "Theta": true, "Lambda": true, "Xi": true, "Pi": true,
	"Sigma": true, "Phi": true, "Psi": true, "Omega": true, "ell": true,
}

// funcs maps function names (LaTeX or plain) to their canonical name.
var funcs = map[string]string{
	"sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot",
	"arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh",
	"tanh": "tanh", "ln": "ln", "log": "log", "exp": "exp", "lg": "log", "sqrt": "sqrt",
}

func (p *parser) parsePrimary() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.next()
	switch t.kind {
	case tNum:
		return p.number(t)
	case tIdent:
		return p.ident(t)
	case tCmd:
		return p.command(t)
	case tOp:
		switch t.text {
		case "(", "[":
			return p.bracket(t.text)
		case "{":
			n, err := p.parseList()
			if err != nil {
				return nil, err
			}
			return n, p.expectOp("}")
		case "|":
			return p.abs(func() bool { return p.isOp("|") })
		}
	case tEOF:
		return nil, errors.New("unexpected end of expression")
	}
	return nil, fmt.Errorf("unexpected %q", t.text)
}

func (p *parser) number(t token) (*node, error) {
	var r *big.Rat
	if !t.dec && len(t.text) <= 18 {
		// Fast path: most numbers are short integers.
		v, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", t.text)
		}
		r = new(big.Rat).SetInt64(v)
	} else {
		var ok bool
		if r, ok = new(big.Rat).SetString(t.text); !ok {
			return nil, fmt.Errorf("bad number %q", t.text)
		}
	}
	n := node{k: kNum, val: r, dec: t.dec}
	if t.dec {
		n.name = t.text // printed as written: 0.25, 1.2e5
	}
	return p.newNode(n)
}

func (p *parser) ident(t token) (*node, error) {
	w := t.text
	switch strings.ToLower(w) {
	case "pi":
		return p.newNode(node{k: kConst, name: "pi"})
	case "inf", "infinity":
		return p.newNode(node{k: kConst, name: "oo"})
	case "or", "and", "to":
		return nil, fmt.Errorf("unexpected %q", w)
	}
	if f, ok := funcs[strings.ToLower(w)]; ok && len(w) > 1 {
		return p.function(f)
	}
	switch w {
	case "e":
		return p.newNode(node{k: kConst, name: "e"})
	case "i":
		return p.newNode(node{k: kConst, name: "i"})
	}
	return p.variable(w)
}

// variable reads subscripts and primes after a variable name: x_1, x_{10}, f'.
func (p *parser) variable(name string) (*node, error) {
	if p.isOp("_") {
		p.next()
		t := p.next()
		switch {
		case t.kind == tNum || t.kind == tIdent:
			name += "_" + t.text
		case t.kind == tOp && t.text == "{":
			var b strings.Builder
			for !p.isOp("}") {
				u := p.next()
				if u.kind == tEOF || b.Len() > 32 {
					return nil, errors.New("bad subscript")
				}
				b.WriteString(u.text)
			}
			p.next()
			name += "_" + b.String()
		default:
			return nil, errors.New("bad subscript")
		}
	}
	for p.isOp("'") {
		p.next()
		name += "'"
	}
	return p.newNode(node{k: kVar, name: name})
}

func (p *parser) command(t token) (*node, error) {
	if greek[t.text] {
		return p.variable(t.text)
	}
	if f, ok := funcs[t.text]; ok && t.text != "sqrt" {
		return p.function(f)
	}
	switch t.text {
	case "frac", "dfrac", "tfrac", "cfrac":
		a, err := p.arg()
		if err != nil {
			return nil, err
		}
		b, err := p.arg()
		if err != nil {
			return nil, err
		}
		return p.newNode(node{k: kDiv, name: "frac", args: []*node{a, b}})
	case "sqrt":
		var idx *node
		if p.isOp("[") {
			p.next()
			var err error
			if idx, err = p.parseExpr(); err != nil {
				return nil, err
			}
			if err := p.expectOp("]"); err != nil {
				return nil, err
			}
		}
		a, err := p.arg()
		if err != nil {
			return nil, err
		}
		args := []*node{a}
		if idx != nil {
			args = append(args, idx)
		}
		return p.newNode(node{k: kFunc, name: "sqrt", args: args})
	case "binom", "dbinom", "tbinom":
		a, err := p.arg()
		if err != nil {
			return nil, err
		}
		b, err := p.arg()
		if err != nil {
			return nil, err
		}
		return p.newNode(node{k: kFunc, name: "binom", args: []*node{a, b}})
	case "pi":
		return p.newNode(node{k: kConst, name: "pi"})
	case "infty":
		return p.newNode(node{k: kConst, name: "oo"})
	case "e":
		return p.newNode(node{k: kConst, name: "e"})
	case "i":
		return p.newNode(node{k: kConst, name: "i"})
	case "emptyset", "varnothing":
		return p.newNode(node{k: kSet})
	case "mathbb":
		if err := p.expectOp("{"); err != nil {
			return nil, err
		}
		u := p.next()
		if u.kind != tIdent || len(u.text) != 1 || !strings.Contains("RZNQC", u.text) {
			return nil, fmt.Errorf("unknown set \\mathbb{%s}", u.text)
		}
		if err := p.expectOp("}"); err != nil {
			return nil, err
		}
		return p.newNode(node{k: kConst, name: u.text})
	case "{", "lbrace":
		items, err := p.setItems()
		if err != nil {
			return nil, err
		}
		return p.newNode(node{k: kSet, args: items})
	case "langle":
		items, err := p.parseItems()
		if err != nil {
			return nil, err
		}
		if !p.isCmd("rangle") {
			return nil, errors.New(`expected \rangle`)
		}
		p.next()
		return p.newNode(node{k: kTuple, args: items})
	case "lvert", "vert":
		return p.abs(func() bool { return p.isCmd("rvert") || p.isCmd("vert") })
	case "lfloor", "lceil":
		closer := "rfloor"
		name := "floor"
		if t.text == "lceil" {
			closer, name = "rceil", "ceil"
		}
		a, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if !p.isCmd(closer) {
			return nil, fmt.Errorf(`expected \%s`, closer)
		}
		p.next()
		return p.newNode(node{k: kFunc, name: name, args: []*node{a}})
	case "begin":
		return p.matrix()
	}
	return nil, fmt.Errorf(`unsupported command \%s`, t.text)
}

// setItems parses the inside of \{ ... \} up to the closing \}.
func (p *parser) setItems() ([]*node, error) {
	if p.isCmd("}") || p.isCmd("rbrace") {
		p.next()
		return nil, nil
	}
	items, err := p.parseItems()
	if err != nil {
		return nil, err
	}
	if !(p.isCmd("}") || p.isCmd("rbrace")) {
		return nil, errors.New(`expected \}`)
	}
	p.next()
	return items, nil
}

func (p *parser) abs(closing func() bool) (*node, error) {
	p.absDepth++
	a, err := p.parseExpr()
	p.absDepth--
	if err != nil {
		return nil, err
	}
	if !closing() {
		return nil, errors.New("unclosed |")
	}
	p.next()
	return p.newNode(node{k: kAbs, args: []*node{a}})
}

// arg parses a LaTeX macro argument: a braced group or a single token, so
// \frac12 is 1/2 and \sqrt2x is √2·x.
func (p *parser) arg() (*node, error) {
	t := p.peek()
	switch t.kind {
	case tOp:
		if t.text == "{" {
			p.next()
			n, err := p.parseList()
			if err != nil {
				return nil, err
			}
			return n, p.expectOp("}")
		}
	case tNum:
		if len(t.text) > 1 && !t.dec {
			p.toks[p.pos].text = t.text[1:]
			return p.newNode(node{k: kNum, val: new(big.Rat).SetInt64(int64(t.text[0] - '0'))})
		}
		p.next()
		return p.number(t)
	case tIdent:
		if len(t.text) > 1 {
			p.toks[p.pos].text = t.text[1:]
			return p.ident(token{kind: tIdent, text: t.text[:1]})
		}
	}
	return p.parsePrimary()
}

// function parses a function application after its name: \sin x, \sin(x),
// \sin^2 x, \sin^{-1} x, \log_2 8, \ln(x).
func (p *parser) function(name string) (*node, error) {
	var pow, base *node
	var err error
	for i := 0; i < 2; i++ {
		switch {
		case p.isOp("^") && pow == nil:
			p.next()
			if pow, err = p.parseExponent(); err != nil {
				return nil, err
			}
		case p.isOp("_") && name == "log" && base == nil:
			p.next()
			if base, err = p.arg(); err != nil {
				return nil, err
			}
		}
	}
	var a *node
	if p.isOp("(") {
		a, err = p.parsePrimary()
	} else {
		a, err = p.parsePower()
		if err == nil && a.k == kNum && p.peek().kind == tIdent && len(p.peek().text) == 1 {
			var v *node
			if v, err = p.parsePower(); err == nil {
				a, err = p.newNode(node{k: kMul, args: []*node{a, v}})
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if pow != nil && pow.k == kNeg && pow.args[0].k == kNum && pow.args[0].val.Cmp(big.NewRat(1, 1)) == 0 {
		switch name {
		case "sin", "cos", "tan":
			name, pow = "a"+name, nil
		}
	}
	args := []*node{a}
	if base != nil {
		args = append(args, base)
	}
	f, err := p.newNode(node{k: kFunc, name: name, args: args})
	if err != nil || pow == nil {
		return f, err
	}
	return p.newNode(node{k: kPow, args: []*node{f, pow}})
}

// bracket parses what follows ( or [: a group, a tuple or an interval.
func (p *parser) bracket(open string) (*node, error) {
	items, err := p.parseItems()
	if err != nil {
		return nil, err
	}
	t := p.next()
	if t.kind != tOp || (t.text != ")" && t.text != "]") {
		return nil, fmt.Errorf("unclosed %q", open)
	}
	closeTok := t.text
	switch {
	case len(items) == 1 && ((open == "(" && closeTok == ")") || (open == "[" && closeTok == "]")):
		return items[0], nil
	case len(items) == 2 && !(open == "(" && closeTok == ")"):
		return p.newNode(node{k: kInterval, args: items, loOpen: open == "(", hiOpen: closeTok == ")"})
	case len(items) >= 2 && ((open == "(" && closeTok == ")") || (open == "[" && closeTok == "]")):
		return p.newNode(node{k: kTuple, args: items})
	}
	return nil, fmt.Errorf("mismatched %s%s", open, closeTok)
}

// matrix parses \begin{env} a & b \\ c & d \end{env}.
func (p *parser) matrix() (*node, error) {
	env, err := p.envName()
	if err != nil {
		return nil, err
	}
	switch env {
	case "pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix", "vmatrix", "Vmatrix":
	case "array":
		// Skip the column specification, e.g. {cc}.
		if _, err := p.envName(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported environment %q", env)
	}
	var cells []*node
	rows, cols, col := 0, 0, 0
	for {
		if p.isCmd("end") {
			p.next()
			if _, err := p.envName(); err != nil {
				return nil, err
			}
			if col > 0 {
				if rows > 0 && col != cols {
					return nil, errors.New("ragged matrix")
				}
				cols = col
				rows++
			}
			break
		}
		c, err := p.parseRel()
		if err != nil {
			return nil, err
		}
		cells = append(cells, c)
		col++
		switch {
		case p.isOp("&"):
			p.next()
		case p.isCmd("\\"):
			p.next()
			if rows > 0 && col != cols {
				return nil, errors.New("ragged matrix")
			}
			cols = col
			rows++
			col = 0
		case p.isCmd("end"):
		default:
			return nil, fmt.Errorf("unexpected %q in matrix", p.peek().text)
		}
	}
	if rows == 0 {
		return nil, errors.New("empty matrix")
	}
	if env == "vmatrix" || env == "Vmatrix" {
		return nil, errors.New("determinant notation is not supported")
	}
	return p.newNode(node{k: kMatrix, rows: rows, cols: cols, args: cells})
}

// envName reads {name} after \begin or \end.
func (p *parser) envName() (string, error) {
	if err := p.expectOp("{"); err != nil {
		return "", err
	}
	var b strings.Builder
	for !p.isOp("}") {
		t := p.next()
		if t.kind == tEOF || b.Len() > 32 {
			return "", errors.New("bad environment name")
		}
		b.WriteString(t.text)
	}
	p.next()
	return b.String(), nil
}
