// Package exact is the exact_answer verifier: did the model's final answer
// equal the reference? It extracts the answer (\boxed{}, <answer> tags,
// "the final answer is", GSM8K's ####), refuses hedges, parses LaTeX and
// plain math into an expression tree, and compares with exact rational
// arithmetic, a documented tolerance for decimals, random-point evaluation
// for expressions in variables, and structural rules for sets, tuples,
// intervals, matrices, equations, text and multiple choice.
package exact

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/referee/referee/verifiers"
)

// Limits on task authors' input and on responses.
const (
	// MaxReferenceBytes bounds the JSON of the reference.
	MaxReferenceBytes = 64 << 10
	// MaxReferenceItems bounds the acceptable answers of one reference.
	MaxReferenceItems = 64
	// MaxResponseBytes bounds a response; longer ones score 0 unread.
	MaxResponseBytes = 1 << 20
	// maxRegexBytes bounds params.extract when it is a pattern.
	maxRegexBytes = 1024
	// maxEcho bounds each string repeated in details.
	maxEcho = 200
)

// Verifier is the exact_answer verifier.
type Verifier struct{}

// New returns the exact_answer verifier.
func New() *Verifier { return &Verifier{} }

var _ verifiers.Verifier = (*Verifier)(nil)

// Spec implements verifiers.Verifier.
func (*Verifier) Spec() verifiers.Spec {
	return verifiers.Spec{
		Name:        "exact_answer",
		Version:     "2",
		Description: "Math and short-answer correctness: extracts the final answer (\\boxed{}, <answer>, \"the final answer is\", GSM8K ####), scores 0 for hedges (several different answers), and compares it to the reference with exact rational arithmetic, a relative tolerance for decimals approximating non-integers, random-point evaluation for expressions in variables, and rules for equations, sets, tuples, intervals, matrices, text and multiple choice. Reads the prompt only to ignore answers that echo it.",
		ReadsPrompt: true,
		ReferenceSchema: json.RawMessage(`{"oneOf":[{"type":"string","minLength":1,"maxLength":4096},{"type":"number"},` +
			`{"type":"array","items":{"oneOf":[{"type":"string","minLength":1,"maxLength":4096},{"type":"number"}]},"minItems":1,"maxItems":64}],` +
			`"description":"the answer (LaTeX or plain text; a JSON number is read as written), or a list of acceptable answers; in choice mode a letter or an option's text"}`),
		ParamsSchema: json.RawMessage(`{"type":"object","additionalProperties":false,"properties":{` +
			`"mode":{"enum":["auto","math","numeric","string","choice"],"default":"auto"},` +
			`"extract":{"type":"string","default":"auto","description":"auto, boxed, answer_tag, final_answer_phrase, gsm8k, last_number, full, or an RE2 pattern with exactly one capturing group"},` +
			`"tolerance":{"type":"number","minimum":0,"exclusiveMaximum":1,"default":1e-6,"description":"relative; only where a decimal approximates a non-integer value"},` +
			`"percent":{"enum":["either","number","fraction"],"default":"either","description":"how 50\\% compares: either 50 or 0.5 (either), only 50 (number), only 0.5 (fraction)"},` +
			`"choices":{"type":"array","items":{"type":"string","maxLength":1000},"maxItems":26,"description":"option texts in letter order A, B, C, ...; implies choice mode"}}}`),
		Examples: []verifiers.Example{
			{Name: "boxed fraction", Response: "Adding the two parts gives $\\frac{6}{8}$, so the answer is $\\boxed{\\dfrac{3}{4}}$.", Reference: json.RawMessage(`"\\frac34"`), Score: 1},
			{Name: "gsm8k", Response: "She sells 16 - 3 - 4 = 9 eggs for $2 each: 9 * 2 = 18.\n#### 18", Reference: json.RawMessage(`"18"`), Score: 1},
			{Name: "hedge", Response: "It is either $\\boxed{3}$ or $\\boxed{4}$.", Reference: json.RawMessage(`"3"`), Score: 0},
			{Name: "choice", Response: "Option B ignores friction, so it is wrong.\n\nAnswer: (C)", Reference: json.RawMessage(`"C"`), Score: 1},
		},
	}
}

