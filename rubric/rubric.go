// Package rubric combines component scores with an expression. A rubric
// names its components (a verifier with params and an optional reference)
// and a score expression over their scores, written in expr-lang and
// compiled once. The package evaluates expressions; it never calls verifiers
// or the cache.
package rubric

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/referee/referee/verifiers"
)

// Limits on a rubric.
const (
	// MaxNodes bounds the size of a score expression.
	MaxNodes = 256
	// MaxExpressionBytes bounds the length of a score expression.
	MaxExpressionBytes = 2048
	// MaxComponents bounds how many components a rubric has.
	MaxComponents = 32
)

// Built-in variables every expression sees besides the component scores.
const (
	// VarResponseLength is the response length in Unicode code points.
	VarResponseLength = "response_length"
	// VarResponseWords is the number of white-space separated words.
	VarResponseWords = "response_words"
)

// Functions lists the functions an expression may call, for docs and
// /v1/rubrics. Everything else (string, date, collection and JSON
// built-ins of expr) is disabled.
var Functions = []string{"abs", "ceil", "clamp", "floor", "max", "min", "round"}

var exprBuiltins = []string{"abs", "ceil", "floor", "max", "min", "round"}

// Component is one scored part of a rubric.
type Component struct {
	Verifier  string          `json:"verifier" yaml:"verifier"`
	Reference json.RawMessage `json:"reference,omitempty" yaml:"-"`
	Params    json.RawMessage `json:"params,omitempty" yaml:"-"`
}

// Definition is a rubric as clients and config files write it.
type Definition struct {
	Name        string               `json:"name,omitempty"`
	Description string               `json:"description,omitempty"`
	Components  map[string]Component `json:"components"`
	Score       string               `json:"score"`
	// OnError is the reward reported when a component fails at scoring time
	// (deadline, panic); default 0.
	OnError *float64 `json:"on_error,omitempty"`
}

// Rubric is a compiled Definition, safe for concurrent use.
type Rubric struct {
	Def     Definition
	names   []string // component names, sorted
	program *vm.Program
}

// Names returns the component names in sorted order.
func (r *Rubric) Names() []string { return r.names }

// Vars are the built-in variables of one evaluation.
type Vars struct {
	ResponseLength int
	ResponseWords  int
}

