// Package verifiertest runs data-driven test cases against a verifier. Cases
// live in a verifier's testdata/ as YAML files, each a list of cases, so a
// new case is a new entry and not new code.
package verifiertest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/referee/referee/verifiers"
)

// Case is one test case. Exactly one of Score and Error is the expectation.
type Case struct {
	// Name identifies the case; Why says what it shows.
	Name string `yaml:"name"`
	Why  string `yaml:"why"`
	// Prompt and Response are the rollout.
	Prompt   string `yaml:"prompt"`
	Response string `yaml:"response"`
	// Reference and Params are passed to Prepare as JSON.
	Reference any `yaml:"reference"`
	Params    any `yaml:"params"`
	// Score is the wanted score (compared within 1e-9).
	Score *float64 `yaml:"score"`
	// Error, when set, wants Prepare to fail with an *InvalidError whose
	// field names contain this text.
	Error string `yaml:"error"`
	// Details, when set, must be a subset of the result's details: every key
	// given here must be present with an equal value (objects recursively,
	// arrays element by element).
	Details map[string]any `yaml:"details"`
	// File is the file the case came from (set by Load).
	File string `yaml:"-"`
}

// Load reads every *.yaml file under dir (recursively) and returns its cases
// in file then list order.
func Load(t testing.TB, dir string) []Case {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	sort.Strings(files)
	var cases []Case
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cs []Case
		if err := yaml.Unmarshal(b, &cs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range cs {
			cs[i].File = filepath.Base(f)
			if cs[i].Name == "" {
				cs[i].Name = fmt.Sprintf("case%d", i)
			}
		}
		cases = append(cases, cs...)
	}
	return cases
}

// JSON encodes a YAML-decoded value as JSON; nil becomes nil.
func JSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %v: %v", v, err)
	}
	return b
}

// Run runs cases against v as subtests named file/name.
func Run(t *testing.T, v verifiers.Verifier, cases []Case) {
	t.Helper()
	if len(cases) == 0 {
		t.Fatal("no test cases loaded")
	}
	for _, c := range cases {
		t.Run(c.File+"/"+c.Name, func(t *testing.T) {
			t.Parallel()
			Check(t, v, c)
		})
	}
}

// Check runs one case.
func Check(t *testing.T, v verifiers.Verifier, c Case) {
	t.Helper()
	if (c.Score == nil) == (c.Error == "") {
		t.Fatalf("case %q must set exactly one of score and error", c.Name)
	}
	task, err := v.Prepare(JSON(t, c.Reference), JSON(t, c.Params))
	if c.Error != "" {
		ie, ok := verifiers.AsInvalid(err)
		if !ok {
			t.Fatalf("Prepare error = %v, want *InvalidError naming %q (why: %s)", err, c.Error, c.Why)
		}
		for _, fe := range ie.Errors {
			if strings.Contains(fe.Field, c.Error) {
				return
			}
		}
		t.Fatalf("Prepare error %v does not name field %q", err, c.Error)
	}
	if err != nil {
		t.Fatalf("Prepare: %v (why: %s)", err, c.Why)
	}
	res, err := task.Score(context.Background(), verifiers.Input{Prompt: c.Prompt, Response: c.Response})
	if err != nil {
		t.Fatalf("Score: %v", err)
	}
	CheckResult(t, res)
	if math.Abs(res.Score-*c.Score) > 1e-9 {
		t.Errorf("score = %v, want %v\nwhy: %s\ndetails: %s", res.Score, *c.Score, c.Why, res.Details)
	}
	if c.Details != nil {
		var got any
		if err := json.Unmarshal(res.Details, &got); err != nil {
			t.Fatalf("details are not JSON: %v", err)
		}
		want := normalize(t, c.Details)
		if path, ok := subset(want, got, "details"); !ok {
			t.Errorf("%s differs\nwant (subset): %s\ngot: %s\nwhy: %s", path, JSON(t, want), res.Details, c.Why)
		}
	}
}

// CheckResult asserts the invariants of every result: a finite score in
// [0,1] and details that are empty or valid JSON.
func CheckResult(t testing.TB, res verifiers.Result) {
	t.Helper()
	if math.IsNaN(res.Score) || res.Score < 0 || res.Score > 1 {
		t.Fatalf("score %v outside [0,1]", res.Score)
	}
	if len(res.Details) > 0 && !json.Valid(res.Details) {
		t.Fatalf("details are not valid JSON: %q", res.Details)
	}
}

// normalize round-trips a YAML value through JSON so numbers and maps have
// the types json.Unmarshal produces.
func normalize(t testing.TB, v any) any {
	var out any
	if err := json.Unmarshal(JSON(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func subset(want, got any, path string) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path, false
		}
		for k, wv := range w {
			gv, present := g[k]
			if !present {
				return path + "." + k, false
			}
			if p, ok := subset(wv, gv, path+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path, false
		}
		for i := range w {
			if p, ok := subset(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); !ok {
				return p, false
			}
		}
		return "", true
	default:
		return path, reflect.DeepEqual(want, got)
	}
}

// Seed adds every case's response to a fuzz corpus.
func Seed(f *testing.F, cases []Case) {
	for _, c := range cases {
		f.Add(c.Response)
	}
}

// Examples scores every example of v's Spec and checks it scores as
// documented: what /v1/verifiers promises is what the verifier does.
func Examples(t *testing.T, v verifiers.Verifier) {
	t.Helper()
	spec := v.Spec()
	if len(spec.Examples) == 0 {
		t.Fatalf("%s has no examples", spec.Name)
	}
	for _, ex := range spec.Examples {
		task, err := v.Prepare(ex.Reference, ex.Params)
		if err != nil {
			t.Fatalf("%s: %v", ex.Name, err)
		}
		res, err := task.Score(context.Background(), verifiers.Input{Prompt: ex.Prompt, Response: ex.Response})
		if err != nil || math.Abs(res.Score-ex.Score) > 1e-9 {
			t.Errorf("%s: score %v, err %v; want %v", ex.Name, res.Score, err, ex.Score)
		}
	}
}
