package server

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCountItems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		n    int
		ok   bool
	}{
		{`{"items":[]}`, 0, true},
		{`{"items":[ ]}`, 0, true},
		{`{"items":[{}]}`, 1, true},
		{`{"items":[{},{},{}]}`, 3, true},
		{`{"defaults":{"items":[1,2,3,4]},"items":[{"response":"a,b]"},{"response":"[{,}]"}]}`, 2, true},
		{`{"x":"items","items":[{"a":[1,2]},{"b":{"c":","}}]}`, 2, true},
		{`{"items":[1,2,3]}`, 3, true},
		{`{"it\"ems":[1,2], "items":[{}]}`, 1, true},
		{`{"items":[{"response":"ends in a backslash \\"},{"response":"\\\"],[\\"}]}`, 2, true},
		{`{"items":[{"response":"\\\\\"]"}]}`, 1, true},
		{`{"items":["unterminated \"]}`, 0, false},
		{`{"defaults":{}}`, 0, false},
		{`[1,2]`, 0, false},
		{`{"items":[{},`, 0, false},
	}
	for _, tt := range tests {
		n, ok := countItems([]byte(tt.body))
		if n != tt.n || ok != tt.ok {
			t.Errorf("countItems(%s) = %d, %v; want %d, %v", tt.body, n, ok, tt.n, tt.ok)
		}
	}
	big := `{"items":[` + strings.Repeat(`{},`, 99999) + `{}]}`
	if n, ok := countItems([]byte(big)); n != 100000 || !ok {
		t.Errorf("big: %d %v", n, ok)
	}
}

func FuzzCountItems(f *testing.F) {
	for _, s := range []string{
		`{"items":[]}`,
		`{"defaults":{"verifier":"string_match","reference":{"b":[1,2.5e3,null]}},"items":[{"id":"1","response":"x\u0000y"},{"response":"\ud83d\ude00"}]}`,
		`{"items":[{"response":"a,b]\\"},{"response":"[{,}]"}]} trailing`,
		`{"x":"items","items":[{"a":[1,2]},{"b":{"c":","}}]}`,
		`[]`, `null`, `{`, `{"items":[{},`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, ok := countItems(body)
		var req struct {
			Items []any `json:"items"`
		}
		if !ok || json.Unmarshal(body, &req) != nil {
			return
		}
		// Whenever the body decodes, the count is exact.
		if n != len(req.Items) {
			t.Fatalf("countItems = %d, decoded %d items: %q", n, len(req.Items), body)
		}
	})
}