// Eval evaluates the score expression over component scores. A result that
// is not a finite number is an error, never a reward.
func (r *Rubric) Eval(scores map[string]float64, v Vars) (float64, error) {
	env := make(map[string]any, len(scores)+2)
	for k, s := range scores {
		env[k] = s
	}
	env[VarResponseLength] = v.ResponseLength
	env[VarResponseWords] = v.ResponseWords
	out, err := expr.Run(r.program, env)
	if err != nil {
		return 0, fmt.Errorf("rubric score: %w", err)
	}
	var f float64
	switch x := out.(type) {
	case float64:
		f = x
	case int:
		f = float64(x)
	case bool:
		if x {
			f = 1
		}
	default:
		return 0, fmt.Errorf("rubric score: expression returned %T, want a number", out)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("rubric score: expression returned %v, want a finite number", f)
	}
	return f, nil
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Compiler compiles rubric definitions, caching programs by expression and
// component set so a rubric used by every request compiles once.
type Compiler struct {
	programs *lru.Cache[string, *vm.Program]
}

// reservedWord reports the names an expression cannot use for a
// component: the language's literals and keywords, and the functions in
// scope.
func reservedWord(name string) bool {
	switch name {
	case "true", "false", "nil", "and", "or", "not", "in", "matches", "contains", "startsWith", "endsWith",
		"let", "if", "else", "NaN", "Inf":
		return true
	}
	for _, f := range Functions {
		if name == f {
			return true
		}
	}
	return false
}

// NewCompiler returns a Compiler caching up to size distinct expressions.
func NewCompiler(size int) *Compiler {
	c, _ := lru.New[string, *vm.Program](max(size, 1))
	return &Compiler{programs: c}
}

// Compile validates def and compiles its expression. lookup reports whether
// a verifier name exists. Errors are *verifiers.InvalidError naming the
// field (prefix + ".score", with line and column for expression errors).
func (c *Compiler) Compile(def Definition, prefix string, lookup func(string) bool) (*Rubric, error) {
	var errs []verifiers.FieldError
	if len(def.Components) == 0 {
		errs = append(errs, verifiers.FieldError{Field: prefix + ".components", Message: "at least one component is required"})
	}
	if len(def.Components) > MaxComponents {
		errs = append(errs, verifiers.FieldError{Field: prefix + ".components", Message: fmt.Sprintf("%d components, over the limit of %d", len(def.Components), MaxComponents)})
	}
	names := make([]string, 0, len(def.Components))
	for name, comp := range def.Components {
		names = append(names, name)
		field := prefix + ".components." + name
		switch {
		case !identRE.MatchString(name):
			errs = append(errs, verifiers.FieldError{Field: field, Message: "a component name must be an identifier (letters, digits, _; not starting with a digit)"})
		case name == VarResponseLength || name == VarResponseWords:
			errs = append(errs, verifiers.FieldError{Field: field, Message: "this name is reserved for a built-in variable"})
		case reservedWord(name):
			// A component "true" would be shadowed by the literal, so
			// "score": "true" would reward every response.
			errs = append(errs, verifiers.FieldError{Field: field, Message: "this name is reserved: it is a literal, keyword or function of the expression language"})
		}
		if comp.Verifier == "" {
			errs = append(errs, verifiers.FieldError{Field: field + ".verifier", Message: "is required"})
		} else if !lookup(comp.Verifier) {
			errs = append(errs, verifiers.FieldError{Field: field + ".verifier", Message: fmt.Sprintf("unknown verifier %q", comp.Verifier)})
		}
	}
	sort.Strings(names)
	if def.Score == "" {
		errs = append(errs, verifiers.FieldError{Field: prefix + ".score", Message: "is required: an expression over the component names"})
	} else if len(def.Score) > MaxExpressionBytes {
		errs = append(errs, verifiers.FieldError{Field: prefix + ".score", Message: fmt.Sprintf("expression is %d bytes, over the limit of %d", len(def.Score), MaxExpressionBytes)})
	}
	if def.OnError != nil && (math.IsNaN(*def.OnError) || math.IsInf(*def.OnError, 0)) {
		errs = append(errs, verifiers.FieldError{Field: prefix + ".on_error", Message: "must be a finite number"})
	}
	if len(errs) > 0 {
		sortErrors(errs)
		return nil, verifiers.Invalid(errs...)
	}
	prog, err := c.program(def.Score, names)
	if err != nil {
		return nil, expressionError(prefix+".score", def.Score, err)
	}
	return &Rubric{Def: def, names: names, program: prog}, nil
}

func (c *Compiler) program(expression string, names []string) (*vm.Program, error) {
	cacheKey := expression
	for _, n := range names {
		cacheKey += "\x00" + n
	}
	if p, ok := c.programs.Get(cacheKey); ok {
		return p, nil
	}
	env := make(map[string]any, len(names)+2)
	for _, n := range names {
		env[n] = 0.0
	}
	env[VarResponseLength] = 0
	env[VarResponseWords] = 0
	opts := []expr.Option{
		expr.Env(env),
		expr.MaxNodes(MaxNodes),
		expr.DisableAllBuiltins(),
		expr.Function("clamp", clamp, new(func(float64, float64, float64) float64)),
	}
	for _, b := range exprBuiltins {
		opts = append(opts, expr.EnableBuiltin(b))
	}
	prog, err := expr.Compile(expression, opts...)
	if err != nil {
		return nil, err
	}
	if err := checkNodes(prog.Node(), env); err != nil {
		return nil, err
	}
	c.programs.Add(cacheKey, prog)
	return prog, nil
}

func clamp(params ...any) (any, error) {
	x, lo, hi := params[0].(float64), params[1].(float64), params[2].(float64)
	return math.Min(math.Max(x, lo), hi), nil
}

// positionError is an expression error at a byte offset.
type positionError struct {
	msg      string
	location file.Location
}

func (e *positionError) Error() string { return e.msg }

// checkNodes allows only arithmetic, comparison, logic and the documented
// names and functions. Map-typed environments are not fully checked by
// expr, and operators such as ranges can allocate without bound.
func checkNodes(root ast.Node, env map[string]any) error {
	callees := calleeCollector{}
	ast.Walk(&root, callees)
	v := &nodeChecker{env: env, callees: callees}
	ast.Walk(&root, v)
	return v.err
}

// calleeCollector records the identifiers that are called, the only place
// a function name may appear.
type calleeCollector map[*ast.IdentifierNode]bool

func (c calleeCollector) Visit(node *ast.Node) {
	if call, ok := (*node).(*ast.CallNode); ok {
		if id, ok := call.Callee.(*ast.IdentifierNode); ok {
			c[id] = true
		}
	}
}

type nodeChecker struct {
	env     map[string]any
	callees calleeCollector
	err     error
}

var allowedOps = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "%": true, "**": true, "^": true,
	"<": true, "<=": true, ">": true, ">=": true, "==": true, "!=": true,
	"and": true, "or": true, "&&": true, "||": true, "not": true, "!": true, "??": true,
}

