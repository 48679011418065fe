package iso20022

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/referee/referee/verifiers"
)

// pair is one translation pair of testdata/pairs/pairs.yaml: a pacs.008,
// its correct MT103 (input and output header forms), other correct forms,
// and wrong translations with the fields that must be flagged.
type pair struct {
	Name              string    `yaml:"name"`
	Why               string    `yaml:"why"`
	Pacs008           string    `yaml:"pacs008"`
	MT103             string    `yaml:"mt103"`
	MT103OutputHeader string    `yaml:"mt103_output_header"`
	Correct           []variant `yaml:"correct_variants"`
	Wrong             []variant `yaml:"wrong"`
}

type variant struct {
	Name    string   `yaml:"name"`
	Flagged []string `yaml:"flagged"`
	Edits   []struct {
		From string `yaml:"from"`
		To   string `yaml:"to"`
	} `yaml:"edits"`
}

func loadPairs(t testing.TB) []pair {
	t.Helper()
	b, err := os.ReadFile("testdata/pairs/pairs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ps []pair
	if err := yaml.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	if len(ps) < 40 {
		t.Fatalf("want at least 40 pairs, have %d", len(ps))
	}
	return ps
}

// apply applies a variant's edits; each "from" must occur exactly once so a
// stale edit fails loudly instead of testing the unchanged message.
func apply(t *testing.T, mt string, v variant) string {
	t.Helper()
	for _, e := range v.Edits {
		if n := strings.Count(mt, e.From); n != 1 {
			t.Fatalf("%s: edit %q occurs %d times", v.Name, e.From, n)
		}
		mt = strings.Replace(mt, e.From, e.To, 1)
	}
	return mt
}

type decoded struct {
	Fields     []Row       `json:"fields"`
	Violations []Violation `json:"violations"`
	Reason     string      `json:"reason"`
}

func score(t *testing.T, task verifiers.Task, resp string) (float64, decoded) {
	t.Helper()
	res, err := task.Score(context.Background(), verifiers.Input{Response: resp})
	if err != nil {
		t.Fatal(err)
	}
	var d decoded
	if err := json.Unmarshal(res.Details, &d); err != nil {
		t.Fatal(err)
	}
	return res.Score, d
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// flagged reports whether field is flagged: a failed row or a violation.
func flagged(d decoded, field string) bool {
	for _, r := range d.Fields {
		if !r.OK && r.Field == field {
			return true
		}
	}
	for _, v := range d.Violations {
		if v.Field == field {
			return true
		}
	}
	return false
}

func TestPairsMXToMT(t *testing.T) {
	for _, p := range loadPairs(t) {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			task, err := New().Prepare(jsonString(p.Pacs008), nil)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if s, d := score(t, task, p.MT103); s != 1 {
				t.Fatalf("correct MT103 scores %v (%s); details %+v", s, p.Why, d)
			}
			for _, c := range p.Correct {
				resp := apply(t, p.MT103, c)
				if c.Name == "output-header" {
					resp = p.MT103OutputHeader
				}
				if s, d := score(t, task, resp); s != 1 {
					t.Errorf("correct variant %s scores %v; details %+v", c.Name, s, d)
				}
			}
			for _, w := range p.Wrong {
				s, d := score(t, task, apply(t, p.MT103, w))
				if s >= 1 {
					t.Errorf("wrong %s scores %v", w.Name, s)
				}
				for _, f := range w.Flagged {
					if !flagged(d, f) {
						t.Errorf("wrong %s: field %s not flagged; details %+v", w.Name, f, d)
					}
				}
			}
		})
	}
}

// TestPairsMTToMX runs the pairs the other way: the MT103 is the reference
// and the pacs.008 the translation, which must score 1.
func TestPairsMTToMX(t *testing.T) {
	for _, p := range loadPairs(t) {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			task, err := New().Prepare(jsonString(p.MT103), json.RawMessage(`{"direction":"mt_to_mx"}`))
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if s, d := score(t, task, "```xml\n"+p.Pacs008+"\n```"); s != 1 {
				t.Errorf("pacs.008 scores %v against its MT103; details %+v", s, d)
			}
		})
	}
}

// TestPairsSyntax checks that every correct MT103 is valid on its own.
func TestPairsSyntax(t *testing.T) {
	task, err := New().Prepare(nil, json.RawMessage(`{"check":"syntax"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range loadPairs(t) {
		for _, mt := range []string{p.MT103, p.MT103OutputHeader} {
			if s, d := score(t, task, mt); s != 1 {
				t.Errorf("%s: syntax score %v; violations %+v", p.Name, s, d.Violations)
			}
		}
	}
}
