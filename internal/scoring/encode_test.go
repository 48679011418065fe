package scoring

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/referee/referee/internal/problem"
)

// resultAlias has Result's fields without its MarshalJSON, so encoding/json
// can be the reference.
type resultAlias Result

func stdEncode(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	results := []Result{
		{Reward: 1, Scores: map[string]float64{"string_match": 1}, Details: json.RawMessage(`{"mode":"exact","matched":0}`), Verifier: "string_match@1", Key: "ab", ElapsedUS: 12},
		{ID: "q<1>&\"\\\n\t\x01\u2028é\xff", Reward: 0.1 + 0.2, Scores: map[string]float64{"b": 1e-7, "a": 2.5e21, "c": -0.5}, Details: json.RawMessage(`{}`), Cached: true, Verifier: "rubric:x"},
		{Reward: 0, Scores: map[string]float64{}, Details: json.RawMessage(`{}`), Error: &problem.Details{Type: "/problems/x", Title: "T", Status: 400, Detail: "d"}},
		{Reward: 123456789.125, Scores: nil, Details: nil},
		{Reward: 1e-6, Scores: map[string]float64{"x": 1e20, "y": 1e21, "z": 5e-324}},
	}
	for i, r := range results {
		got, err := r.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		want := stdEncode(t, resultAlias(r))
		if !bytes.Equal(got, want) {
			t.Errorf("result %d:\n got %s\nwant %s", i, got, want)
		}
	}
	br := BatchResponse{Results: results[:2], Stats: Stats{Items: 2, Unique: 1, CacheHits: 1, Computed: 1, Errors: 0, ElapsedUS: 9}}
	got, _ := br.AppendJSON(nil)
	var back BatchResponse
	if err := json.Unmarshal(got, &back); err != nil || back.Stats != br.Stats || len(back.Results) != 2 {
		t.Errorf("batch encoding does not round-trip: %s (%v)", got, err)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"\\\n", "\xff\xfe", "\u2028", "<&>", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		want, _ := json.Marshal(s)
		var a, b string
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("invalid JSON %q for %q", got, s)
		}
		_ = json.Unmarshal(want, &b)
		if a != b {
			t.Fatalf("appendString(%q) decodes to %q, encoding/json to %q", s, a, b)
		}
	})
}

func TestAppendFloatNonFinite(t *testing.T) {
	t.Parallel()
	if got := string(appendFloat(nil, math.NaN())); got != "0" {
		t.Errorf("NaN -> %s", got)
	}
}