func (v *nodeChecker) Visit(node *ast.Node) {
	if v.err != nil {
		return
	}
	n := *node
	fail := func(format string, args ...any) {
		v.err = &positionError{msg: fmt.Sprintf(format, args...), location: n.Location()}
	}
	switch x := n.(type) {
	case *ast.IdentifierNode:
		// A function name alone (score: "max") is not a value; calls are
		// CallNode/BuiltinNode and never visit their callee here as a value.
		if _, ok := v.env[x.Value]; !ok && !(v.callees[x] && isFunction(x.Value)) {
			fail("unknown name %q: use a component name, %s or %s", x.Value, VarResponseLength, VarResponseWords)
		}
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.ConditionalNode, *ast.CallNode:
		if c, ok := n.(*ast.CallNode); ok {
			if id, ok := c.Callee.(*ast.IdentifierNode); !ok || !isFunction(id.Value) {
				fail("only the functions %v may be called", Functions)
			}
		}
	case *ast.BuiltinNode:
		if !isFunction(x.Name) {
			fail("function %q is not available; use one of %v", x.Name, Functions)
		}
	case *ast.UnaryNode:
		if !allowedOps[x.Operator] {
			fail("operator %q is not allowed", x.Operator)
		}
	case *ast.BinaryNode:
		if !allowedOps[x.Operator] {
			fail("operator %q is not allowed", x.Operator)
		}
	default:
		fail("%T is not allowed in a score expression", n)
	}
}

func isFunction(name string) bool {
	for _, f := range Functions {
		if f == name {
			return true
		}
	}
	return false
}

// expressionError turns an expr compile error into a 422 with its position.
func expressionError(field, src string, err error) error {
	fe := verifiers.FieldError{Field: field, Message: err.Error()}
	var ferr *file.Error
	var perr *positionError
	switch {
	case errors.As(err, &ferr):
		fe.Message, fe.Line, fe.Column = ferr.Message, ferr.Line, ferr.Column+1
	case errors.As(err, &perr):
		fe.Message = perr.msg
		fe.Line, fe.Column = lineColumn(src, perr.location.From)
	}
	return verifiers.Invalid(fe)
}

func sortErrors(errs []verifiers.FieldError) {
	sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
}

// lineColumn converts a rune offset into 1-based line and column.
func lineColumn(src string, offset int) (line, col int) {
	line, col = 1, 1
	i := 0
	for _, r := range src {
		if i == offset {
			break
		}
		i++
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