// params are the task's settings; see the ParamsSchema.
type params struct {
	Mode      string   `json:"mode"`
	Extract   string   `json:"extract"`
	Tolerance *float64 `json:"tolerance"`
	Percent   string   `json:"percent"`
	Choices   []string `json:"choices"`
}

// ref is one acceptable reference answer, parsed once in Prepare.
type ref struct {
	raw    string
	norm   string // canonical form shown in details
	tree   *node  // kText for text answers
	text   string // whole-answer text form
	letter int    // choice mode
}

type task struct {
	mode      string
	extract   string
	re        *regexp.Regexp
	cmp       *comparer
	refs      []ref
	choices   *choiceOptions
	allowLast bool
	smallRef  bool // the reference is small enough for QuickFor
}

// Inputs up to these sizes score in well under a millisecond whatever they
// hold (adversarial 8 KiB responses took at most 0.75 ms), so they run
// inline rather than on an engine runner, whose hand-off cost more than a
// typical verify.
const (
	quickResponseBytes  = 4 << 10
	quickPromptBytes    = 4 << 10
	quickReferenceBytes = 1 << 10
	quickReferenceItems = 8
)

// QuickFor implements verifiers.QuickInput.
func (t *task) QuickFor(in verifiers.Input) bool {
	return t.smallRef && len(in.Response) <= quickResponseBytes && len(in.Prompt) <= quickPromptBytes
}

// Prepare implements verifiers.Verifier.
func (*Verifier) Prepare(reference, rawParams json.RawMessage) (verifiers.Task, error) {
	var p params
	if err := verifiers.DecodeParams(rawParams, &p); err != nil {
		return nil, err
	}
	t := &task{}
	switch p.Mode {
	case "":
		p.Mode = "auto"
	case "auto", "math", "numeric", "string", "choice":
	default:
		return nil, verifiers.Invalidf("params.mode", "unknown mode %q (want auto, math, numeric, string or choice)", p.Mode)
	}
	switch p.Extract {
	case "":
		p.Extract = exAuto
	case exAuto, exBoxed, exAnswerTag, exPhrase, exGSM8K, exLastNumber, exFull:
	default:
		if len(p.Extract) > maxRegexBytes {
			return nil, verifiers.Invalidf("params.extract", "pattern is %d bytes, over the limit of %d", len(p.Extract), maxRegexBytes)
		}
		re, err := regexp.Compile(p.Extract)
		if err != nil {
			return nil, verifiers.Invalidf("params.extract", "not an extractor name and not a valid RE2 pattern: %v", err)
		}
		if re.NumSubexp() != 1 {
			return nil, verifiers.Invalidf("params.extract", "pattern must have exactly one capturing group, has %d", re.NumSubexp())
		}
		t.re = re
		p.Extract = exRegex
	}
	tol := 1e-6
	if p.Tolerance != nil {
		tol = *p.Tolerance
		if math.IsNaN(tol) || tol < 0 || tol >= 1 {
			return nil, verifiers.Invalidf("params.tolerance", "must be in [0, 1), got %v", tol)
		}
	}
	switch p.Percent {
	case "":
		p.Percent = "either"
	case "either", "number", "fraction":
	default:
		return nil, verifiers.Invalidf("params.percent", "unknown value %q (want either, number or fraction)", p.Percent)
	}
	if len(p.Choices) > maxChoices {
		return nil, verifiers.Invalidf("params.choices", "has %d options, over the limit of %d", len(p.Choices), maxChoices)
	}
	if len(p.Choices) > 0 {
		switch p.Mode {
		case "auto":
			p.Mode = "choice"
		case "choice":
		default:
			return nil, verifiers.Invalidf("params.choices", "only applies to choice mode, not %q", p.Mode)
		}
	}
	raws, err := decodeReference(reference)
	if err != nil {
		return nil, err
	}
	if len(raws) > MaxReferenceItems {
		return nil, verifiers.Invalidf("reference", "has %d items, over the limit of %d", len(raws), MaxReferenceItems)
	}
	// Choice options are compared to the response too; count them in.
	t.smallRef = len(reference) <= quickReferenceBytes && len(raws) <= quickReferenceItems && len(rawParams) <= quickReferenceBytes
	t.extract = p.Extract
	t.cmp = &comparer{tol: tol, tolRat: tolRat(tol), percent: p.Percent}
	if p.Mode == "auto" && allLetters(raws) {
		p.Mode = "choice"
	}
	t.mode = p.Mode
	if t.mode == "choice" {
		if err := t.prepareChoice(raws, p.Choices); err != nil {
			return nil, err
		}
		return t, nil
	}
	allNumbers := true
	for i, s := range raws {
		field := "reference"
		if len(raws) > 1 {
			field = fmt.Sprintf("reference[%d]", i)
		}
		r, err := t.prepareRef(s, field)
		if err != nil {
			return nil, err
		}
		allNumbers = allNumbers && isPlainNumber(r.tree)
		t.refs = append(t.refs, r)
	}
	h := fnv.New64a()
	h.Write([]byte(t.refs[0].norm))
	t.cmp.seed = h.Sum64()
	t.allowLast = p.Extract == exAuto && (t.mode == "numeric" || (t.mode == "auto" && allNumbers))
	return t, nil
}

