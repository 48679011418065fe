package exact_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/exact"
	"github.com/referee/referee/verifiers/verifiertest"
)

// FuzzScore feeds arbitrary responses to tasks of every mode: no panic, a
// score in [0,1] and valid details, whatever the model writes.
func FuzzScore(f *testing.F) {
	verifiertest.Seed(f, verifiertest.Load(f, "testdata"))
	v := exact.New()
	var tasks []verifiers.Task
	for _, c := range []struct{ ref, params string }{
		{`"\\frac{3}{4}"`, `{}`},
		{`"x^2+2x+1"`, `{}`},
		{`["(1,2]", "\\{1, 2\\}"]`, `{}`},
		{`"18"`, `{"mode":"numeric"}`},
		{`"C"`, `{"choices":["1","2","\\sqrt{2}","none of these"]}`},
		{`"Monday"`, `{"mode":"string"}`},
		{`"y = 2x + 1"`, `{"extract":"final_answer_phrase"}`},
	} {
		task, err := v.Prepare(json.RawMessage(c.ref), json.RawMessage(c.params))
		if err != nil {
			f.Fatal(err)
		}
		tasks = append(tasks, task)
	}
	f.Fuzz(func(t *testing.T, response string) {
		for _, task := range tasks {
			res, err := task.Score(context.Background(), verifiers.Input{Prompt: "Compute it. Put the answer in \\boxed{}.", Response: response})
			if err != nil {
				t.Fatal(err)
			}
			verifiertest.CheckResult(t, res)
		}
	})
}

// FuzzReference feeds arbitrary references: Prepare either accepts them or
// returns an *InvalidError, and a prepared task scores its own reference
// boxed as correct or at least without failing.
func FuzzReference(f *testing.F) {
	for _, c := range verifiertest.Load(f, "testdata") {
		if s, ok := c.Reference.(string); ok {
			f.Add(s)
		}
	}
	v := exact.New()
	f.Fuzz(func(t *testing.T, reference string) {
		raw, _ := json.Marshal(reference)
		task, err := v.Prepare(raw, nil)
		if err != nil {
			if _, ok := verifiers.AsInvalid(err); !ok {
				t.Fatalf("Prepare(%q): %v is not an InvalidError", reference, err)
			}
			return
		}
		res, err := task.Score(context.Background(), verifiers.Input{Response: "\\boxed{" + reference + "}"})
		if err != nil {
			t.Fatal(err)
		}
		verifiertest.CheckResult(t, res)
	})
}
