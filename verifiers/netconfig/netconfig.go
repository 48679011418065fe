// Package netconfig is the netconfig verifier: it parses a generated router
// or firewall configuration (iptables-save, nftables, Cisco IOS/NX-OS, Junos
// set) into one vendor-neutral model and scores it by what it does against a
// declarative requirement spec: concrete packets, exact header-space queries
// with counterexamples, equivalence to an original outside a change window,
// shadowed lines, bindings, references, normalized state and line patterns.
package netconfig

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/referee/referee/verifiers"
)

// Version changes whenever scoring changes.
const Version = "2"

// Verifier is the netconfig verifier.
type Verifier struct{}

// New returns the netconfig verifier.
func New() *Verifier { return &Verifier{} }

var _ verifiers.Verifier = (*Verifier)(nil)

// Spec implements verifiers.Verifier.
func (*Verifier) Spec() verifiers.Spec {
	return verifiers.Spec{
		Name:    "netconfig",
		Version: Version,
		Description: "Scores a generated router/firewall config (iptables_save, nftables, cisco_ios incl. NX-OS prefix notation, junos_set) by behaviour: " +
			"packet, space (exact header-space search with counterexample), equivalent_outside, no_unreachable_lines, binding, references, state, " +
			"forbidden_line and required_line checks. Score 0 when the syntax gate fails, else the weighted fraction of passed checks.",
		ReferenceSchema: json.RawMessage(referenceSchema),
		ParamsSchema:    json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`),
		Examples: []verifiers.Example{{
			Name:      "ssh only from 10/8",
			Response:  "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
			Reference: json.RawMessage(`{"dialect":"iptables_save","checks":[{"id":"ssh-in","type":"packet","target":{"table":"filter","chain":"INPUT"},"packet":{"src":"10.1.2.3","dst":"192.0.2.1","proto":"tcp","sport":40000,"dport":22},"expect":"accept"},{"id":"ssh-only","type":"space","target":{"table":"filter","chain":"INPUT"},"space":{"src":{"not":"10.0.0.0/8"},"proto":["tcp","udp","icmp"]},"forbid":"permit"}]}`),
			Score:     1,
		}},
	}
}

const referenceSchema = `{
 "type":"object","required":["dialect","checks"],"additionalProperties":false,
 "properties":{
  "dialect":{"enum":["iptables_save","nftables","cisco_ios","junos_set"]},
  "syntax":{"type":"object","additionalProperties":false,"properties":{
    "must_parse":{"type":"boolean","default":true,"description":"fail (score 0) on lines the device or iptables-restore/nft -c would reject"},
    "max_unrecognized_lines":{"type":"integer","minimum":0,"description":"cap on lines the parser cannot read at all (default: no cap)"}}},
  "defs":{"type":"object","description":"named header objects (partial packets/spaces) or values; a header may name one as a string, merge them with \"def\": [names], or a field value may be a def name","additionalProperties":true},
  "checks":{"type":"array","minItems":1,"maxItems":512,"items":{"type":"object","required":["type"],"properties":{
    "id":{"type":"string"},
    "type":{"enum":["packet","space","equivalent_outside","no_unreachable_lines","binding","references","state","forbidden_line","required_line"]},
    "weight":{"type":"number","minimum":0,"default":1},
    "target":{"type":"object","additionalProperties":false,"properties":{
      "interface":{"type":"string"},"direction":{"enum":["in","out"]},"filter":{"type":"string","description":"ACL/filter name; \"*\" = every filter"},
      "family":{"type":"string"},"table":{"type":"string"},"chain":{"type":"string"},
      "hook":{"enum":["prerouting","input","forward","output","postrouting"],"description":"netfilter: every base chain on the packet's path to this hook, in priority order"}}},
    "packet":{"$ref":"#/$defs/header"},
    "expect":{"description":"packet: permit|deny (accept, drop, reject, discard are synonyms); space: the verdict every packet must get; state: the expected value"},
    "space":{"$ref":"#/$defs/header"},
    "forbid":{"enum":["permit","deny","accept","drop","reject","discard"]},
    "original":{"type":"string","description":"equivalent_outside: the config handed to the model"},
    "except_space":{"$ref":"#/$defs/header"},
    "severity":{"enum":["fail","warn"]},
    "undefined":{"enum":["fail","warn","ignore"],"default":"fail"},
    "unused":{"enum":["fail","warn","ignore"],"default":"warn"},
    "path":{"type":"string","description":"state: e.g. interfaces[\"GigabitEthernet0/1\"], ospf.areas, static_routes, hostname"},
    "mode":{"enum":["subset","strict"],"default":"subset"},
    "pattern":{"description":"a literal (whitespace-insensitive substring of a line) or {\"regex\": RE2 matched per line}"},
    "description":{"type":"string"}}}}
 },
 "$defs":{"header":{"description":"a def name, or an object of src, dst (address, prefix, a-b range, any), proto, sport, dport (port, name, lo-hi), icmp_type, icmp_code, state (new|established|related|invalid), tcp_flags, in_iface, out_iface; any value may be a list or {\"not\": value}; \"def\" merges defs","type":["object","string"]}}
}`

type task struct {
	spec *spec
}

// Prepare implements verifiers.Verifier.
func (*Verifier) Prepare(reference, params json.RawMessage) (verifiers.Task, error) {
	var p struct{}
	if err := verifiers.DecodeParams(params, &p); err != nil {
		return nil, err
	}
	sp, err := parseSpec(reference)
	if err != nil {
		return nil, err
	}
	return &task{spec: sp}, nil
}

// LineRef names one line of the configuration.
type LineRef struct {
	Line int    `json:"line"`
	Text string `json:"text"`
}

// CheckReport is one check's entry in the details.
type CheckReport struct {
	ID             string   `json:"id"`
	Type           string   `json:"type"`
	Weight         float64  `json:"weight"`
	Complies       bool     `json:"complies"`
	Expected       any      `json:"expected"`
	Actual         any      `json:"actual"`
	Counterexample any      `json:"counterexample,omitempty"`
	MatchedLine    *LineRef `json:"matched_line,omitempty"`
	Warning        bool     `json:"warning,omitempty"`
	Reason         string   `json:"reason,omitempty"`
}

// ParseReport holds the parse diagnostics.
type ParseReport struct {
	OK                bool   `json:"ok"`
	Dialect           string `json:"dialect"`
	Lines             int    `json:"lines"`
	Reason            string `json:"reason,omitempty"`
	Errors            []Note `json:"errors"`
	Unrecognized      []Note `json:"unrecognized"`
	Unmodeled         []Note `json:"unmodeled"`
	ErrorCount        int    `json:"error_count"`
	UnrecognizedCount int    `json:"unrecognized_count"`
	UnmodeledCount    int    `json:"unmodeled_count"`
}

// Details is the result's details object.
type Details struct {
	Score  float64                 `json:"score"`
	Passed int                     `json:"passed"`
	Total  int                     `json:"total"`
	Checks map[string]*CheckReport `json:"checks"`
	Parse  ParseReport             `json:"parse"`
}

// Score implements verifiers.Task.
func (t *task) Score(ctx context.Context, in verifiers.Input) (verifiers.Result, error) {
	cfg := parseConfig(t.spec.dialect, extractConfig(in.Response))
	ok, reason := cfg.gateOK(t.spec.mustParse, t.spec.maxUnrec)
	d := Details{Checks: make(map[string]*CheckReport, len(t.spec.checks)), Total: len(t.spec.checks)}
	d.Parse = ParseReport{OK: ok, Dialect: cfg.Dialect, Lines: len(cfg.Lines), Reason: reason,
		Errors: capNotes(cfg.Errors), Unrecognized: capNotes(cfg.Unrecognized), Unmodeled: capNotes(cfg.Unmodeled),
		ErrorCount: len(cfg.Errors), UnrecognizedCount: len(cfg.Unrecognized), UnmodeledCount: len(cfg.Unmodeled)}
	var got, total float64
	for _, c := range t.spec.checks {
		var r *CheckReport
		if !ok {
			r = &CheckReport{Expected: nil, Actual: nil, Reason: reason}
		} else {
			var err error
			r, err = t.run(ctx, cfg, c)
			if err != nil {
				return verifiers.Result{}, err
			}
		}
		r.ID, r.Type, r.Weight = c.id, c.typ, c.weight
		d.Checks[c.id] = r
		total += c.weight
		if r.Complies {
			got += c.weight
			d.Passed++
		}
	}
	if ok && total > 0 {
		d.Score = got / total
	} else if ok && d.Passed == d.Total {
		d.Score = 1
	}
	b, err := json.Marshal(d)
	if err != nil {
		return verifiers.Result{}, fmt.Errorf("netconfig: encode details: %w", err)
	}
	return verifiers.Result{Score: d.Score, Details: b}, nil
}

func capNotes(n []Note) []Note {
	if n == nil {
		return []Note{}
	}
	if len(n) > maxNotes {
		return n[:maxNotes]
	}
	return n
}

// extractConfig keeps only the fenced code blocks when the response has any
// (models wrap configs in prose), blanking other lines so line numbers still
// point into the response.
func extractConfig(s string) string {
	if len(s) > MaxConfigBytes {
		s = s[:MaxConfigBytes]
	}
	if !strings.Contains(s, "```") {
		return s
	}
	lines := strings.Split(s, "\n")
	in := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			in = !in
			lines[i] = ""
			continue
		}
		if !in {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// parseConfig parses text in a dialect, enforcing the size limits.
func parseConfig(dialect, text string) *Config {
	if len(text) > MaxConfigBytes {
		text = text[:MaxConfigBytes]
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	cfg := newConfig(dialect, lines)
	if len(lines) > MaxLines {
		cfg.Lines = lines[:MaxLines]
		cfg.Errors = append(cfg.Errors, Note{Line: MaxLines + 1, Message: fmt.Sprintf("config has over %d lines", MaxLines)})
	}
	switch dialect {
	case dialectIptables:
		parseIptables(cfg)
	case dialectNft:
		parseNft(cfg)
	case dialectIOS:
		parseIOS(cfg)
	case dialectJunos:
		parseJunos(cfg)
	}
	id := 0
	for _, k := range cfg.chainOrder {
		for _, r := range cfg.Chains[k].Rules {
			r.id = id
			r.compile()
			id++
		}
	}
	sortNotes(cfg.Errors)
	sortNotes(cfg.Unrecognized)
	sortNotes(cfg.Unmodeled)
	return cfg
}

func sortNotes(n []Note) {
	sort.SliceStable(n, func(i, j int) bool { return n[i].Line < n[j].Line })
}

func sortStrings(s []string) { sort.Strings(s) }

func (t *task) run(ctx context.Context, cfg *Config, c *check) (*CheckReport, error) {
	switch c.typ {
	case "packet":
		return checkPacket(cfg, c), nil
	case "space":
		return checkSpace(ctx, cfg, c)
	case "equivalent_outside":
		return checkEquivalent(ctx, cfg, c)
	case "no_unreachable_lines":
		return checkUnreachable(ctx, cfg, c)
	case "binding":
		return checkBinding(cfg, c), nil
	case "references":
		return checkReferences(cfg, c), nil
	case "state":
		return checkState(cfg, c), nil
	case "forbidden_line", "required_line":
		return checkLines(cfg, c), nil
	}
	return nil, fmt.Errorf("netconfig: unknown check type %q", c.typ)
}

func verdictName(permit bool) string {
	if permit {
		return "permit"
	}
	return "deny"
}

func lineRef(d Decision) *LineRef {
	return &LineRef{Line: d.Line, Text: d.Text}
}

func checkPacket(cfg *Config, c *check) *CheckReport {
	r := &CheckReport{Expected: verdictName(c.expectPermit)}
	pr, err := cfg.program(c.target)
	if err != nil {
		r.Actual, r.Reason = nil, err.Error()
		return r
	}
	p := c.pkt
	d := pr.Eval(&p)
	r.Actual = verdictName(d.Permit)
	r.Complies = d.Permit == c.expectPermit
	r.MatchedLine = lineRef(d)
	return r
}

func checkSpace(ctx context.Context, cfg *Config, c *check) (*CheckReport, error) {
	r := &CheckReport{Expected: verdictName(!c.forbidPermit)}
	pr, err := cfg.program(c.target)
	if err != nil {
		r.Reason = err.Error()
		return r, nil
	}
	var found *Packet
	var dec Decision
	s := &search{ctx: ctx, groups: programGroups(pr, 0, map[*Chain]bool{}, nil), space: c.space, progs: []*Program{pr}}
	if pr.rewrites() {
		// NAT: later conditions see other values; evaluate leaves in full.
		s.progs, s.rewriting = nil, true
	}
	s.leaf = func(p *Packet) bool {
		d := s.evalLive(pr, 0)
		if d.Permit == c.forbidPermit {
			cp := *p
			found, dec = &cp, d
			return true
		}
		return false
	}
	if err := s.run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("netconfig: space check %q: %w", c.id, err)
		}
		r.Reason = err.Error()
		r.Actual = "inconclusive"
		return r, nil
	}
	if found == nil {
		r.Complies = true
		r.Actual = verdictName(!c.forbidPermit)
		return r, nil
	}
	r.Actual = verdictName(c.forbidPermit)
	r.Counterexample = packetJSON(found)
	r.MatchedLine = lineRef(dec)
	return r, nil
}

