package exact

import "testing"

func TestNumberWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want int64
		ok   bool
	}{
		{"zero", 0, true},
		{"five", 5, true},
		{"nineteen", 19, true},
		{"twenty-one", 21, true},
		{"twenty one", 21, true},
		{"ninety", 90, true},
		{"one hundred", 100, true},
		{"one hundred and five", 105, true},
		{"three hundred forty-two", 342, true},
		{"two thousand twenty-four", 2024, true},
		{"two thousand and five", 2005, true},
		{"one million two hundred thousand", 1200000, true},
		{"minus three", -3, true},
		{"negative twelve", -12, true},
		{"", 0, false},
		{"minus", 0, false},
		{"five five", 0, false},
		{"twenty thirty", 0, false},
		{"five twenty", 0, false},
		{"twenty twelve", 0, false},
		{"hundred", 0, false},
		{"twelve hundred", 0, false},
		{"thousand", 0, false},
		{"one thousand one million", 0, false},
		{"zero zero", 0, false},
		{"zero hundred", 0, false},
		{"and five", 0, false},
		{"five or six", 0, false},
		{"five apples", 0, false},
		{"a hundred", 0, false},
		{"-five", 0, false},
		{"--five", 0, false},
		{"five-", 0, false},
		{"- five", 0, false},
		{"twenty-", 0, false},
		{"twenty-zero", 0, false},
		{"twenty-twelve", 0, false},
		{"five-twenty", 0, false},
		{"one hundred and", 0, false},
		{"one thousand and", 0, false},
		{"one hundred and and five", 0, false},
		{"one hundred and thousand", 0, false},
	}
	for _, tt := range tests {
		got, ok := numberWords(tt.text)
		if got != tt.want || ok != tt.ok {
			t.Errorf("numberWords(%q) = %d, %v; want %d, %v", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzNumberWords(f *testing.F) {
	for _, s := range []string{"five", "twenty-one", "one hundred and five", "minus three", "five five", "two thousand twenty-four", "nine hundred ninety-nine billion nine hundred ninety-nine million"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := numberWords(s)
		if ok && (v > 999_999_999_999 || v < -999_999_999_999) {
			t.Fatalf("numberWords(%q) = %d, beyond what the words can name", s, v)
		}
	})
}
