// Package stringmatch is the string_match verifier: the response equals (or
// contains) one of the acceptable reference strings.
package stringmatch

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/referee/referee/verifiers"
)

// MaxReferenceBytes bounds the total size of the acceptable strings.
const MaxReferenceBytes = 1 << 20

// Verifier is the string_match verifier.
type Verifier struct{}

// New returns the string_match verifier.
func New() *Verifier { return &Verifier{} }

var _ verifiers.Verifier = (*Verifier)(nil)

// Spec implements verifiers.Verifier.
func (*Verifier) Spec() verifiers.Spec {
	return verifiers.Spec{
		Name:            "string_match",
		Version:         "1",
		Description:     "Response equals one of the reference strings. Modes: exact (default), casefold, normalized (case, white space and punctuation ignored, NFKC), contains (a reference occurs in the response as whole words, after normalization).",
		ReferenceSchema: json.RawMessage(`{"oneOf":[{"type":"string"},{"type":"array","items":{"type":"string"},"minItems":1}]}`),
		ParamsSchema:    json.RawMessage(`{"type":"object","properties":{"mode":{"enum":["exact","casefold","normalized","contains"],"default":"exact"}},"additionalProperties":false}`),
		Examples: []verifiers.Example{
			{Name: "exact", Response: "Paris", Reference: json.RawMessage(`"Paris"`), Score: 1},
			{Name: "normalized", Response: "  the eiffel-tower! ", Reference: json.RawMessage(`["The Eiffel Tower"]`), Params: json.RawMessage(`{"mode":"normalized"}`), Score: 1},
		},
	}
}

type params struct {
	Mode string `json:"mode"`
}

type task struct {
	mode string
	refs []string // already transformed for the mode
	// Details are built once per task: Score runs for every rollout, and
	// a group's rollouts share one task.
	matched []json.RawMessage // by reference index, for the first few
	noMatch json.RawMessage
}

// matchedDetails is how many references get their details built ahead.
const matchedDetails = 8

func matchedJSON(mode string, i int) json.RawMessage {
	d := make([]byte, 0, 40)
	d = append(d, `{"mode":"`...)
	d = append(d, mode...)
	d = append(d, `","matched":`...)
	d = strconv.AppendInt(d, int64(i), 10)
	return append(d, '}')
}

// Prepare implements verifiers.Verifier.
func (*Verifier) Prepare(reference, rawParams json.RawMessage) (verifiers.Task, error) {
	var p params
	if err := verifiers.DecodeParams(rawParams, &p); err != nil {
		return nil, err
	}
	switch p.Mode {
	case "":
		p.Mode = "exact"
	case "exact", "casefold", "normalized", "contains":
	default:
		return nil, verifiers.Invalidf("params.mode", "unknown mode %q (want exact, casefold, normalized or contains)", p.Mode)
	}
	refs, err := verifiers.StringOrList(reference, "reference", MaxReferenceBytes)
	if err != nil {
		return nil, err
	}
	t := &task{mode: p.Mode, refs: make([]string, len(refs))}
	for i, r := range refs {
		t.refs[i] = t.transform(r)
	}
	for i := range min(len(refs), matchedDetails) {
		t.matched = append(t.matched, matchedJSON(p.Mode, i))
	}
	t.noMatch = json.RawMessage(`{"mode":"` + p.Mode + `","matched":null,"reason":"no reference matched"}`)
	if p.Mode == "contains" {
		for i, r := range t.refs {
			if r == "" {
				return nil, verifiers.Invalidf("reference", "item %d is empty after normalization; contains mode needs text", i)
			}
		}
	}
	if p.Mode != "contains" && len(t.refs) <= quickRefs {
		return quickTask{t}, nil
	}
	return t, nil
}

// quickRefs is the most acceptable strings a task may have and still run
// inline. Comparing for equality is linear in the response and stops at
// the first difference; contains mode, or thousands of references, can be
// made slow by the client and goes through the engine's deadline instead.
const quickRefs = 64

// quickTask is a task cheap enough to run inline (verifiers.Quick).
type quickTask struct{ *task }

// Quick implements verifiers.Quick.
func (quickTask) Quick() {}

func (t *task) transform(s string) string {
	switch t.mode {
	case "casefold":
		return strings.ToLower(s)
	case "normalized", "contains":
		return normalize(s)
	}
	return s
}

// Score implements verifiers.Task.
func (t *task) Score(_ context.Context, in verifiers.Input) (verifiers.Result, error) {
	got := t.transform(in.Response)
	for i, r := range t.refs {
		var ok bool
		if t.mode == "contains" {
			ok = containsWords(got, r)
		} else {
			ok = got == r
		}
		if ok {
			if i < len(t.matched) {
				return verifiers.Result{Score: 1, Details: t.matched[i]}, nil
			}
			return verifiers.Result{Score: 1, Details: matchedJSON(t.mode, i)}, nil
		}
	}
	return verifiers.Result{Score: 0, Details: t.noMatch}, nil
}

// normalize applies NFKC, lowercases, turns punctuation and symbols into
// spaces and collapses white space, so "The  Eiffel-Tower!" is "the eiffel tower".
func normalize(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := true // drop leading spaces
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// containsWords reports whether needle occurs in hay on word boundaries;
// both are normalized, so words are separated by single spaces.
func containsWords(hay, needle string) bool {
	for i := 0; ; {
		j := strings.Index(hay[i:], needle)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(needle)
		if (start == 0 || hay[start-1] == ' ') && (end == len(hay) || hay[end] == ' ') {
			return true
		}
		i = start + 1
	}
}
