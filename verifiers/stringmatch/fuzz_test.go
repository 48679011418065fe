package stringmatch_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/stringmatch"
	"github.com/referee/referee/verifiers/verifiertest"
)

func FuzzScore(f *testing.F) {
	verifiertest.Seed(f, verifiertest.Load(f, "testdata"))
	v := stringmatch.New()
	var tasks []verifiers.Task
	for _, mode := range []string{"exact", "casefold", "normalized", "contains"} {
		task, err := v.Prepare(json.RawMessage(`["New York","42"]`), json.RawMessage(`{"mode":"`+mode+`"}`))
		if err != nil {
			f.Fatal(err)
		}
		tasks = append(tasks, task)
	}
	f.Fuzz(func(t *testing.T, response string) {
		for _, task := range tasks {
			res, err := task.Score(context.Background(), verifiers.Input{Response: response})
			if err != nil {
				t.Fatal(err)
			}
			verifiertest.CheckResult(t, res)
		}
	})
}
