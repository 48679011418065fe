package netconfig_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/netconfig"
)

// Garbage from a model must not make scoring slow: shared structure (chains
// that jump twice to chains that jump twice, object-groups nesting the same
// group many times) must not expand exponentially.
func TestAdversarialStructureStaysFast(t *testing.T) {
	var ipt strings.Builder
	ipt.WriteString("*filter\n:INPUT DROP [0:0]\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&ipt, ":C%d - [0:0]\n", i)
	}
	ipt.WriteString("-A INPUT -j C0\n")
	for i := 0; i < 39; i++ {
		fmt.Fprintf(&ipt, "-A C%d -j C%d\n-A C%d -j C%d\n", i, i+1, i, i+1)
	}
	ipt.WriteString("COMMIT\n")

	var ios strings.Builder
	ios.WriteString("object-group network G0\n host 10.0.0.1\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&ios, "object-group network G%d\n group-object G%d\n group-object G%d\n", i, i-1, i-1)
	}
	ios.WriteString("ip access-list extended A\n permit ip object-group G39 any\n")

	for _, tc := range []struct{ dialect, target, text string }{
		{"iptables_save", `{"table":"filter","chain":"INPUT"}`, ipt.String()},
		{"cisco_ios", `{"filter":"A"}`, ios.String()},
	} {
		ref := json.RawMessage(`{"dialect":"` + tc.dialect + `","syntax":{"must_parse":false},"checks":[
			{"id":"p","type":"packet","target":` + tc.target + `,"packet":{"src":"10.0.0.1","dst":"10.0.0.2","proto":"udp","dport":53},"expect":"permit"},
			{"id":"s","type":"space","target":` + tc.target + `,"space":{"proto":"udp"},"forbid":"permit"},
			{"id":"u","type":"no_unreachable_lines"}]}`)
		task, err := netconfig.New().Prepare(ref, nil)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := task.Score(context.Background(), verifiers.Input{Response: tc.text})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: scoring took %v", tc.dialect, d)
		}
		if tc.dialect == "iptables_save" && !strings.Contains(string(res.Details), "expands to over") {
			t.Errorf("exponential jump graph not reported: %.400s", res.Details)
		}
	}
}
