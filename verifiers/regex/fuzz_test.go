package regex_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/regex"
	"github.com/referee/referee/verifiers/verifiertest"
)

func FuzzScore(f *testing.F) {
	verifiertest.Seed(f, verifiertest.Load(f, "testdata"))
	v := regex.New()
	var tasks []verifiers.Task
	for _, mode := range []string{`(?s)<think>.+</think>`, `^\\d+$`} {
		task, err := v.Prepare(json.RawMessage(`null`), json.RawMessage(`{"pattern":"`+mode+`"}`))
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
