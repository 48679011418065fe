package exact_test

import (
	"context"
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
	v := exact.New()
	for _, ex := range v.Spec().Examples {
		task, err := v.Prepare(ex.Reference, ex.Params)
		if err != nil {
			t.Fatalf("%s: %v", ex.Name, err)
		}
		res, err := task.Score(context.Background(), verifiers.Input{Prompt: ex.Prompt, Response: ex.Response})
		if err != nil || res.Score != ex.Score {
			t.Errorf("%s: score %v, err %v; want %v (%s)", ex.Name, res.Score, err, ex.Score, res.Details)
		}
	}
}