// EquivCounterexample is a packet the new config treats differently.
type EquivCounterexample struct {
	Packet       map[string]any `json:"packet"`
	Original     string         `json:"original"`
	New          string         `json:"new"`
	OriginalLine *LineRef       `json:"original_line"`
}

func checkEquivalent(ctx context.Context, cfg *Config, c *check) (*CheckReport, error) {
	r := &CheckReport{Expected: "equivalent"}
	pr, err := cfg.program(c.target)
	if err != nil {
		r.Reason = err.Error()
		return r, nil
	}
	orig, _ := c.original.program(c.target)
	groups := programGroups(pr, 0, map[*Chain]bool{}, nil)
	groups = programGroups(orig, 1, map[*Chain]bool{}, groups)
	var ce *EquivCounterexample
	var dec Decision
	space := &box{flagsFromState: true}
	applyBoxDefaults(space)
	s := &search{ctx: ctx, groups: groups, space: space, exclude: c.except, progs: []*Program{pr, orig}, equiv: true}
	if pr.rewrites() || orig.rewrites() {
		s.progs, s.equiv, s.rewriting = nil, false, true
	}
	s.leaf = func(p *Packet) bool {
		a, b := s.evalLive(orig, 1), s.evalLive(pr, 0)
		if a.Permit != b.Permit {
			ce = &EquivCounterexample{Packet: packetJSON(p), Original: verdictName(a.Permit), New: verdictName(b.Permit), OriginalLine: lineRef(a)}
			dec = b
			return true
		}
		return false
	}
	// Every state, not only new: collateral damage to established traffic counts.
	space.c[dimState] = nil
	if err := s.run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("netconfig: equivalence check %q: %w", c.id, err)
		}
		r.Reason, r.Actual = err.Error(), "inconclusive"
		return r, nil
	}
	if ce == nil {
		r.Complies, r.Actual = true, "equivalent"
		return r, nil
	}
	r.Actual = "different"
	r.Counterexample = ce
	r.MatchedLine = lineRef(dec)
	return r, nil
}

