// Package regex is the regex verifier: a format reward that scores 1 when
// the response matches an RE2 pattern.
package regex

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/referee/referee/verifiers"
)

// MaxPatternBytes bounds a pattern's length; RE2 matching is linear in the
// input, so the pattern size is the only other cost to bound.
const MaxPatternBytes = 4096

// Verifier is the regex verifier.
type Verifier struct{}

// New returns the regex verifier.
func New() *Verifier { return &Verifier{} }

var _ verifiers.Verifier = (*Verifier)(nil)

// Spec implements verifiers.Verifier.
func (*Verifier) Spec() verifiers.Spec {
	return verifiers.Spec{
		Name:            "regex",
		Version:         "1",
		Description:     "Format reward: 1 when the response matches params.pattern (RE2 syntax; full_match anchors it to the whole response), else 0. No reference is needed.",
		ReferenceSchema: json.RawMessage(`{}`),
		ParamsSchema:    json.RawMessage(`{"type":"object","required":["pattern"],"properties":{"pattern":{"type":"string","maxLength":4096,"description":"RE2 pattern"},"full_match":{"type":"boolean","default":false}},"additionalProperties":false}`),
		Examples: []verifiers.Example{{
			Name:     "think-answer format",
			Response: "<think>2+2 is 4</think><answer>4</answer>",
			Params:   json.RawMessage(`{"pattern":"(?s)<think>.+</think>\\s*<answer>.+</answer>","full_match":true}`),
			Score:    1,
		}},
	}
}

type params struct {
	Pattern   *string `json:"pattern"`
	FullMatch bool    `json:"full_match"`
}

type task struct {
	re *regexp.Regexp
}

// Prepare implements verifiers.Verifier. The reference is ignored.
func (*Verifier) Prepare(_, rawParams json.RawMessage) (verifiers.Task, error) {
	var p params
	if err := verifiers.DecodeParams(rawParams, &p); err != nil {
		return nil, err
	}
	if p.Pattern == nil {
		return nil, verifiers.Invalidf("params.pattern", "is required")
	}
	if len(*p.Pattern) > MaxPatternBytes {
		return nil, verifiers.Invalidf("params.pattern", "is %d bytes, over the limit of %d", len(*p.Pattern), MaxPatternBytes)
	}
	pat := *p.Pattern
	if p.FullMatch {
		pat = `\A(?:` + pat + `)\z`
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, verifiers.Invalidf("params.pattern", "%v", err)
	}
	return &task{re: re}, nil
}

type details struct {
	Matched bool   `json:"matched"`
	Match   string `json:"match,omitempty"`
}

var noMatch = json.RawMessage(`{"matched":false}`)

// maxEcho bounds how much of the match the details repeat.
const maxEcho = 200

// Score implements verifiers.Task.
func (t *task) Score(_ context.Context, in verifiers.Input) (verifiers.Result, error) {
	loc := t.re.FindStringIndex(in.Response)
	if loc == nil {
		return verifiers.Result{Score: 0, Details: noMatch}, nil
	}
	m := in.Response[loc[0]:loc[1]]
	if len(m) > maxEcho {
		m = strings.ToValidUTF8(m[:maxEcho], "")
	}
	b, _ := json.Marshal(details{Matched: true, Match: m})
	return verifiers.Result{Score: 1, Details: b}, nil
}
