package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/referee/referee/verifiers"
)

// Names of the verifiers behind the OpenAI grader types. They are ordinary
// registered verifiers, so grader runs go through the one scoring flow (cache,
// de-duplication, deadlines) and are usable from /v1/score as well.
const (
	StringCheckVerifier    = "openai_string_check"
	TextSimilarityVerifier = "openai_text_similarity"
)

// maxReferenceBytes bounds a grader's rendered reference.
const maxReferenceBytes = 1 << 20

// Verifiers returns the verifiers the grader endpoints need. Register them in
// the server's registry.
func Verifiers() []verifiers.Verifier {
	return []verifiers.Verifier{stringCheck{}, textSimilarity{}}
}

// stringCheck is the OpenAI string_check grader as a verifier: the response
// (the rendered input) compared with the reference by an operation.
type stringCheck struct{}

var _ verifiers.Verifier = stringCheck{}

func (stringCheck) Spec() verifiers.Spec {
	return verifiers.Spec{
		Name:            StringCheckVerifier,
		Version:         "1",
		Description:     "OpenAI string_check grader: eq (equal), ne (not equal), like (the response contains the reference), ilike (contains, ignoring case). Scores 1 or 0.",
		ReferenceSchema: json.RawMessage(`{"type":"string"}`),
		ParamsSchema:    json.RawMessage(`{"type":"object","properties":{"operation":{"enum":["eq","ne","like","ilike"]}},"required":["operation"],"additionalProperties":false}`),
		Examples: []verifiers.Example{
			{Name: "eq", Response: "Paris", Reference: json.RawMessage(`"Paris"`), Params: json.RawMessage(`{"operation":"eq"}`), Score: 1},
			{Name: "ilike", Response: "The answer is PARIS.", Reference: json.RawMessage(`"paris"`), Params: json.RawMessage(`{"operation":"ilike"}`), Score: 1},
		},
	}
}

type stringCheckTask struct {
	op, ref string
}

func (stringCheck) Prepare(reference, rawParams json.RawMessage) (verifiers.Task, error) {
	var p struct {
		Operation string `json:"operation"`
	}
	if err := verifiers.DecodeParams(rawParams, &p); err != nil {
		return nil, err
	}
	if !slices.Contains([]string{"eq", "ne", "like", "ilike"}, p.Operation) {
		return nil, verifiers.Invalidf("params.operation", "want eq, ne, like or ilike, got %q", p.Operation)
	}
	ref, err := stringReference(reference)
	if err != nil {
		return nil, err
	}
	if p.Operation == "ilike" {
		ref = strings.ToLower(ref)
	}
	return &stringCheckTask{op: p.Operation, ref: ref}, nil
}

// stringReference decodes a reference that must be one string.
func stringReference(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", verifiers.Invalidf("reference", "is required: a string")
	}
	if len(raw) > maxReferenceBytes {
		return "", verifiers.Invalidf("reference", "is %d bytes, over the limit of %d", len(raw), maxReferenceBytes)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", verifiers.Invalidf("reference", "want a string")
	}
	return s, nil
}

// Quick implements verifiers.Quick: comparisons are linear, with no I/O.
func (*stringCheckTask) Quick() {}

func (t *stringCheckTask) Score(_ context.Context, in verifiers.Input) (verifiers.Result, error) {
	var ok bool
	switch t.op {
	case "eq":
		ok = in.Response == t.ref
	case "ne":
		ok = in.Response != t.ref
	case "like":
		ok = strings.Contains(in.Response, t.ref)
	case "ilike":
		ok = strings.Contains(strings.ToLower(in.Response), t.ref)
	}
	score := 0.0
	if ok {
		score = 1
	}
	return verifiers.Result{Score: score, Details: json.RawMessage(`{"operation":"` + t.op + `","passed":` + strconv.FormatBool(ok) + `}`)}, nil
}

// textSimilarity is the OpenAI text_similarity grader as a verifier.
type textSimilarity struct{}

var _ verifiers.Verifier = textSimilarity{}

func (textSimilarity) Spec() verifiers.Spec {
	enum, _ := json.Marshal(Metrics)
	return verifiers.Spec{
		Name:    TextSimilarityVerifier,
		Version: "1",
		Description: "OpenAI text_similarity grader: fuzzy_match (rapidfuzz ratio), bleu (sacrebleu sentence BLEU), gleu, meteor (exact matches), rouge_1..rouge_5 and rouge_l (F1), in [0,1]. " +
			"cosine needs an embedding model and is declined.",
		ReferenceSchema: json.RawMessage(`{"type":"string"}`),
		ParamsSchema:    json.RawMessage(`{"type":"object","properties":{"evaluation_metric":{"enum":` + string(enum) + `}},"required":["evaluation_metric"],"additionalProperties":false}`),
		Examples: []verifiers.Example{
			{Name: "fuzzy_match", Response: "kitten", Reference: json.RawMessage(`"sitting"`), Params: json.RawMessage(`{"evaluation_metric":"fuzzy_match"}`), Score: 8.0 / 13},
			{Name: "rouge_1", Response: "the cat sat", Reference: json.RawMessage(`"the cat sat"`), Params: json.RawMessage(`{"evaluation_metric":"rouge_1"}`), Score: 1},
		},
	}
}

type textSimilarityTask struct {
	metric, ref string
}

func (textSimilarity) Prepare(reference, rawParams json.RawMessage) (verifiers.Task, error) {
	var p struct {
		Metric string `json:"evaluation_metric"`
	}
	if err := verifiers.DecodeParams(rawParams, &p); err != nil {
		return nil, err
	}
	if err := checkMetric(p.Metric); err != nil {
		return nil, verifiers.Invalidf("params.evaluation_metric", "%s", err.Error())
	}
	ref, err := stringReference(reference)
	if err != nil {
		return nil, err
	}
	return &textSimilarityTask{metric: p.Metric, ref: ref}, nil
}

func (t *textSimilarityTask) Score(_ context.Context, in verifiers.Input) (verifiers.Result, error) {
	return verifiers.Result{Score: similarity(t.metric, in.Response, t.ref), Details: json.RawMessage(`{"evaluation_metric":"` + t.metric + `"}`)}, nil
}
