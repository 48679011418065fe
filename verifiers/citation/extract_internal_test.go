package citation

import "testing"

func TestIsMarkerList(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"1": true, "12": true, " 3 ": true, "1, 2": true, "1,2,3": true, "2-4": true, "2 – 4": true, "1, 3-5": true,
		"": false, "a": false, "1 2": false, "1,": false, ",1": false, "12345": false, "1--2": false, "^1": false, "1.": false,
	} {
		if got := isMarkerList(s); got != want {
			t.Errorf("isMarkerList(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"  The Eiffel-Tower!  ":         "the eiffel tower",
		"“Smart” ‘quotes’ — and dashes": "smart quotes and dashes",
		"ＡＢＣ ｄｅｆ":                       "abc def",
		"Straße":                        "strasse",
		"1,234 and 3.5% of 1,2":         "1234 and 3.5 of 1 2",
		"end.":                          "end",
		"":                              "",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuotePieces(t *testing.T) {
	t.Parallel()
	d := newDoc("Alpha beta gamma. Delta epsilon zeta eta.")
	for q, want := range map[string]bool{
		"alpha beta":                true,
		"Alpha beta … epsilon zeta": true,
		"alpha beta [...] zeta eta": true,
		"epsilon zeta … alpha beta": false,
		"lpha beta":                 false,
		"gamma delta":               true, // sentence punctuation is stripped
		"…":                         false,
	} {
		if got, _ := d.quoteSupported(q); got != want {
			t.Errorf("quoteSupported(%q) = %v, want %v", q, got, want)
		}
	}
}
