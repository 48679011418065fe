package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
)

// The templated group bodies are exactly what formatting each group from
// scratch would send: a new reference per group, 8 distinct responses each
// twice.
func TestGroupsBodies(t *testing.T) {
	gen := groups("exact_answer", `"\\frac{%d}{33}"`, func(g, i int) string {
		return fmt.Sprintf("Check %d. Therefore the answer is $\\boxed{\\frac{%d}{33}}$.", g, 5+i%8)
	})
	var buf []byte
	for n := 0; n < 3; n++ {
		buf = gen.body(0, n, buf)
		var req struct {
			Defaults struct{ Verifier, Reference string }
			Items    []struct{ Response string }
		}
		if err := json.Unmarshal(buf, &req); err != nil {
			t.Fatalf("body %d is not JSON: %v\n%s", n, err, buf)
		}
		g := 1_000_000_001 + n
		if want := `\frac{` + strconv.Itoa(g) + `}{33}`; req.Defaults.Verifier != "exact_answer" || req.Defaults.Reference != want {
			t.Fatalf("body %d defaults %+v, want reference %s", n, req.Defaults, want)
		}
		distinct := map[string]int{}
		for i, it := range req.Items {
			want := fmt.Sprintf("Check %d. Therefore the answer is $\\boxed{\\frac{%d}{33}}$.", g, 5+i%8)
			if it.Response != want {
				t.Fatalf("body %d item %d = %q, want %q", n, i, it.Response, want)
			}
			distinct[it.Response]++
		}
		if len(req.Items) != 16 || len(distinct) != 8 {
			t.Fatalf("body %d: %d items, %d distinct; want 16 and 8", n, len(req.Items), len(distinct))
		}
	}
}
