package citation_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/referee/referee/verifiers"
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
	if s.Name != "citation" || s.Version == "" || s.ReadsPrompt {
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