// decodeReference accepts a string, a JSON number (GSM8K references are
// often sent as 18, kept as written so 0.1 stays exact) or a list of them.
func decodeReference(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > MaxReferenceBytes {
		return nil, verifiers.Invalidf("reference", "is %d bytes, over the limit of %d", len(raw), MaxReferenceBytes)
	}
	number := func(b []byte) bool { return len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) }
	switch {
	case number(raw):
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, verifiers.Invalidf("reference", "%v", err)
		}
		return []string{n.String()}, nil
	case len(raw) > 0 && raw[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, verifiers.Invalidf("reference", "want a list of strings or numbers: %v", err)
		}
		if len(items) == 0 {
			return nil, verifiers.Invalidf("reference", "list is empty")
		}
		out := make([]string, len(items))
		for i, it := range items {
			it = bytes.TrimSpace(it)
			var err error
			if number(it) {
				var n json.Number
				err = json.Unmarshal(it, &n)
				out[i] = n.String()
			} else {
				err = json.Unmarshal(it, &out[i])
			}
			if err != nil {
				return nil, verifiers.Invalidf(fmt.Sprintf("reference[%d]", i), "want a string or a number: %v", err)
			}
		}
		return out, nil
	}
	return verifiers.StringOrList(raw, "reference", MaxReferenceBytes)
}

func tolRat(tol float64) *big.Rat {
	// The decimal the client wrote, not the float's binary value, which
	// for 1e-6 is a hair under 10⁻⁶ and made the documented "<=" bound
	// exclusive: 0.333333 against 1/3 is off by exactly 10⁻⁶ of it.
	if r, ok := new(big.Rat).SetString(strconv.FormatFloat(tol, 'g', -1, 64)); ok {
		return r
	}
	return new(big.Rat).SetFloat64(tol)
}

