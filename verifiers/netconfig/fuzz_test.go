package netconfig_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/netconfig"
	"github.com/referee/referee/verifiers/verifiertest"
)

// fuzzSpecs exercise every check type on whatever the parser makes of the
// fuzzed text.
var fuzzSpecs = map[string]string{
	"iptables_save": `{"dialect":"iptables_save","syntax":{"must_parse":false},"checks":[
		{"id":"p","type":"packet","target":{"table":"filter","chain":"INPUT"},"packet":{"src":"10.1.2.3","dst":"192.0.2.1","proto":"tcp","dport":22},"expect":"permit"},
		{"id":"h","type":"packet","target":{"hook":"input"},"packet":{"src":"10.1.2.3","dst":"192.0.2.1","proto":"udp","dport":53,"in_iface":"eth0"},"expect":"deny"},
		{"id":"s","type":"space","target":{"table":"filter","chain":"INPUT"},"space":{"src":{"not":"10.0.0.0/8"}},"forbid":"permit"},
		{"id":"e","type":"equivalent_outside","target":{"table":"filter","chain":"INPUT"},"original":"*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n","except_space":{"dport":80}},
		{"id":"u","type":"no_unreachable_lines"},{"id":"r","type":"references"},{"id":"b","type":"binding","target":{"table":"filter","chain":"INPUT","filter":"X"}},
		{"id":"l","type":"forbidden_line","pattern":{"regex":"ACCEPT"}}]}`,
	"nftables": `{"dialect":"nftables","syntax":{"must_parse":false},"checks":[
		{"id":"p","type":"packet","target":{"family":"inet","table":"filter","chain":"input"},"packet":{"src":"10.1.2.3","dst":"192.0.2.1","proto":"tcp","dport":22},"expect":"permit"},
		{"id":"h","type":"packet","target":{"hook":"input"},"packet":{"src":"10.1.2.3","dst":"192.0.2.1","proto":"udp","dport":53},"expect":"deny"},
		{"id":"s","type":"space","target":{"hook":"input"},"space":{"src":{"not":"10.0.0.0/8"}},"forbid":"permit"},
		{"id":"u","type":"no_unreachable_lines"},{"id":"r","type":"references"}]}`,
	"cisco_ios": `{"dialect":"cisco_ios","syntax":{"must_parse":false},"checks":[
		{"id":"p","type":"packet","target":{"interface":"Gi0/1","direction":"in"},"packet":{"src":"10.1.2.3","dst":"192.0.2.1","proto":"tcp","dport":22},"expect":"permit"},
		{"id":"s","type":"space","target":{"interface":"Gi0/1","direction":"in"},"space":{"src":{"not":"10.0.0.0/8"}},"forbid":"permit"},
		{"id":"u","type":"no_unreachable_lines"},{"id":"r","type":"references"},
		{"id":"b","type":"binding","target":{"interface":"Gi0/1","direction":"in","filter":"IN"}},
		{"id":"st","type":"state","path":"interfaces[\"Gi0/1\"]","expect":{"ipv4":["10.0.0.1/24"]}},
		{"id":"o","type":"state","path":"ospf.areas","expect":{"0":{}}}]}`,
	"junos_set": `{"dialect":"junos_set","syntax":{"must_parse":false},"checks":[
		{"id":"p","type":"packet","target":{"interface":"ge-0/0/0","direction":"in"},"packet":{"src":"10.1.2.3","dst":"192.0.2.1","proto":"tcp","dport":22},"expect":"permit"},
		{"id":"s","type":"space","target":{"interface":"ge-0/0/0","direction":"in"},"space":{"src":{"not":"10.0.0.0/8"}},"forbid":"permit"},
		{"id":"u","type":"no_unreachable_lines"},{"id":"r","type":"references"},
		{"id":"st","type":"state","path":"interfaces[\"ge-0/0/0.0\"]","expect":{"ipv4":["10.0.0.1/24"]},"mode":"strict"}]}`,
}

func fuzzDialect(f *testing.F, dialect string) {
	for _, c := range verifiertest.Load(f, "testdata") {
		if m, ok := c.Reference.(map[string]any); ok && m["dialect"] == dialect {
			f.Add(c.Response)
		}
	}
	task, err := netconfig.New().Prepare(json.RawMessage(fuzzSpecs[dialect]), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, response string) {
		res, err := task.Score(context.Background(), verifiers.Input{Response: response})
		if err != nil {
			t.Fatal(err)
		}
		verifiertest.CheckResult(t, res)
	})
}

func FuzzIptablesSave(f *testing.F) { fuzzDialect(f, "iptables_save") }
func FuzzNftables(f *testing.F)     { fuzzDialect(f, "nftables") }
func FuzzCiscoIOS(f *testing.F)     { fuzzDialect(f, "cisco_ios") }
func FuzzJunosSet(f *testing.F)     { fuzzDialect(f, "junos_set") }
