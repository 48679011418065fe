package compat

import (
	"math"
	"strings"
	"testing"
)

func TestSimilarity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		metric, candidate, reference string
		want                         float64
	}{
		{"fuzzy_match", "kitten", "sitting", 8.0 / 13},
		{"fuzzy_match", "", "", 1},
		{"fuzzy_match", "abc", "", 0},
		{"fuzzy_match", "Paris", "paris", 0.8},
		{"bleu", "the cat sat on the mat", "the cat sat on the mat", 1},
		{"bleu", "", "the cat", 0},
		// 1-gram 3/3, 2-gram 2/2, 3-gram 1/1; the 4th order is left out
		// (effective order); brevity penalty exp(1 - 6/3).
		{"bleu", "the cat sat", "the cat sat on the mat", math.Exp(1 - 2.0)},
		// 6 matching n-grams; 6 in the candidate, 18 in the reference.
		{"gleu", "the cat sat", "the cat sat on the mat", 6.0 / 18},
		{"gleu", "a b", "a b", 1},
		// 6 matches in one chunk: penalty 0.5 * (1/6)^3.
		{"meteor", "the cat sat on the mat", "the cat sat on the mat", 1 - 0.5/216},
		// "on the mat the cat sat": 6 matches in 2 chunks.
		{"meteor", "on the mat the cat sat", "the cat sat on the mat", 1 - 0.5*math.Pow(2.0/6, 3)},
		{"meteor", "x", "y", 0},
		{"rouge_1", "The cat", "the cat sat", 2 * (1.0 * 2.0 / 3) / (1 + 2.0/3)},
		{"rouge_2", "the cat sat", "the cat sat", 1},
		{"rouge_5", "a b c d", "a b c d", 0},
		{"rouge_l", "the cat sat on the mat", "the cat on the mat", 10.0 / 11},
		{"rouge_l", "Ça va, très bien!", "ça va très bien", 1},
	}
	for _, tt := range tests {
		got := similarity(tt.metric, tt.candidate, tt.reference)
		if math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s(%q, %q) = %v, want %v", tt.metric, tt.candidate, tt.reference, got, tt.want)
		}
	}
}

func TestSimilarityIsBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 20000)
	for _, m := range Metrics {
		if got := similarity(m, long, long); got < 0 || got > 1 {
			t.Errorf("%s of a long text = %v", m, got)
		}
	}
}

func FuzzSimilarity(f *testing.F) {
	f.Add("the cat sat", "the cat sat on the mat")
	f.Add("", "x")
	f.Add("ÇA\u0301 va", "ça va")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, m := range Metrics {
			if got := similarity(m, a, b); !(got >= 0 && got <= 1) {
				t.Fatalf("%s(%q, %q) = %v", m, a, b, got)
			}
		}
	})
}

func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{"{{ sample.output_text }}", "{{item.a.0}} and {{ sample.output_json.x }}", "{{", "}}{{ item }}", "{{ x }}"} {
		f.Add(s)
	}
	e := &env{outputText: "out", item: map[string]any{"a": []any{"b"}}}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parseTemplate(s, "f")
		if err != nil {
			return
		}
		_, _ = tm.render(e)
	})
}

func TestTranslateFormula(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"0.5 * a + 0.5 * b", "0.5 * a + 0.5 * b"},
		{"sqrt(a)", "a ** 0.5"},
		{"exp(a + 1)", "2.718281828459045 ** (a + 1)"},
	}
	for _, tt := range tests {
		got, err := translateFormula(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("translateFormula(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
