package iso20022_test

import (
	"context"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/iso20022"
	"github.com/referee/referee/verifiers/verifiertest"
)

func TestCases(t *testing.T) {
	verifiertest.Run(t, iso20022.New(), verifiertest.Load(t, "testdata/cases"))
}

func TestExamples(t *testing.T) {
	v := iso20022.New()
	for _, ex := range v.Spec().Examples {
		task, err := v.Prepare(ex.Reference, ex.Params)
		if err != nil {
			t.Fatalf("%s: %v", ex.Name, err)
		}
		res, err := task.Score(context.Background(), verifiers.Input{Prompt: ex.Prompt, Response: ex.Response})
		if err != nil || res.Score != ex.Score {
			t.Errorf("%s: score %v, err %v; want %v", ex.Name, res.Score, err, ex.Score)
		}
	}
}
