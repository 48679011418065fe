package citation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/citation"
	"github.com/referee/referee/verifiers/verifiertest"
)

func TestCases(t *testing.T) {
	verifiertest.Run(t, newVerifier(t), verifiertest.Load(t, "testdata"))
}

func TestExamples(t *testing.T) {
	v := newVerifier(t)
	for _, ex := range v.Spec().Examples {
		task, err := v.Prepare(ex.Reference, ex.Params)
		if err != nil {
			t.Fatalf("%s: %v", ex.Name, err)
		}
		res, err := task.Score(context.Background(), verifiers.Input{Prompt: ex.Prompt, Response: ex.Response})
		if err != nil || res.Score != ex.Score {
			t.Errorf("%s: score %v, err %v; want %v\n%s", ex.Name, res.Score, err, ex.Score, res.Details)
		}
	}
}

func TestSpec(t *testing.T) {
	v := newVerifier(t)
	s := v.Spec()
	if s.Name != "citation" || s.Version != "2+snapshot."+strings.TrimPrefix(v.SnapshotID(), "sha256:") || s.ReadsPrompt {
		t.Errorf("spec = %+v", s)
	}
	for name, raw := range map[string][]byte{"reference": s.ReferenceSchema, "params": s.ParamsSchema} {
		var schema map[string]any
		if err := json.Unmarshal(raw, &schema); err != nil {
			t.Errorf("%s schema is not JSON: %v", name, err)
		}
	}
	if v.SnapshotID() == "" || v.Check(context.Background()) != nil {
		t.Errorf("snapshot id %q, check %v", v.SnapshotID(), v.Check(context.Background()))
	}
}

// TestDeterministicDetails: the same answer gives byte-identical details.
func TestDeterministicDetails(t *testing.T) {
	v := newVerifier(t)
	task, err := v.Prepare(json.RawMessage(`{"required":["who.int","nasa.gov"]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := task.Score(context.Background(), verifiers.Input{Response: typicalAnswer})
	for range 20 {
		again, _ := task.Score(context.Background(), verifiers.Input{Response: typicalAnswer})
		if string(again.Details) != string(first.Details) || again.Score != first.Score {
			t.Fatalf("details differ:\n%s\n%s", first.Details, again.Details)
		}
	}
}

func TestTooManyCitationsScoreZero(t *testing.T) {
	v := newVerifier(t)
	task, err := v.Prepare(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range citation.MaxCitations + 1 {
		fmt.Fprintf(&b, "The Eiffel Tower is 330 metres tall (https://en.wikipedia.org/wiki/Eiffel_Tower?i=%d).\n", i)
	}
	res, err := task.Score(context.Background(), verifiers.Input{Response: b.String()})
	if err != nil || res.Score != 0 || !strings.Contains(string(res.Details), `"truncated":true`) {
		t.Errorf("score %v, err %v, details %.200s", res.Score, err, res.Details)
	}
}
