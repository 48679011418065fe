package netconfig

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/referee/referee/verifiers"
)

// bigIptables builds a realistic 500-rule INPUT policy: per-host service
// rules, management prefixes, a few user chains, closing with a drop policy.
func bigIptables(n int) string {
	rng := rand.New(rand.NewSource(7))
	var b strings.Builder
	b.WriteString("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:MGMT - [0:0]\n:WEB - [0:0]\n")
	b.WriteString("-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n")
	rules := 2
	for rules < n {
		host := fmt.Sprintf("192.0.%d.%d", rng.Intn(4), rng.Intn(256))
		src := fmt.Sprintf("10.%d.%d.0/%d", rng.Intn(256), rng.Intn(256), 16+rng.Intn(9))
		switch rng.Intn(6) {
		case 0:
			fmt.Fprintf(&b, "-A INPUT -s %s -d %s/32 -p tcp -m tcp --dport %d -j ACCEPT\n", src, host, 1+rng.Intn(10000))
		case 1:
			fmt.Fprintf(&b, "-A INPUT -d %s/32 -p tcp -m multiport --dports 80,443,8000:8100 -j WEB\n", host)
		case 2:
			fmt.Fprintf(&b, "-A INPUT -s %s -p udp -m udp --dport %d -j ACCEPT\n", src, 1+rng.Intn(10000))
		case 3:
			fmt.Fprintf(&b, "-A INPUT -s %s -j MGMT\n", src)
		case 4:
			fmt.Fprintf(&b, "-A INPUT -s %s -d %s/32 -j DROP\n", src, host)
		case 5:
			fmt.Fprintf(&b, "-A WEB -s %s -j RETURN\n", src)
		}
		rules++
	}
	b.WriteString("-A MGMT -p tcp --dport 22 -j ACCEPT\n-A MGMT -j RETURN\n-A WEB -j ACCEPT\nCOMMIT\n")
	return b.String()
}

// benchSpec has 20 checks: 2 space checks, 14 packet checks, and one each
// of no-op-cheap types (binding, references, required_line, forbidden_line).
func benchSpec() json.RawMessage {
	tgt := `{"table":"filter","chain":"INPUT"}`
	var checks []string
	checks = append(checks,
		`{"id":"space-ssh","type":"space","target":`+tgt+`,"space":{"src":{"not":"10.0.0.0/8"},"proto":"tcp","dport":22},"forbid":"permit"}`,
		`{"id":"space-db","type":"space","target":`+tgt+`,"space":{"dst":"192.0.0.0/22","proto":"tcp","dport":3306},"forbid":"permit"}`)
	for i := 0; i < 14; i++ {
		checks = append(checks, fmt.Sprintf(`{"id":"p%d","type":"packet","target":%s,"packet":{"src":"10.%d.1.1","dst":"192.0.1.%d","proto":"tcp","dport":%d},"expect":"deny"}`, i, tgt, i*13, i*7, 443+i))
	}
	checks = append(checks,
		`{"id":"bind","type":"binding","target":{"table":"filter","chain":"INPUT","filter":"WEB"}}`,
		`{"id":"refs","type":"references"}`,
		`{"id":"req","type":"required_line","pattern":":INPUT DROP"}`,
		`{"id":"forbid","type":"forbidden_line","pattern":{"regex":"^-A INPUT -j ACCEPT$"}}`)
	return json.RawMessage(`{"dialect":"iptables_save","checks":[` + strings.Join(checks, ",") + `]}`)
}

func BenchmarkScore500Rules20Checks(b *testing.B) {
	cfg := bigIptables(500)
	task, err := New().Prepare(benchSpec(), nil)
	if err != nil {
		b.Fatal(err)
	}
	in := verifiers.Input{Response: cfg}
	res, err := task.Score(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	var d Details
	_ = json.Unmarshal(res.Details, &d)
	if !d.Parse.OK || d.Total != 20 {
		b.Fatalf("bench config did not parse: %s", res.Details)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := task.Score(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPacketCheck500Rules(b *testing.B) {
	cfg := parseConfig(dialectIptables, bigIptables(500))
	pr, err := cfg.program(&Target{Table: "filter", Chain: "INPUT"})
	if err != nil {
		b.Fatal(err)
	}
	// A packet that matches nothing walks every rule to the policy.
	p := Packet{}
	p.V[dimProto], p.V[dimSrc], p.V[dimDst], p.V[dimDport], p.V[dimFlags] = protoTCP, 0xC6336401, 0xC0000201, 9999, flSYN
	p.In = "eth0"
	if pr.Eval(&p).Permit {
		b.Fatal("expected the policy to drop")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		pr.Eval(&p)
	}
}

func BenchmarkParse500Rules(b *testing.B) {
	text := bigIptables(500)
	b.ReportAllocs()
	for b.Loop() {
		parseConfig(dialectIptables, text)
	}
}

// TestEquivalenceOnLargeRuleset: a 300-rule ruleset with one rule added
// inside the change window is equivalent outside it; one added outside is
// not. Identical remaining rules must let the search skip most of the space
// (it would otherwise take seconds).
func TestEquivalenceOnLargeRuleset(t *testing.T) {
	orig := bigIptables(300)
	inside := strings.Replace(orig, "-A INPUT -i lo -j ACCEPT\n", "-A INPUT -i lo -j ACCEPT\n-A INPUT -s 10.10.10.0/24 -d 18.18.18.0/27 -p tcp --dport 8080 -j ACCEPT\n", 1)
	outside := strings.Replace(orig, "-A INPUT -i lo -j ACCEPT\n", "-A INPUT -i lo -j ACCEPT\n-A INPUT -s 10.10.10.0/24 -d 18.18.18.0/26 -p tcp --dport 8080 -j ACCEPT\n", 1)
	ref, _ := json.Marshal(map[string]any{"dialect": "iptables_save", "checks": []any{
		map[string]any{"id": "eq", "type": "equivalent_outside", "target": map[string]string{"table": "filter", "chain": "INPUT"}, "original": orig,
			"except_space": map[string]any{"src": "10.10.10.0/24", "dst": "18.18.18.0/27", "proto": "tcp", "dport": 8080}}}})
	task, err := New().Prepare(ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		resp string
		want float64
	}{{inside, 1}, {outside, 0}, {orig, 1}} {
		res, err := task.Score(ctx, verifiers.Input{Response: tc.resp})
		if err != nil {
			t.Fatal(err)
		}
		if res.Score != tc.want {
			t.Errorf("score %v, want %v: %s", res.Score, tc.want, res.Details)
		}
	}
}
