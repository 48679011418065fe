package verifiers

import (
	"encoding/json"
	"testing"
)

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"\\\n", "\xff\xfe", "\u2028", "<&>", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendJSONString(nil, s)
		want, _ := json.Marshal(s)
		var a, b string
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("invalid JSON %q for %q", got, s)
		}
		_ = json.Unmarshal(want, &b)
		if a != b {
			t.Fatalf("AppendJSONString(%q) decodes to %q, encoding/json to %q", s, a, b)
		}
	})
}