// prepareRef parses one reference answer.
func (t *task) prepareRef(s, field string) (ref, error) {
	if len(s) > 4096 {
		return ref{}, verifiers.Invalidf(field, "is %d bytes, over the limit of 4096", len(s))
	}
	norm := normalizeLatex(s)
	if norm == "" {
		return ref{}, verifiers.Invalidf(field, "is empty after normalization")
	}
	r := ref{raw: s, text: normalizeText(norm)}
	if t.mode == "string" {
		r.tree = &node{k: kText, name: r.text}
		r.norm = r.text
		return r, nil
	}
	tree, err := parseAnswerTree(norm)
	if err != nil || tree.k == kText {
		if n, ok := numberWordsNode(r.text); ok {
			tree, err = n, nil
		}
	}
	switch {
	case err != nil && t.mode == "auto":
		tree = &node{k: kText, name: r.text}
	case err != nil:
		return ref{}, verifiers.Invalidf(field, "cannot parse %q as math: %v", s, err)
	case t.mode == "numeric" && (!isScalar(tree) || len(freeVars(tree, nil)) > 0):
		return ref{}, verifiers.Invalidf(field, "numeric mode needs a number, got %q", s)
	case t.mode == "math" && tree.k == kText:
		return ref{}, verifiers.Invalidf(field, "math mode needs math, got text %q", s)
	}
	r.tree = tree
	r.norm = tree.String()
	if tree.k == kText {
		r.norm = r.text
	}
	return r, nil
}

// parseAnswerTree decides text or math and parses; words become a kText node.
func parseAnswerTree(norm string) (*node, error) {
	if isTextLike(norm) {
		return &node{k: kText, name: normalizeText(norm)}, nil
	}
	tree, err := parseMath(norm)
	if err != nil {
		return nil, err
	}
	return fold(tree), nil
}

func isPlainNumber(n *node) bool {
	if n.k == kNeg {
		n = n.args[0]
	}
	if n.k == kPercent {
		n = n.args[0] // 50\%: a number too, which "is 50%." may answer
	}
	return n.k == kNum
}

// allLetters reports a reference of option letters only: "C", "(B)".
func allLetters(raws []string) bool {
	o := &choiceOptions{}
	for _, s := range raws {
		t := strings.TrimSpace(unwrapCommands(latexReplacer.Replace(s)))
		if strings.ToLower(t) == t {
			return false
		}
		if _, ok := o.letterOf(t); ok {
			continue
		}
		// MATH's AMC references: "\text{(C)}\ 12" is option C.
		if _, _, ok := o.leadingLetter(t); !ok || t[0] != '(' {
			return false
		}
	}
	return true
}

func (t *task) prepareChoice(raws, choices []string) error {
	o := &choiceOptions{n: len(choices), cmp: t.cmp}
	for _, c := range choices {
		norm := normalizeLatex(c)
		o.texts = append(o.texts, normalizeText(norm))
		var tree *node
		if !isTextLike(norm) {
			if tr, err := parseMath(norm); err == nil {
				tree = fold(tr)
			}
		}
		o.trees = append(o.trees, tree)
	}
	t.choices = o
	for i, s := range raws {
		field := "reference"
		if len(raws) > 1 {
			field = fmt.Sprintf("reference[%d]", i)
		}
		ls := o.parse(s)
		if len(ls) != 1 {
			return verifiers.Invalidf(field, "choice mode needs an option letter (A-%s) or an option's text, got %q", letterName(max(o.n, 10)-1), s)
		}
		t.refs = append(t.refs, ref{raw: s, norm: letterName(ls[0]), letter: ls[0]})
	}
	return nil
}

// choiceLine matches a whole last line that names one option in words. It
// is anchored and RE2, so it is linear in the (bounded) line; it is compiled
// on first use, not at program start.
var choiceLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?i:(?:so|thus|therefore|hence)?,?\s*(?:i (?:choose|pick|select|go with)|i'd (?:choose|pick|go with)|the (?:correct |right |best )?(?:option|choice) is|(?:option|choice)))\s*\(?([A-J])\)?(?i:\s*is (?:correct|right|the answer))?\s*[.!]?$`)
})

