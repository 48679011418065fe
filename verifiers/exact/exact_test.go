package exact_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/exact"
	"github.com/referee/referee/verifiers/verifiertest"
)

// TestCases runs every case in testdata/: the specification by example.
func TestCases(t *testing.T) {
	verifiertest.Run(t, exact.New(), verifiertest.Load(t, "testdata"))
}

// TestExamples checks that the Spec's documented examples hold.
func TestExamples(t *testing.T) {
	verifiertest.Examples(t, exact.New())
}

// TestSharedTaskDeterministic scores a GRPO-like group concurrently on one
// prepared task: every result equals the sequential one, byte for byte.
func TestSharedTaskDeterministic(t *testing.T) {
	t.Parallel()
	task, err := exact.New().Prepare([]byte(`"x^2+2x+1"`), nil)
	if err != nil {
		t.Fatal(err)
	}
	responses := []string{
		`\boxed{(x+1)^2}`, `\boxed{x^2+2x+1}`, `\boxed{(x+1)(x-1)}`, `\boxed{1} \boxed{2}`,
		`The final answer is $x^2 + 2x + 1$.`, `no idea`, `\boxed{y^2+2y+1}`, `<answer>(1+x)^2</answer>`,
	}
	want := make([]verifiers.Result, len(responses))
	for i, r := range responses {
		if want[i], err = task.Score(context.Background(), verifiers.Input{Response: r}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 16)
	for g := 0; g < 16; g++ {
		go func() {
			for i, r := range responses {
				got, err := task.Score(context.Background(), verifiers.Input{Response: r})
				if err != nil || got.Score != want[i].Score || string(got.Details) != string(want[i].Details) {
					done <- fmt.Errorf("response %q: got %v %s, want %v %s (err %v)", r, got.Score, got.Details, want[i].Score, want[i].Details, err)
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 16; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestSpec checks the Spec's schemas are JSON and its identity is stable.
func TestSpec(t *testing.T) {
	t.Parallel()
	s := exact.New().Spec()
	if s.ID() != "exact_answer@2" || !s.ReadsPrompt {
		t.Errorf("spec %s reads_prompt=%v", s.ID(), s.ReadsPrompt)
	}
	for name, raw := range map[string][]byte{"reference": s.ReferenceSchema, "params": s.ParamsSchema} {
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Errorf("%s schema: %v", name, err)
		}
	}
}