// UnreachableLine is a line no packet can reach.
type UnreachableLine struct {
	Filter string `json:"filter"`
	Line   int    `json:"line"`
	Text   string `json:"text"`
}

func checkUnreachable(ctx context.Context, cfg *Config, c *check) (*CheckReport, error) {
	r := &CheckReport{Expected: []UnreachableLine{}}
	chains, err := cfg.selectChains(c.target)
	if err != nil {
		r.Reason = err.Error()
		return r, nil
	}
	found := []UnreachableLine{}
	for _, ch := range chains {
		dead, err := unreachableRules(ctx, ch)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("netconfig: reachability check %q: %w", c.id, err)
			}
			r.Reason = err.Error()
			r.Actual = "inconclusive"
			return r, nil
		}
		for _, rl := range dead {
			found = append(found, UnreachableLine{Filter: ch.Name, Line: rl.Line, Text: rl.Text})
		}
	}
	r.Actual = found
	r.Complies = len(found) == 0 || c.warnOnly
	r.Warning = len(found) > 0 && c.warnOnly
	return r, nil
}

// unreachableRules returns the rules of a chain that no packet reaches: every
// packet they match is first taken by an earlier terminating rule. Rules of
// one line (an nft verdict map) are reported once, when all are dead.
func unreachableRules(ctx context.Context, ch *Chain) ([]*Rule, error) {
	var dead []*Rule
	lineAlive := map[int]bool{}
	for i, rl := range ch.Rules {
		var earlier []*group
		for _, e := range ch.Rules[:i] {
			if e.Action.terminal() {
				earlier = append(earlier, &group{conds: e.Conds})
			}
		}
		req := &group{conds: rl.Conds}
		space := &box{}
		for j := range rl.Conds {
			cd := &rl.Conds[j]
			if cd.Dim < numDims && space.c[cd.Dim] == nil {
				space.c[cd.Dim] = cd
			}
		}
		reached := false
		s := &search{ctx: ctx, groups: earlier, space: space, required: req,
			leaf: func(p *Packet) bool {
				if !rl.matches(p) {
					return false
				}
				for _, g := range earlier {
					if groupMatches(g, p) {
						return false
					}
				}
				reached = true
				return true
			}}
		if len(earlier) == 0 {
			reached = true
			if ruleUnsatisfiable(rl) {
				reached = false
			}
		} else if err := s.run(); err != nil {
			return nil, err
		}
		if reached {
			lineAlive[rl.Line] = true
		} else {
			dead = append(dead, rl)
		}
	}
	out := dead[:0]
	seen := map[int]bool{}
	for _, rl := range dead {
		if !lineAlive[rl.Line] && !seen[rl.Line] {
			seen[rl.Line] = true
			out = append(out, rl)
		}
	}
	return out, nil
}