// details are the result's explanation; every key is always present.
type details struct {
	// Extracted is the final answer as found in the response.
	Extracted string `json:"extracted"`
	// Extractor names how it was found: boxed, answer_tag, ...
	Extractor string `json:"extractor"`
	// Candidates counts the answers found (more than one distinct is a hedge).
	Candidates int `json:"candidates"`
	// Normalized is the answer's canonical form.
	Normalized string `json:"normalized"`
	// ReferenceNormalized is the canonical form of the reference it was compared to.
	ReferenceNormalized string `json:"reference_normalized"`
	// Rule is the comparison that decided.
	Rule string `json:"rule"`
	// Reason says why the score is 0 ("" when correct).
	Reason string `json:"reason"`
}

// answer is one extracted answer, parsed.
type answer struct {
	tree  *node
	norm  string // canonical form for details and de-duplication
	latex string // the normalized spelling the parser read
	text  string // whole-answer text form, set for text answers
}

// textForm returns the whole-answer text form, computing it for math
// answers only when a text comparison needs it.
func (a answer) textForm() string {
	if a.tree.k == kText {
		return a.text
	}
	return normalizeText(a.latex)
}

func (t *task) parseAnswer(s string) answer {
	norm := normalizeLatex(s)
	textAnswer := func() answer {
		text := normalizeText(norm)
		return answer{tree: &node{k: kText, name: text}, norm: clip(text), latex: norm, text: text}
	}
	if len(norm) > maxAnswerBytes || t.mode == "string" {
		return textAnswer()
	}
	tree, err := parseAnswerTree(norm)
	if err != nil || tree.k == kText {
		if n, ok := numberWordsNode(normalizeText(norm)); ok {
			return answer{tree: n, norm: n.String(), latex: norm}
		}
		return textAnswer()
	}
	return answer{tree: tree, norm: tree.String(), latex: norm}
}

// compare compares an answer to a reference, falling back to the text form
// when one side is text and the other math (\text{Devon} against Devon).
func (t *task) compare(c *comparer, a answer, r ref) verdict {
	if a.tree.k == kText || r.tree.k == kText {
		if sameText(a.textForm(), r.text) {
			return yes(ruleText)
		}
		return no(ruleText, "text differs")
	}
	if t.mode == "numeric" && (!isScalar(a.tree) || len(freeVars(a.tree, nil)) > 0) {
		if v := assignedValue(a.tree); v != nil && isScalar(v) {
			return c.scalar(v, r.tree).withRule(ruleAssign)
		}
		return no(ruleNumeric, "numeric mode needs a number")
	}
	return c.equal(a.tree, r.tree)
}

// Score implements verifiers.Task.
func (t *task) Score(_ context.Context, in verifiers.Input) (verifiers.Result, error) {
	var d details
	if len(in.Response) > MaxResponseBytes {
		d.Rule, d.Reason = ruleExtract, fmt.Sprintf("response is %d bytes, over the limit of %d", len(in.Response), MaxResponseBytes)
		return result(0, d)
	}
	sc := newScanner(in.Response, in.Prompt)
	if t.mode == "choice" {
		return t.scoreChoice(sc)
	}
	cands, hedge := sc.extract(t.extract, t.re, t.allowLast)
	d.Candidates = countCandidates(cands)
	if len(cands) == 0 {
		d.Rule, d.Reason = ruleExtract, "no answer found"
		return result(0, d)
	}
	cands, last := splitLast(cands)
	d.Extracted, d.Extractor = clip(strings.TrimSpace(last.text)), last.source
	if sc.overflow {
		d.Rule, d.Reason = ruleHedge, fmt.Sprintf("more than %d different answers", maxCandidates)
		return result(0, d)
	}
	if hedge {
		d.Rule, d.Reason = ruleHedge, "the final sentence offers several values"
		return result(0, d)
	}
	// Each Score works on its own copy of the comparer, with its own
	// budget of comparisons.
	cmp := *t.cmp
	cmp.budget = maxCompareWork
	ans := t.parseAnswer(last.text)
	d.Normalized = clip(ans.norm)
	// Hedge rule: every extracted answer must say the same thing.
	seen := map[string]bool{ans.norm: true}
	for _, c := range cands {
		other := t.parseAnswer(c.text)
		if seen[other.norm] {
			continue
		}
		seen[other.norm] = true
		if v := t.compareAnswers(&cmp, other, ans); !v.ok {
			if joined, ok := t.partsOfOneAnswer(cands, last); ok {
				// "The roots are \boxed{3} and \boxed{-4}" for the
				// reference "3, -4": the boxes together are one answer,
				// compared as a whole, so an extra box is a wrong
				// answer, never a free guess.
				ans = t.parseAnswer(joined)
				d.Extracted, d.Normalized = clip(joined), clip(ans.norm)
				break
			}
			d.Rule = ruleHedge
			d.Reason = fmt.Sprintf("%d different final answers (%s and %s)", len(cands)+1, clipN(other.norm, 40), clipN(ans.norm, 40))
			return result(0, d)
		}
	}
	var first verdict
	for i, r := range t.refs {
		v := t.compare(&cmp, ans, r)
		if i == 0 || v.ok {
			first = v
			d.ReferenceNormalized = clip(r.norm)
		}
		if v.ok {
			break
		}
	}
	d.Rule, d.Reason = first.rule, first.reason
	if first.hedge {
		d.Rule = ruleHedge
	}
	if first.ok {
		return result(1, d)
	}
	if d.Reason == "" {
		d.Reason = "not equal"
	}
	return result(0, d)
}

