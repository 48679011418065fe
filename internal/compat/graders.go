package compat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/labstack/echo/v4"

	"github.com/referee/referee/internal/jsonbody"
	"github.com/referee/referee/internal/problem"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/rubric"
	"github.com/referee/referee/verifiers"
)

// Grader types. "referee" is referee's extension: any registered verifier
// or rubric as a grader.
const (
	typeStringCheck    = "string_check"
	typeTextSimilarity = "text_similarity"
	typeMulti          = "multi"
	typeReferee        = "referee"
)

// declined are OpenAI grader types that need a hosted model or a code
// sandbox, with the reason given to the client.
var declined = map[string]string{
	"score_model": "it needs a hosted model to grade",
	"label_model": "it needs a hosted model to grade",
	"python":      "it runs arbitrary Python; wrap the code in a remote verifier (see docs/ecosystem.md) and use a \"referee\" grader",
	"endpoint":    "call the endpoint as a remote verifier instead",
}

// runRequest is the body of POST /v1/fine_tuning/alpha/graders/run.
type runRequest struct {
	Grader      json.RawMessage `json:"grader"`
	ModelSample *string         `json:"model_sample"`
	Item        json.RawMessage `json:"item,omitempty"`
}

// validateRequest is the body of POST /v1/fine_tuning/alpha/graders/validate.
type validateRequest struct {
	Grader json.RawMessage `json:"grader"`
}

// graderHead is read first to dispatch on the type.
type graderHead struct {
	Type string `json:"type"`
}

type stringCheckSpec struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Input     string `json:"input"`
	Reference string `json:"reference"`
	Operation string `json:"operation"`
}

type textSimilaritySpec struct {
	Type             string `json:"type"`
	Name             string `json:"name"`
	Input            string `json:"input"`
	Reference        string `json:"reference"`
	EvaluationMetric string `json:"evaluation_metric"`
	// PassThreshold is accepted (evals' text_similarity criteria carry it)
	// and reported, but the reward is the similarity itself.
	PassThreshold *float64 `json:"pass_threshold,omitempty"`
}

type multiSpec struct {
	Type            string                     `json:"type"`
	Name            string                     `json:"name"`
	Graders         map[string]json.RawMessage `json:"graders"`
	CalculateOutput string                     `json:"calculate_output"`
}