func ruleUnsatisfiable(rl *Rule) bool {
	for _, c := range rl.Conds {
		if c.Dim == dimNever {
			return true
		}
	}
	return false
}

func groupMatches(g *group, p *Packet) bool {
	for i := range g.conds {
		if !g.conds[i].match(p) {
			return false
		}
	}
	return true
}

func checkBinding(cfg *Config, c *check) *CheckReport {
	t := c.target
	r := &CheckReport{Expected: t.Filter}
	switch cfg.Dialect {
	case dialectIOS, dialectJunos:
		if t.Interface == "" {
			r.Reason = "a binding target names an interface and direction"
			return r
		}
		it := cfg.Interfaces[cfg.normIface(t.Interface)]
		if it == nil {
			r.Reason = "interface " + t.Interface + " is not configured"
			return r
		}
		list := it.In
		if t.Direction == "out" {
			list = it.Out
		}
		r.Actual = list
		if len(list) == 1 {
			r.Actual = list[0]
		}
		for _, f := range list {
			if f == t.Filter {
				r.Complies = true
				if _, ok := cfg.Chains[f]; !ok {
					r.Complies = false
					r.Reason = "filter " + f + " is bound but not defined"
				}
			}
		}
	default:
		// netfilter: the chain must be reachable from the target's base chain(s).
		tt := *t
		tt.Filter = ""
		chains, err := cfg.selectChains(&tt)
		if err != nil {
			r.Reason = err.Error()
			return r
		}
		var names []string
		for _, ch := range chains {
			names = append(names, ch.Short)
			if ch.Short == t.Filter || ch.Name == t.Filter {
				r.Complies = true
			}
		}
		r.Actual = names
	}
	return r
}