// partsOfOneAnswer joins the boxes of a response, in order, into one list
// when every reference has several values (a list, set or tuple) and every
// answer found is a box of one value.
func (t *task) partsOfOneAnswer(others []candidate, last candidate) (string, bool) {
	for _, r := range t.refs {
		if r.tree == nil || (r.tree.k != kList && r.tree.k != kSet && r.tree.k != kTuple) {
			return "", false
		}
	}
	all := append(append(make([]candidate, 0, len(others)+1), others...), last)
	sortCandidates(all)
	parts := make([]string, len(all))
	for i, c := range all {
		if c.source != exBoxed || strings.ContainsAny(c.text, ",;") {
			return "", false
		}
		parts[i] = strings.TrimSpace(c.text)
	}
	return strings.Join(parts, ", "), true
}

// compareAnswers checks two extracted answers for the hedge rule.
func (t *task) compareAnswers(c *comparer, a, b answer) verdict {
	if a.tree.k == kText || b.tree.k == kText {
		if sameText(a.textForm(), b.textForm()) {
			return yes(ruleText)
		}
		return no(ruleText, "text differs")
	}
	return c.equal(a.tree, b.tree)
}

// scoreChoice scores a multiple-choice response.
func (t *task) scoreChoice(sc *scanner) (verifiers.Result, error) {
	var d details
	d.ReferenceNormalized = t.refs[0].norm
	cands, _ := sc.extract(t.extract, t.re, false)
	if len(cands) == 0 && t.extract == exAuto {
		if c, ok := sc.lastLine(); ok {
			// A bare last line counts only when it is a letter form, never
			// a sentence that starts with the article "A".
			// An echoed option line such as "D) 4" is not a choice either.
			// $\textbf{(C)}$ is the letter (C), as AoPS solutions end.
			plain := strings.Trim(strings.TrimSpace(unwrapCommands(latexReplacer.Replace(c.text))), "*_ .")
			bold := strings.Contains(c.text, `\textbf{(`) || strings.Contains(c.text, `\text{(`)
			if _, ok := t.choices.letterOf(plain); ok {
				cands = []candidate{c}
			} else if m := choiceLine().FindStringSubmatch(c.text); m != nil {
				// "I choose C.", "Therefore, the correct option is (B)."
				c.text = m[1]
				cands = []candidate{c}
			} else if l, _, ok := t.choices.leadingLetter(plain); ok && (bold || strings.TrimSpace(sc.resp[:c.pos]) == "") &&
				optionMarkers(plain) < 2 {
				// A whole response of one line "B. Paris" answers B, as
				// MMLU-style models reply, and so does a last line in
				// AoPS's bold form "$\textbf{(C) }12$"; after reasoning,
				// a plain "D) 4" may be an option echoed from the prompt.
				c.text = letterName(l)
				cands = []candidate{c}
			}
		}
	}
	d.Candidates = countCandidates(cands)
	d.Rule = ruleChoice
	if len(cands) == 0 {
		d.Rule, d.Reason = ruleExtract, "no answer found"
		return result(0, d)
	}
	_, last := splitLast(cands)
	if sc.overflow {
		d.Extracted, d.Extractor = clip(strings.TrimSpace(last.text)), last.source
		d.Rule, d.Reason = ruleHedge, fmt.Sprintf("more than %d different answers", maxCandidates)
		return result(0, d)
	}
	d.Extracted, d.Extractor = clip(strings.TrimSpace(last.text)), last.source
	var letters []int
	for _, c := range cands {
		for _, l := range t.choices.parse(c.text) {
			letters = appendUnique(letters, l)
		}
	}
	switch {
	case len(letters) == 0:
		d.Reason = "the answer is not an option letter or an option's text"
		return result(0, d)
	case len(letters) > 1:
		names := make([]string, len(letters))
		for i, l := range letters {
			names[i] = letterName(l)
		}
		d.Normalized = strings.Join(names, ", ")
		d.Rule, d.Reason = ruleHedge, "several different options chosen"
		return result(0, d)
	}
	d.Normalized = letterName(letters[0])
	for _, r := range t.refs {
		if r.letter == letters[0] {
			d.ReferenceNormalized = r.norm
			return result(1, d)
		}
	}
	d.Reason = "a different option"
	return result(0, d)
}