// refereeSpec is the referee grader: a registered verifier or a rubric (a
// configured name or an inline object) scores the rendered input. Strings in
// reference are templates too.
type refereeSpec struct {
	Type      string          `json:"type"`
	Name      string          `json:"name"`
	Input     *string         `json:"input,omitempty"`
	Prompt    *string         `json:"prompt,omitempty"`
	Verifier  string          `json:"verifier,omitempty"`
	Rubric    json.RawMessage `json:"rubric,omitempty"`
	Reference json.RawMessage `json:"reference,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
}

// leaf is one scoring request of a grader: the grader itself, or one
// sub-grader of a multi grader.
type leaf struct {
	name     string
	verifier string
	rubric   json.RawMessage
	params   json.RawMessage
	input    template
	prompt   *template
	refText  *template // a string reference template
	refJSON  any       // a JSON reference whose strings are templates
}

// compiledGrader is a validated grader, ready to run.
type compiledGrader struct {
	name, typ string
	leaves    []leaf
	formula   *rubric.Rubric // multi graders only
}

type graderHandler struct {
	cfg *Config
}

func (g *graderHandler) validate(c echo.Context) error {
	body, err := readBody(c, g.cfg.MaxBody)
	if err != nil {
		return err
	}
	var req validateRequest
	if err := jsonbody.Decode(body, &req, true); err != nil {
		return err
	}
	if _, err := g.compile(req.Grader, "grader", true); err != nil {
		return err
	}
	out, _ := json.Marshal(map[string]json.RawMessage{"grader": req.Grader})
	return writeJSON(c, append(out, '\n'))
}

func (g *graderHandler) run(c echo.Context) error {
	start := time.Now()
	body, err := readBody(c, g.cfg.MaxBody)
	if err != nil {
		return err
	}
	var req runRequest
	if err := jsonbody.Decode(body, &req, true); err != nil {
		return err
	}
	if req.ModelSample == nil {
		return problem.Field("model_sample", "is required: the model output to grade, as a string")
	}
	cg, err := g.compile(req.Grader, "grader", true)
	if err != nil {
		return err
	}
	e := &env{outputText: *req.ModelSample}
	if e.outputJSON, e.jsonErr = decodeAny([]byte(*req.ModelSample)); e.jsonErr != nil {
		e.outputJSON = nil
	}
	if it := bytes.TrimSpace(req.Item); len(it) > 0 && !bytes.Equal(it, []byte("null")) {
		if e.item, err = decodeAny(it); err != nil {
			return problem.Field("item", "%v", err)
		}
	}

	out := newRunResponse(cg)
	var items []scoring.Request
	var owners []int // leaf index of each item
	for i, l := range cg.leaves {
		req, err := l.render(e)
		if err != nil {
			out.fail(err)
			continue
		}
		items = append(items, req)
		owners = append(owners, i)
	}
	scores := map[string]float64{}
	if len(items) > 0 {
		results, _, err := g.cfg.Scorer.ScoreBatch(c.Request().Context(), nil, items)
		if err != nil {
			return err
		}
		for n, r := range results {
			l := cg.leaves[owners[n]]
			if r.Error != nil && r.Error.Status < 500 {
				// The grader's definition or its rendered reference is at
				// fault: an HTTP error, like a bad grader.
				return &problem.Error{Status: r.Error.Status, Type: strings.TrimPrefix(r.Error.Type, problem.TypeBase), Title: r.Error.Title,
					Detail: fmt.Sprintf("grader %q: %s", l.name, r.Error.Detail), Errors: r.Error.Errors}
			}
			out.referee[l.name] = r
			if r.Error != nil {
				if r.Error.Status == http.StatusGatewayTimeout {
					out.Metadata.Errors.UnresponsiveRewardError = true
				} else {
					out.Metadata.Errors.OtherError = true
				}
				out.addDetail(fmt.Sprintf("grader %q: %s", l.name, r.Error.Detail))
				continue
			}
			scores[l.name] = r.Reward
		}
	}
	out.Metadata.Scores = scores
	if cg.formula != nil {
		out.SubRewards = scores
	}
	if !out.Metadata.Errors.any() {
		if cg.formula != nil {
			out.Reward, err = cg.formula.Eval(scores, rubric.Vars{})
			if err != nil {
				out.Reward = 0
				out.Metadata.Errors.OtherError = true
				out.addDetail("calculate_output: " + err.Error())
			}
		} else {
			out.Reward = scores[cg.leaves[0].name]
		}
	}
	out.Metadata.ExecutionTime = time.Since(start).Seconds()
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return writeJSON(c, append(b, '\n'))
}

// render turns a leaf into a scoring request for one sample and item.
func (l *leaf) render(e *env) (scoring.Request, error) {
	in, err := l.input.render(e)
	if err != nil {
		return scoring.Request{}, err
	}
	req := scoring.Request{ID: l.name, Verifier: l.verifier, Rubric: l.rubric, Params: l.params, Response: &in}
	if l.prompt != nil {
		p, err := l.prompt.render(e)
		if err != nil {
			return scoring.Request{}, err
		}
		req.Prompt = &p
	}
	switch {
	case l.refText != nil:
		s, err := l.refText.render(e)
		if err != nil {
			return scoring.Request{}, err
		}
		req.Reference, _ = json.Marshal(s)
	case l.refJSON != nil:
		v, err := renderJSON(l.refJSON, e)
		if err != nil {
			return scoring.Request{}, err
		}
		req.Reference, _ = json.Marshal(v)
	}
	return req, nil
}

// renderJSON renders every string of a decoded JSON value whose strings
// were parsed into templates.
func renderJSON(v any, e *env) (any, error) {
	switch x := v.(type) {
	case template:
		return x.render(e)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			r, err := renderJSON(vv, e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			r, err := renderJSON(vv, e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// parseJSONTemplates replaces every string of a decoded JSON value with its
// template.
func parseJSONTemplates(v any, field string) (any, error) {
	switch x := v.(type) {
	case string:
		return parseTemplate(x, field)
	case map[string]any:
		for k, vv := range x {
			r, err := parseJSONTemplates(vv, field+"."+k)
			if err != nil {
				return nil, err
			}
			x[k] = r
		}
	case []any:
		for i, vv := range x {
			r, err := parseJSONTemplates(vv, fmt.Sprintf("%s[%d]", field, i))
			if err != nil {
				return nil, err
			}
			x[i] = r
		}
	}
	return v, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// compile validates a grader. Every error is a 400 naming the field.
func (g *graderHandler) compile(raw json.RawMessage, field string, top bool) (*compiledGrader, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, problem.Field(field, "is required: a grader object with a type")
	}
	var head graderHead
	if raw[0] != '{' || json.Unmarshal(raw, &head) != nil {
		return nil, problem.Field(field, "want a grader object with a type")
	}
	bad := func(sub, format string, args ...any) error {
		return problem.Field(field+sub, format, args...)
	}
	strict := func(v any) error {
		if err := jsonbody.Decode(raw, v, true); err != nil {
			var pe *problem.Error
			if errors.As(err, &pe) && len(pe.Errors) == 1 {
				return bad("."+pe.Errors[0].Field, "%s", pe.Errors[0].Message)
			}
			return bad("", "%v", err)
		}
		return nil
	}
	cg := &compiledGrader{typ: head.Type}
	switch head.Type {
	case typeStringCheck:
		var s stringCheckSpec
		if err := strict(&s); err != nil {
			return nil, err
		}
		if !slices.Contains([]string{"eq", "ne", "like", "ilike"}, s.Operation) {
			return nil, bad(".operation", "want eq, ne, like or ilike, got %q", s.Operation)
		}
		l, err := openAILeaf(s.Name, s.Input, s.Reference, field)
		if err != nil {
			return nil, err
		}
		l.verifier, l.params = StringCheckVerifier, mustJSON(map[string]string{"operation": s.Operation})
		cg.name, cg.leaves = s.Name, []leaf{l}
	case typeTextSimilarity:
		var s textSimilaritySpec
		if err := strict(&s); err != nil {
			return nil, err
		}
		if err := checkMetric(s.EvaluationMetric); err != nil {
			return nil, bad(".evaluation_metric", "%v", err)
		}
		l, err := openAILeaf(s.Name, s.Input, s.Reference, field)
		if err != nil {
			return nil, err
		}
		l.verifier, l.params = TextSimilarityVerifier, mustJSON(map[string]string{"evaluation_metric": s.EvaluationMetric})
		cg.name, cg.leaves = s.Name, []leaf{l}
	case typeReferee:
		var s refereeSpec
		if err := strict(&s); err != nil {
			return nil, err
		}
		l, err := g.refereeLeaf(s, field)
		if err != nil {
			return nil, err
		}
		cg.name, cg.leaves = s.Name, []leaf{l}
	case typeMulti:
		if !top {
			return nil, bad(".type", "a multi grader cannot be nested in another")
		}
		var s multiSpec
		if err := strict(&s); err != nil {
			return nil, err
		}
		if len(s.Graders) == 0 {
			return nil, bad(".graders", "is required: an object of named sub-graders")
		}
		if len(s.Graders) > rubric.MaxComponents {
			return nil, bad(".graders", "%d sub-graders, over the limit of %d", len(s.Graders), rubric.MaxComponents)
		}
		names := make([]string, 0, len(s.Graders))
		for n := range s.Graders {
			names = append(names, n)
		}
		sort.Strings(names)
		comps := map[string]rubric.Component{}
		for _, n := range names {
			sub := field + ".graders." + n
			if !nameRE.MatchString(n) || n == rubric.VarResponseLength || n == rubric.VarResponseWords {
				return nil, problem.Field(sub, "a sub-grader name must be an identifier (letters, digits, _; not starting with a digit) usable in calculate_output")
			}
			sg, err := g.compile(s.Graders[n], sub, false)
			if err != nil {
				return nil, err
			}
			l := sg.leaves[0]
			l.name = n // calculate_output and sub_rewards use the key
			cg.leaves = append(cg.leaves, l)
			comps[n] = rubric.Component{Verifier: l.verifier}
		}
		f, err := g.formula(s.CalculateOutput, comps, field+".calculate_output")
		if err != nil {
			return nil, err
		}
		cg.name, cg.formula = s.Name, f
	case "":
		return nil, bad(".type", "is required: one of string_check, text_similarity, multi, referee")
	default:
		if why, ok := declined[head.Type]; ok {
			return nil, bad(".type", "grader type %q is not supported by referee: %s. Supported types: string_check, text_similarity, multi, referee", head.Type, why)
		}
		return nil, bad(".type", "unknown grader type %q; supported types: string_check, text_similarity, multi, referee", head.Type)
	}
	if cg.name == "" {
		return nil, bad(".name", "is required")
	}
	return cg, nil
}

// openAILeaf builds the leaf of a string_check or text_similarity grader.
func openAILeaf(name, input, reference, field string) (leaf, error) {
	l := leaf{name: name}
	var err error
	if input == "" {
		return l, problem.Field(field+".input", "is required: a template such as {{ sample.output_text }}")
	}
	if l.input, err = parseTemplate(input, field+".input"); err != nil {
		return l, problem.Field(field+".input", "%v", err)
	}
	rt, err := parseTemplate(reference, field+".reference")
	if err != nil {
		return l, problem.Field(field+".reference", "%v", err)
	}
	l.refText = &rt
	return l, nil
}

func (g *graderHandler) refereeLeaf(s refereeSpec, field string) (leaf, error) {
	l := leaf{name: s.Name, verifier: s.Verifier, params: s.Params}
	hasRubric := len(bytes.TrimSpace(s.Rubric)) > 0 && !bytes.Equal(bytes.TrimSpace(s.Rubric), []byte("null"))
	switch {
	case s.Verifier != "" && hasRubric:
		return l, problem.Field(field+".verifier", "give a verifier or a rubric, not both")
	case s.Verifier == "" && !hasRubric:
		return l, problem.Field(field+".verifier", "is required: a registered verifier (GET /v1/verifiers), or give a rubric")
	case s.Verifier != "":
		if _, ok := g.cfg.Lookup(s.Verifier); !ok {
			return l, problem.Field(field+".verifier", "unknown verifier %q (see GET /v1/verifiers)", s.Verifier)
		}
	default:
		l.rubric = s.Rubric
	}
	input := "{{ sample.output_text }}"
	if s.Input != nil {
		input = *s.Input
	}
	var err error
	if l.input, err = parseTemplate(input, field+".input"); err != nil {
		return l, problem.Field(field+".input", "%v", err)
	}
	if s.Prompt != nil {
		p, err := parseTemplate(*s.Prompt, field+".prompt")
		if err != nil {
			return l, problem.Field(field+".prompt", "%v", err)
		}
		l.prompt = &p
	}
	if ref := bytes.TrimSpace(s.Reference); len(ref) > 0 && !bytes.Equal(ref, []byte("null")) {
		v, err := decodeAny(ref)
		if err != nil {
			return l, problem.Field(field+".reference", "%v", err)
		}
		if l.refJSON, err = parseJSONTemplates(v, field+".reference"); err != nil {
			return l, problem.Field(field+".reference", "%v", err)
		}
	}
	return l, nil
}

// formula compiles a multi grader's calculate_output with the rubric engine.
// OpenAI formulas use +, -, *, /, ^, min, max, abs, floor, ceil, exp, sqrt
// and log over the sub-grader names. expr-lang reads the same syntax (^ is
// a power) except for sqrt and exp, which are rewritten to powers; log has
// no such form and is declined.
func (g *graderHandler) formula(src string, comps map[string]rubric.Component, field string) (*rubric.Rubric, error) {
	if strings.TrimSpace(src) == "" {
		return nil, problem.Field(field, "is required: a formula over the sub-grader names, e.g. 0.5 * a + 0.5 * b")
	}
	translated, err := translateFormula(src)
	if err != nil {
		return nil, formulaError(field, err)
	}
	r, err := g.cfg.Compiler.Compile(rubric.Definition{Components: comps, Score: translated}, "calculate_output", func(string) bool { return true })
	if err != nil {
		if ie, ok := verifiers.AsInvalid(err); ok {
			errs := make([]verifiers.FieldError, len(ie.Errors))
			for i, fe := range ie.Errors {
				fe.Field = field
				if translated != src {
					// Positions refer to the rewritten text.
					fe.Line, fe.Column = 0, 0
				}
				errs[i] = fe
			}
			return nil, problem.BadRequest("calculate_output: "+errs[0].Message, errs...)
		}
		return nil, problem.Field(field, "%v", err)
	}
	return r, nil
}

// formulaErr is a formula error at a position.
type formulaErr struct {
	msg          string
	line, column int
}

func (e *formulaErr) Error() string { return e.msg }

func formulaError(field string, err error) error {
	fe := verifiers.FieldError{Field: field, Message: err.Error()}
	var f *formulaErr
	if errors.As(err, &f) {
		fe.Line, fe.Column = f.line, f.column
	}
	return problem.BadRequest("calculate_output: "+fe.Message, fe)
}

// translateFormula rewrites sqrt(x) to (x) ** 0.5 and exp(x) to e ** (x),
// and declines log. A formula without them is returned unchanged, so error
// positions refer to what the client wrote.
func translateFormula(src string) (string, error) {
	tree, err := parser.Parse(src)
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return "", &formulaErr{msg: fe.Message, line: fe.Line, column: fe.Column + 1}
		}
		return "", err
	}
	t := &translator{src: src}
	ast.Walk(&tree.Node, t)
	if t.err != nil {
		return "", t.err
	}
	if !t.changed {
		return src, nil
	}
	return tree.Node.String(), nil
}

type translator struct {
	src     string
	changed bool
	err     error
}

func (t *translator) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok || t.err != nil {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok {
		return
	}
	line, col := lineColumn(t.src, call.Location().From)
	switch id.Value {
	case "sqrt", "exp":
		if len(call.Arguments) != 1 {
			t.err = &formulaErr{msg: id.Value + " takes one argument", line: line, column: col}
			return
		}
		var pow ast.Node
		if id.Value == "sqrt" {
			pow = &ast.BinaryNode{Operator: "**", Left: call.Arguments[0], Right: &ast.FloatNode{Value: 0.5}}
		} else {
			pow = &ast.BinaryNode{Operator: "**", Left: &ast.FloatNode{Value: math.E}, Right: call.Arguments[0]}
		}
		ast.Patch(node, pow)
		t.changed = true
	case "log":
		t.err = &formulaErr{msg: "log is not supported in calculate_output (the rubric engine has no logarithm); use +, -, *, /, ^, min, max, abs, floor, ceil, sqrt, exp", line: line, column: col}
	}
}

func checkMetric(m string) error {
	switch {
	case m == "cosine":
		return errors.New("cosine needs an embedding model, which referee does not host; use fuzzy_match, bleu, gleu, meteor, rouge_1..rouge_5 or rouge_l")
	case slices.Contains(Metrics, m):
		return nil
	}
	return fmt.Errorf("unknown evaluation_metric %q; want one of %s", m, strings.Join(Metrics, ", "))
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// runResponse is OpenAI's grader run response, with referee's results of
// each scored leaf under metadata.referee.
type runResponse struct {
	Reward     float64            `json:"reward"`
	Metadata   runMetadata        `json:"metadata"`
	SubRewards map[string]float64 `json:"sub_rewards"`
	// ModelGraderTokenUsagePerModel is always empty: no hosted model runs.
	ModelGraderTokenUsagePerModel map[string]any `json:"model_grader_token_usage_per_model"`

	referee map[string]scoring.Result
}

type runMetadata struct {
	Name             string                    `json:"name"`
	Type             string                    `json:"type"`
	Errors           runErrors                 `json:"errors"`
	ExecutionTime    float64                   `json:"execution_time"`
	Scores           map[string]float64        `json:"scores"`
	TokenUsage       *int                      `json:"token_usage"`
	SampledModelName *string                   `json:"sampled_model_name"`
	Referee          map[string]scoring.Result `json:"referee"`
}

// runErrors has OpenAI's error flags; referee_error_details is referee's
// explanation of whichever is set.
type runErrors struct {
	FormulaParseError               bool    `json:"formula_parse_error"`
	SampleParseError                bool    `json:"sample_parse_error"`
	TruncatedObservationError       bool    `json:"truncated_observation_error"`
	UnresponsiveRewardError         bool    `json:"unresponsive_reward_error"`
	InvalidVariableError            bool    `json:"invalid_variable_error"`
	OtherError                      bool    `json:"other_error"`
	PythonGraderServerError         bool    `json:"python_grader_server_error"`
	PythonGraderServerErrorType     *string `json:"python_grader_server_error_type"`
	PythonGraderRuntimeError        bool    `json:"python_grader_runtime_error"`
	PythonGraderRuntimeErrorDetails *string `json:"python_grader_runtime_error_details"`
	ModelGraderServerError          bool    `json:"model_grader_server_error"`
	ModelGraderRefusalError         bool    `json:"model_grader_refusal_error"`
	ModelGraderParseError           bool    `json:"model_grader_parse_error"`
	ModelGraderServerErrorDetails   *string `json:"model_grader_server_error_details"`
	RefereeErrorDetails             *string `json:"referee_error_details"`
}

func (e *runErrors) any() bool {
	return e.FormulaParseError || e.SampleParseError || e.UnresponsiveRewardError || e.InvalidVariableError || e.OtherError
}

func newRunResponse(cg *compiledGrader) *runResponse {
	r := &runResponse{
		SubRewards:                    map[string]float64{},
		ModelGraderTokenUsagePerModel: map[string]any{},
		referee:                       map[string]scoring.Result{},
	}
	r.Metadata.Name, r.Metadata.Type = cg.name, cg.typ
	r.Metadata.Referee = r.referee
	return r
}

// fail records a leaf that could not be rendered.
func (r *runResponse) fail(err error) {
	var ve *varError
	var se *sampleError
	switch {
	case errors.As(err, &se):
		r.Metadata.Errors.SampleParseError = true
	case errors.As(err, &ve):
		r.Metadata.Errors.InvalidVariableError = true
	default:
		r.Metadata.Errors.OtherError = true
	}
	r.addDetail(err.Error())
}

func (r *runResponse) addDetail(msg string) {
	if d := r.Metadata.Errors.RefereeErrorDetails; d != nil {
		msg = *d + "; " + msg
	}
	r.Metadata.Errors.RefereeErrorDetails = &msg
}

// lineColumn converts a rune offset into a 1-based line and column.
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