// RefReport lists one reference problem.
type RefReport struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Line int    `json:"line"`
}

func checkReferences(cfg *Config, c *check) *CheckReport {
	undef, unused := cfg.references()
	conv := func(rs []ref) []RefReport {
		out := []RefReport{}
		for _, x := range rs {
			out = append(out, RefReport(x))
		}
		return out
	}
	r := &CheckReport{Expected: map[string]any{"undefined": []RefReport{}}}
	act := map[string]any{}
	fail, warn := false, false
	if c.undefinedSeverity != "ignore" {
		act["undefined"] = conv(undef)
		if len(undef) > 0 {
			fail = fail || c.undefinedSeverity == "fail"
			warn = warn || c.undefinedSeverity == "warn"
		}
	}
	if c.unusedSeverity != "ignore" {
		act["unused"] = conv(unused)
		if len(unused) > 0 {
			fail = fail || c.unusedSeverity == "fail"
			warn = warn || c.unusedSeverity == "warn"
		}
		if c.unusedSeverity == "fail" {
			r.Expected = map[string]any{"undefined": []RefReport{}, "unused": []RefReport{}}
		}
	}
	r.Actual = act
	r.Complies = !fail
	r.Warning = warn
	return r
}

func checkLines(cfg *Config, c *check) *CheckReport {
	matched := []LineRef{}
	for i, l := range cfg.Lines {
		var hit bool
		if c.re != nil {
			hit = c.re.MatchString(l)
		} else {
			// Collapsing white space allocates; only lines with runs of it need it.
			hit = strings.Contains(l, c.literal) ||
				(strings.ContainsAny(l, "\t\r\v\f") || strings.Contains(l, "  ")) && strings.Contains(collapseSpace(l), c.literal)
		}
		if hit {
			matched = append(matched, LineRef{Line: i + 1, Text: clip(strings.TrimSpace(l))})
		}
	}
	r := &CheckReport{Actual: matched}
	if c.typ == "forbidden_line" {
		r.Expected = "absent"
		r.Complies = len(matched) == 0
	} else {
		r.Expected = "present"
		r.Complies = len(matched) > 0
	}
	if len(matched) > 0 {
		r.MatchedLine = &matched[0]
		if len(matched) > maxNotes {
			r.Actual = matched[:maxNotes]
		}
	}
	return r
}

// packetJSON renders a packet with the spec's field names.
func packetJSON(p *Packet) map[string]any {
	m := map[string]any{
		"src":   ipString(p.V[dimSrc]),
		"dst":   ipString(p.V[dimDst]),
		"proto": protoName(p.V[dimProto]),
		"state": stateNames[p.V[dimState]&3],
	}
	switch {
	case applicable(dimDport, p.V[dimProto]):
		m["sport"] = p.V[dimSport]
		m["dport"] = p.V[dimDport]
	case p.V[dimProto] == protoICMP:
		m["icmp_type"] = p.V[dimICMPType]
		m["icmp_code"] = p.V[dimICMPCode]
	}
	if p.V[dimProto] == protoTCP {
		m["tcp_flags"] = flagsString(p.V[dimFlags])
	}
	if p.In != "" {
		m["in_iface"] = p.In
	}
	if p.Out != "" {
		m["out_iface"] = p.Out
	}
	return m
}