// countCandidates counts every answer found, repeats included.
func countCandidates(cs []candidate) int {
	n := 0
	for _, c := range cs {
		n += 1 + c.repeats
	}
	return n
}

// splitLast returns the answer written last (the one details report) and
// the others.
func splitLast(cs []candidate) ([]candidate, candidate) {
	li := 0
	for i, c := range cs {
		if c.pos >= cs[li].pos {
			li = i
		}
	}
	others := make([]candidate, 0, len(cs)-1)
	others = append(others, cs[:li]...)
	others = append(others, cs[li+1:]...)
	return others, cs[li]
}

func result(score float64, d details) (verifiers.Result, error) {
	size := 128 + len(d.Extracted) + len(d.Extractor) + len(d.Normalized) + len(d.ReferenceNormalized) + len(d.Rule) + len(d.Reason)
	return verifiers.Result{Score: score, Details: d.appendJSON(make([]byte, 0, size))}, nil
}

// appendJSON encodes d as encoding/json would, without HTML escaping: by
// hand, since it runs for every rollout and reflection cost a tenth of a
// verify.
func (d *details) appendJSON(b []byte) []byte {
	b = append(b, `{"extracted":`...)
	b = verifiers.AppendJSONString(b, d.Extracted)
	b = append(b, `,"extractor":`...)
	b = verifiers.AppendJSONString(b, d.Extractor)
	b = append(b, `,"candidates":`...)
	b = strconv.AppendInt(b, int64(d.Candidates), 10)
	b = append(b, `,"normalized":`...)
	b = verifiers.AppendJSONString(b, d.Normalized)
	b = append(b, `,"reference_normalized":`...)
	b = verifiers.AppendJSONString(b, d.ReferenceNormalized)
	b = append(b, `,"rule":`...)
	b = verifiers.AppendJSONString(b, d.Rule)
	b = append(b, `,"reason":`...)
	b = verifiers.AppendJSONString(b, d.Reason)
	return append(b, '}')
}

func clip(s string) string { return clipN(s, maxEcho) }

// clipN cuts s to at most n bytes on a rune boundary, marking the cut.
func clipN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
