package citation_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/citation"
	"github.com/referee/referee/verifiers/verifiertest"
)

// FuzzExtract: extraction never panics, stays within its limits, and ties
// every citation to a sentence or marks it a sources-list entry.
func FuzzExtract(f *testing.F) {
	verifiertest.Seed(f, verifiertest.Load(f, "testdata"))
	f.Add("[a](http://x.org/(b)) [^1] [1-3] <https://y.org> www.z.org.\n[^1]: https://q.org \"t\"\n[1]: https://r.org")
	f.Add("> quoted passage here [1]\n\n## Sources\n1. https://a.org\n- https://b.org")
	f.Add("「引用された 文章 です」 https://例え.jp/パス。")
	f.Fuzz(func(t *testing.T, s string) {
		ex := citation.Extract(s)
		// Offsets refer to the answer with invalid UTF-8 replaced.
		s = strings.ToValidUTF8(s, "\uFFFD")
		if len(ex.Citations) > citation.MaxCitations {
			t.Fatalf("%d citations, over the limit", len(ex.Citations))
		}
		for _, c := range ex.Citations {
			if c.Sentence < -1 || c.Start < 0 || c.Start > len(s) {
				t.Fatalf("bad citation %+v", c)
			}
		}
	})
}

// FuzzScore: any answer scores in [0,1] with valid JSON details.
func FuzzScore(f *testing.F) {
	verifiertest.Seed(f, verifiertest.Load(f, "testdata"))
	v := newVerifier(f)
	var tasks []verifiers.Task
	for _, p := range []string{`{}`, `{"require_visited":true,"visited":["https://en.wikipedia.org/wiki/Eiffel_Tower"],"max_per_sentence":1}`} {
		task, err := v.Prepare(json.RawMessage(`{"required":["who.int"],"forbidden":["bad.example"],"min_citations":2}`), json.RawMessage(p))
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
