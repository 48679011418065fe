package citation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/citation"
)

func TestExtractSentencesAndKinds(t *testing.T) {
	t.Parallel()
	text := "Dr. Smith said the tower is 330 m tall [1]. It opened in 1889 ([site](https://b.org/x)).[^n] " +
		"See https://c.org/y, and <https://d.org/z>.\n\n[^n]: https://e.org/n\n\nSources:\n[1] https://a.org/p"
	ex := citation.Extract(text)
	want := []struct {
		url, kind string
		sentence  int
		claim     string
	}{
		{"https://a.org/p", "numbered", 0, "Dr. Smith said the tower is 330 m tall ."},
		{"https://b.org/x", "link", 1, "It opened in 1889 ( ).  "},
		{"https://e.org/n", "footnote", 1, ""},
		{"https://c.org/y", "bare", 2, ""},
		{"https://d.org/z", "link", 2, ""},
	}
	if len(ex.Citations) != len(want) {
		t.Fatalf("got %d citations: %+v", len(ex.Citations), ex.Citations)
	}
	for i, w := range want {
		c := ex.Citations[i]
		if c.URL != w.url || c.Kind != w.kind || c.Sentence != w.sentence {
			t.Errorf("citation %d = %+v, want %s %s in sentence %d", i, c, w.url, w.kind, w.sentence)
		}
	}
	if !strings.Contains(ex.Citations[0].Claim, "Dr. Smith said the tower is 330 m tall") {
		t.Errorf("abbreviation split the sentence: claim %q", ex.Citations[0].Claim)
	}
	if ex.Citations[1].Claim != ex.Citations[2].Claim {
		t.Errorf("the footnote after the full stop belongs to the second sentence: %q vs %q", ex.Citations[1].Claim, ex.Citations[2].Claim)
	}
}

func TestExtractQuotes(t *testing.T) {
	t.Parallel()
	ex := citation.Extract(`It says “first passage is long” and "second passage is long" [1], but [2] says «third passage is long».` +
		"\n\n[1]: https://a.org\n[2]: https://b.org")
	if len(ex.Citations) != 2 {
		t.Fatalf("citations: %+v", ex.Citations)
	}
	if q := ex.Citations[0].Quotes; len(q) != 2 || q[0] != "first passage is long" || q[1] != "second passage is long" {
		t.Errorf("[1] quotes = %q", q)
	}
	if q := ex.Citations[1].Quotes; len(q) != 1 || q[0] != "third passage is long" {
		t.Errorf("[2] quotes = %q", q)
	}
}

// TestExtractIsLinear feeds adversarial megabyte answers; each must be
// handled in well under a second (a quadratic step would take minutes).
func TestExtractIsLinear(t *testing.T) {
	mb := citation.MaxResponseBytes
	inputs := map[string]string{
		"open-brackets":   strings.Repeat("[", mb),
		"link-starts":     strings.Repeat("[a](", mb/4),
		"open-quotes":     strings.Repeat("“ab ", mb/6),
		"straight-quotes": strings.Repeat("\"a b c ", mb/7),
		"closing-parens":  "http://a.org/" + strings.Repeat(")", mb-20),
		"url-parens":      strings.Repeat("http://a.org/"+strings.Repeat(")", 4000)+" ", mb/4015),
		"dots":            strings.Repeat("a.", mb/2),
		"markers":         strings.Repeat("x [1] ", mb/6) + "\n\n[1]: https://a.org",
		"definitions":     strings.Repeat("[^a]: https://a.org\n", mb/20),
		"newlines":        strings.Repeat("a\n", mb/2),
		"blockquotes":     strings.Repeat("> one two three four\n", mb/21),
		"bare-urls":       strings.Repeat("https://a.org/x ", mb/16),
		"numbered-lines":  strings.Repeat("1. https://a.org/x [1]\n", mb/23),
		"footnote-refs":   strings.Repeat("[^x] ", mb/5),
		"backticks":       strings.Repeat("`a ", mb/3),
		"fences":          strings.Repeat("```\nhttps://a.org\n", mb/18),
	}
	v := newVerifier(t)
	task, err := v.Prepare(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	limit := 3 * time.Second
	if raceEnabled {
		limit *= 10
	}
	for name, in := range inputs {
		start := time.Now()
		citation.Extract(in)
		res, err := task.Score(context.Background(), verifiers.Input{Response: in})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d := time.Since(start)
		t.Logf("%s: %v", name, d)
		if d > limit {
			t.Errorf("%s: %v for %d bytes (score %v)", name, d, len(in), res.Score)
		}
	}
}
