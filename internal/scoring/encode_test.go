package scoring

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/referee/referee/cache"
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
		{Reward: 1, Scores: Scores{{"string_match", 1}}, Details: json.RawMessage(`{"mode":"exact","matched":0}`), Verifier: "string_match@1", Key: cache.Key{0xab, 0x01}, ElapsedUS: 12},
		{ID: "q<1>&\"\\\n\t\x01\u2028é\xff", Reward: 0.1 + 0.2, Scores: Scores{{"b", 1e-7}, {"a", 2.5e21}, {"c", -0.5}}, Details: json.RawMessage(`{}`), Cached: true, Verifier: "rubric:x"},
		{Reward: 0, Scores: Scores{}, Details: json.RawMessage(`{}`), Error: &problem.Details{Type: "/problems/x", Title: "T", Status: 400, Detail: "d"}},
		{Reward: 123456789.125, Scores: nil, Details: nil},
		{Reward: 1e-6, Scores: Scores{{"x", 1e20}, {"y", 1e21}, {"z", 5e-324}}},
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

// Scores encode exactly as encoding/json encodes the same map (names
// sorted), whatever order they were collected in, and decode back sorted.
func TestScoresJSON(t *testing.T) {
	t.Parallel()
	tests := []Scores{
		nil,
		{},
		{{"string_match", 1}},
		{{"format", 0.5}, {"answer", 1}, {"b<&>", -2.5e-9}},
		{{"z", 1e21}, {"a", 0.1 + 0.2}},
	}
	for _, sc := range tests {
		got := sc.AppendJSON(nil)
		m := map[string]float64{}
		for _, x := range sc {
			m[x.Name] = x.Value
		}
		if want := stdEncode(t, m); !bytes.Equal(got, want) {
			t.Errorf("%v:\n got %s\nwant %s", sc, got, want)
		}
		var back Scores
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s does not decode: %v", got, err)
		}
		if len(back) != len(sc) || !slices.IsSortedFunc(back, byName) {
			t.Errorf("%s decodes to %v, want %d scores sorted by name", got, back, len(sc))
		}
		for _, x := range sc {
			if v, ok := back.Get(x.Name); !ok || v != x.Value {
				t.Errorf("%s: Get(%q) = %v, %v; want %v", got, x.Name, v, ok, x.Value)
			}
		}
	}
}

func TestAppendFloatNonFinite(t *testing.T) {
	t.Parallel()
	if got := string(appendFloat(nil, math.NaN())); got != "0" {
		t.Errorf("NaN -> %s", got)
	}
}

// FuzzValidJSON holds the details validator to encoding/json: a verifier's
// details are sent only when both call them valid JSON.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `[1,2,{"b":"\u00e9"}]`, `"\ud800"`, "\"\x01\"", `{"a":1,}`, `01`, `1e`, `-`, `{"a" 1}`, "\"\xff\"", `nul`, `[1 2]`, ` {} `, `{}x`, `{"a":[[[[[]]]]]}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON = %v, encoding/json says %v: %q", got, want, b)
		}
	})
}
