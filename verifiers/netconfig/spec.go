package netconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/referee/referee/verifiers"
)

// Limits on the reference.
const (
	// MaxReferenceBytes bounds the whole reference, originals included.
	MaxReferenceBytes = 4 << 20
	// MaxChecks bounds the number of checks of one spec.
	MaxChecks = 512
	// maxDefDepth bounds def-to-def indirection.
	maxDefDepth = 8
)

const (
	dialectIptables = "iptables_save"
	dialectNft      = "nftables"
	dialectIOS      = "cisco_ios"
	dialectJunos    = "junos_set"
)

type rawSpec struct {
	Dialect string `json:"dialect"`
	Syntax  *struct {
		MustParse    *bool `json:"must_parse"`
		MaxUnrecLine *int  `json:"max_unrecognized_lines"`
	} `json:"syntax"`
	Defs   map[string]json.RawMessage `json:"defs"`
	Checks []json.RawMessage          `json:"checks"`
}

type rawCheck struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Weight      *float64        `json:"weight"`
	Target      *Target         `json:"target"`
	Packet      json.RawMessage `json:"packet"`
	Expect      json.RawMessage `json:"expect"`
	Space       json.RawMessage `json:"space"`
	Forbid      string          `json:"forbid"`
	Original    *string         `json:"original"`
	ExceptSpace json.RawMessage `json:"except_space"`
	Severity    string          `json:"severity"`
	Undefined   string          `json:"undefined"`
	Unused      string          `json:"unused"`
	Path        string          `json:"path"`
	Mode        string          `json:"mode"`
	Pattern     json.RawMessage `json:"pattern"`
	Description string          `json:"description"`
}

type check struct {
	id, typ string
	weight  float64
	target  *Target

	// packet
	pkt          Packet
	expectPermit bool
	// space: is any packet decided as forbidPermit?
	space        *box
	forbidPermit bool
	// equivalent_outside
	original *Config
	except   *box
	// no_unreachable_lines, references
	warnOnly          bool
	undefinedSeverity string
	unusedSeverity    string
	// state
	path   []string
	expect any
	strict bool
	// forbidden_line, required_line
	literal string
	re      *regexp.Regexp
}

type spec struct {
	dialect   string
	mustParse bool
	maxUnrec  int
	checks    []*check
}

type specParser struct {
	defs map[string]json.RawMessage
}

func parseSpec(raw json.RawMessage) (*spec, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, verifiers.Invalidf("reference", "is required: a netconfig requirement spec object")
	}
	if len(raw) > MaxReferenceBytes {
		return nil, verifiers.Invalidf("reference", "is %d bytes, over the limit of %d", len(raw), MaxReferenceBytes)
	}
	var rs rawSpec
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rs); err != nil {
		return nil, verifiers.Invalidf("reference", "%v", err)
	}
	sp := &spec{dialect: rs.Dialect, mustParse: true, maxUnrec: -1}
	switch rs.Dialect {
	case dialectIptables, dialectNft, dialectIOS, dialectJunos:
	case "nxos", "cisco_nxos":
		sp.dialect = dialectIOS
	default:
		return nil, verifiers.Invalidf("reference.dialect", "want one of iptables_save, nftables, cisco_ios, junos_set; got %q", rs.Dialect)
	}
	if rs.Syntax != nil {
		if rs.Syntax.MustParse != nil {
			sp.mustParse = *rs.Syntax.MustParse
		}
		if rs.Syntax.MaxUnrecLine != nil {
			if *rs.Syntax.MaxUnrecLine < 0 {
				return nil, verifiers.Invalidf("reference.syntax.max_unrecognized_lines", "must be >= 0")
			}
			sp.maxUnrec = *rs.Syntax.MaxUnrecLine
		}
	}
	if len(rs.Checks) == 0 {
		return nil, verifiers.Invalidf("reference.checks", "needs at least one check")
	}
	if len(rs.Checks) > MaxChecks {
		return nil, verifiers.Invalidf("reference.checks", "has %d checks, over the limit of %d", len(rs.Checks), MaxChecks)
	}
	p := &specParser{defs: rs.Defs}
	ids := map[string]bool{}
	for i, rc := range rs.Checks {
		field := fmt.Sprintf("reference.checks[%d]", i)
		c, err := p.check(sp.dialect, rc, i, field)
		if err != nil {
			return nil, err
		}
		if ids[c.id] {
			return nil, verifiers.Invalidf(field+".id", "duplicate id %q", c.id)
		}
		ids[c.id] = true
		sp.checks = append(sp.checks, c)
	}
	return sp, nil
}

func (p *specParser) check(dialect string, raw json.RawMessage, i int, field string) (*check, error) {
	var rc rawCheck
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rc); err != nil {
		return nil, verifiers.Invalidf(field, "%v", err)
	}
	c := &check{id: rc.ID, typ: rc.Type, weight: 1, target: rc.Target}
	if c.id == "" {
		c.id = fmt.Sprintf("%s-%d", rc.Type, i)
	}
	if rc.Weight != nil {
		if *rc.Weight < 0 || *rc.Weight > 1e6 {
			return nil, verifiers.Invalidf(field+".weight", "must be between 0 and 1e6")
		}
		c.weight = *rc.Weight
	}
	needTarget := func() error {
		if c.target == nil {
			return verifiers.Invalidf(field+".target", "is required for a %s check", c.typ)
		}
		return validTarget(dialect, c.target, field+".target")
	}
	var err error
	switch rc.Type {
	case "packet":
		if err := needTarget(); err != nil {
			return nil, err
		}
		if c.pkt, err = p.packet(rc.Packet, field+".packet"); err != nil {
			return nil, err
		}
		v, err := verdictWord(rc.Expect, field+".expect")
		if err != nil {
			return nil, err
		}
		c.expectPermit = v
	case "space":
		if err := needTarget(); err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(rc.Space)) == 0 {
			return nil, verifiers.Invalidf(field+".space", "is required")
		}
		if c.space, err = p.box(rc.Space, field+".space", true); err != nil {
			return nil, err
		}
		switch {
		case rc.Forbid != "" && len(rc.Expect) == 0:
			v, err := verdictWord(json.RawMessage(strconv.Quote(rc.Forbid)), field+".forbid")
			if err != nil {
				return nil, err
			}
			c.forbidPermit = v
		case rc.Forbid == "" && len(rc.Expect) > 0:
			v, err := verdictWord(rc.Expect, field+".expect")
			if err != nil {
				return nil, err
			}
			c.forbidPermit = !v
		default:
			return nil, verifiers.Invalidf(field+".forbid", "a space check needs exactly one of forbid and expect")
		}
	case "equivalent_outside":
		if err := needTarget(); err != nil {
			return nil, err
		}
		if rc.Original == nil {
			return nil, verifiers.Invalidf(field+".original", "is required: the config handed to the model")
		}
		orig := parseConfig(dialect, *rc.Original)
		if len(orig.Errors) > 0 {
			n := orig.Errors[0]
			return nil, &verifiers.InvalidError{Errors: []verifiers.FieldError{{Field: field + ".original", Message: fmt.Sprintf("does not parse: %s (%s)", n.Message, n.Text), Line: n.Line}}}
		}
		if _, err := orig.program(c.target); err != nil {
			return nil, verifiers.Invalidf(field+".target", "in the original config: %v", err)
		}
		c.original = orig
		if len(bytes.TrimSpace(rc.ExceptSpace)) > 0 {
			if c.except, err = p.box(rc.ExceptSpace, field+".except_space", false); err != nil {
				return nil, err
			}
		}
	case "no_unreachable_lines":
		if c.target != nil {
			if err := validTarget(dialect, c.target, field+".target"); err != nil && c.target.Filter != "*" {
				return nil, err
			}
		}
		switch rc.Severity {
		case "", "fail":
		case "warn":
			c.warnOnly = true
		default:
			return nil, verifiers.Invalidf(field+".severity", "want fail or warn, got %q", rc.Severity)
		}
	case "binding":
		if err := needTarget(); err != nil {
			return nil, err
		}
		if c.target.Filter == "" {
			return nil, verifiers.Invalidf(field+".target.filter", "a binding check names the filter that must be bound")
		}
	case "references":
		c.undefinedSeverity, c.unusedSeverity = "fail", "warn"
		for _, x := range []struct {
			v   string
			dst *string
			f   string
		}{{rc.Undefined, &c.undefinedSeverity, "undefined"}, {rc.Unused, &c.unusedSeverity, "unused"}} {
			switch x.v {
			case "":
			case "fail", "warn", "ignore":
				*x.dst = x.v
			default:
				return nil, verifiers.Invalidf(field+"."+x.f, "want fail, warn or ignore, got %q", x.v)
			}
		}
	case "state":
		if c.path, err = parsePath(rc.Path); err != nil {
			return nil, verifiers.Invalidf(field+".path", "%v", err)
		}
		if len(bytes.TrimSpace(rc.Expect)) == 0 {
			return nil, verifiers.Invalidf(field+".expect", "is required")
		}
		if err := json.Unmarshal(rc.Expect, &c.expect); err != nil {
			return nil, verifiers.Invalidf(field+".expect", "%v", err)
		}
		switch rc.Mode {
		case "", "subset":
		case "strict":
			c.strict = true
		default:
			return nil, verifiers.Invalidf(field+".mode", "want subset or strict, got %q", rc.Mode)
		}
	case "forbidden_line", "required_line":
		if err := p.pattern(c, rc.Pattern, field+".pattern"); err != nil {
			return nil, err
		}
	default:
		return nil, verifiers.Invalidf(field+".type", "unknown check type %q", rc.Type)
	}
	return c, nil
}

func validTarget(dialect string, t *Target, field string) error {
	switch t.Direction {
	case "", "in", "out":
	case "input":
		t.Direction = "in"
	case "output":
		t.Direction = "out"
	default:
		return verifiers.Invalidf(field+".direction", "want in or out, got %q", t.Direction)
	}
	switch dialect {
	case dialectIOS, dialectJunos:
		if t.Interface != "" {
			if t.Direction == "" {
				return verifiers.Invalidf(field+".direction", "is required with an interface")
			}
			return nil
		}
		if t.Filter == "" {
			return verifiers.Invalidf(field, "needs an interface and direction, or a filter")
		}
	default:
		if t.Chain == "" && t.Hook == "" && t.Filter == "" {
			return verifiers.Invalidf(field, "needs a table and chain, or a hook")
		}
		if t.Hook != "" {
			switch strings.ToLower(t.Hook) {
			case "input", "forward", "output", "prerouting", "postrouting":
			default:
				return verifiers.Invalidf(field+".hook", "unknown hook %q", t.Hook)
			}
		}
		if dialect == dialectIptables && t.Chain != "" && t.Table == "" {
			switch strings.ToLower(t.Chain) {
			case "input", "forward", "output", "prerouting", "postrouting":
			default:
				return verifiers.Invalidf(field+".table", "is required with a user-defined chain")
			}
		}
	}
	return nil
}

// verdictWord reads permit/deny and their synonyms; true means permit.
func verdictWord(raw json.RawMessage, field string) (bool, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return false, verifiers.Invalidf(field, "want permit or deny")
	}
	switch strings.ToLower(s) {
	case "permit", "accept", "allow", "allowed", "permitted":
		return true, nil
	case "deny", "drop", "reject", "discard", "denied", "block":
		return false, nil
	}
	return false, verifiers.Invalidf(field, "want permit or deny (or accept, drop, reject, discard), got %q", s)
}

func (p *specParser) pattern(c *check, raw json.RawMessage, field string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return verifiers.Invalidf(field, "is required")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return verifiers.Invalidf(field, "%v", err)
		}
		s = collapseSpace(s)
		if s == "" || len(s) > 4096 {
			return verifiers.Invalidf(field, "must be 1 to 4096 characters")
		}
		c.literal = s
		return nil
	}
	var obj struct {
		Regex   *string `json:"regex"`
		Literal *string `json:"literal"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&obj); err != nil {
		return verifiers.Invalidf(field, "want a string or {\"regex\": ...}: %v", err)
	}
	switch {
	case obj.Regex != nil && obj.Literal == nil:
		if len(*obj.Regex) > 4096 {
			return verifiers.Invalidf(field+".regex", "is over 4096 bytes")
		}
		re, err := regexp.Compile(*obj.Regex)
		if err != nil {
			return verifiers.Invalidf(field+".regex", "%v", err)
		}
		c.re = re
	case obj.Literal != nil && obj.Regex == nil:
		c.literal = collapseSpace(*obj.Literal)
		if c.literal == "" {
			return verifiers.Invalidf(field+".literal", "is empty")
		}
	default:
		return verifiers.Invalidf(field, "needs exactly one of regex and literal")
	}
	return nil
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// parsePath reads interfaces["Gi0/1"].ipv4 or interfaces.Gi0/1 style paths.
func parsePath(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '.':
			i++
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", s)
			}
			key := strings.TrimSpace(s[i+1 : i+end])
			if uq, err := strconv.Unquote(key); err == nil {
				key = uq
			} else if len(key) >= 2 && key[0] == '\'' && key[len(key)-1] == '\'' {
				key = key[1 : len(key)-1]
			}
			out = append(out, key)
			i += end + 1
		default:
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}

// header resolves a header object: a def name, or an object whose "def"
// (or "use") names defs merged under its own fields.
func (p *specParser) header(raw json.RawMessage, field string, depth int) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if depth > maxDefDepth {
		return nil, verifiers.Invalidf(field, "defs nest too deeply")
	}
	if len(raw) > 0 && raw[0] == '"' {
		var name string
		_ = json.Unmarshal(raw, &name)
		d, ok := p.defs[name]
		if !ok {
			return nil, verifiers.Invalidf(field, "names no def %q", name)
		}
		return p.header(d, field, depth+1)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, verifiers.Invalidf(field, "want an object of header fields: %v", err)
	}
	out := map[string]json.RawMessage{}
	for _, k := range []string{"def", "use"} {
		if ref, ok := m[k]; ok {
			names, err := jsonScalars(ref)
			if err != nil {
				return nil, verifiers.Invalidf(field+"."+k, "%v", err)
			}
			for _, n := range names {
				d, ok := p.defs[n]
				if !ok {
					return nil, verifiers.Invalidf(field+"."+k, "names no def %q", n)
				}
				sub, err := p.header(d, field+"."+k, depth+1)
				if err != nil {
					return nil, err
				}
				for kk, vv := range sub {
					out[kk] = vv
				}
			}
			delete(m, k)
		}
	}
	for k, v := range m {
		out[k] = v
	}
	return out, nil
}

var headerFields = map[string]bool{"src": true, "dst": true, "proto": true, "sport": true, "dport": true,
	"icmp_type": true, "icmp_code": true, "state": true, "tcp_flags": true, "in_iface": true, "out_iface": true}

// values flattens a field value, replacing def names by their values.
func (p *specParser) values(name string, raw json.RawMessage, field string, depth int) ([]string, error) {
	if depth > maxDefDepth {
		return nil, verifiers.Invalidf(field, "defs nest too deeply")
	}
	vals, err := jsonScalars(raw)
	if err != nil {
		return nil, verifiers.Invalidf(field, "%v", err)
	}
	var out []string
	for _, v := range vals {
		d, ok := p.defs[v]
		if !ok {
			out = append(out, v)
			continue
		}
		d = bytes.TrimSpace(d)
		if len(d) > 0 && d[0] == '{' {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(d, &m); err != nil {
				return nil, verifiers.Invalidf(field, "def %q: %v", v, err)
			}
			fv, ok := m[name]
			if !ok {
				return nil, verifiers.Invalidf(field, "def %q has no %s", v, name)
			}
			d = fv
		}
		sub, err := p.values(name, d, field, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

var fieldDim = map[string]dim{"src": dimSrc, "dst": dimDst, "proto": dimProto, "sport": dimSport, "dport": dimDport,
	"icmp_type": dimICMPType, "icmp_code": dimICMPCode, "state": dimState, "tcp_flags": dimFlags}

// box parses a header space. withDefaults applies the documented defaults
// (state new; tcp/udp when only ports are given; icmp for icmp fields).
func (p *specParser) box(raw json.RawMessage, field string, withDefaults bool) (*box, error) {
	h, err := p.header(raw, field, 0)
	if err != nil {
		return nil, err
	}
	b := &box{flagsFromState: true}
	for _, k := range sortedKeys(h) {
		v := h[k]
		f := field + "." + k
		if !headerFields[k] {
			return nil, verifiers.Invalidf(f, "unknown header field")
		}
		neg := false
		if inner, ok := notWrapped(v); ok {
			neg, v = true, inner
		}
		vals, err := p.values(k, v, f, 0)
		if err != nil {
			return nil, err
		}
		if k == "in_iface" || k == "out_iface" {
			ic := &ifaceCon{names: vals, neg: neg}
			if k == "in_iface" {
				b.in = ic
			} else {
				b.out = ic
			}
			continue
		}
		d := fieldDim[k]
		vs := newSet(width[d])
		for _, s := range vals {
			if err := addFieldValue(vs, d, s); err != nil {
				return nil, verifiers.Invalidf(f, "%v", err)
			}
		}
		b.c[d] = &Cond{Dim: d, Neg: neg, Set: vs.finish()}
	}
	if withDefaults {
		applyBoxDefaults(b)
	}
	return b, nil
}

func applyBoxDefaults(b *box) {
	// Loopback traffic is host-internal; a space means traffic from the
	// network unless it names interfaces itself.
	if b.in == nil {
		b.in = &ifaceCon{names: []string{"lo"}, neg: true}
	}
	if b.c[dimState] == nil {
		b.c[dimState] = &Cond{Dim: dimState, Set: newSet(width[dimState]).addValue(stNew).finish()}
	}
	if b.c[dimProto] == nil {
		switch {
		case b.c[dimDport] != nil || b.c[dimSport] != nil || b.c[dimFlags] != nil:
			vs := newSet(8).addValue(protoTCP)
			if b.c[dimFlags] == nil {
				vs.addValue(protoUDP)
			}
			b.c[dimProto] = &Cond{Dim: dimProto, Set: vs.finish()}
		case b.c[dimICMPType] != nil || b.c[dimICMPCode] != nil:
			b.c[dimProto] = &Cond{Dim: dimProto, Set: newSet(8).addValue(protoICMP).finish()}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return ks
}

func notWrapped(raw json.RawMessage) (json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) != 1 {
		return nil, false
	}
	v, ok := m["not"]
	return v, ok
}

func addFieldValue(vs *ValueSet, d dim, s string) error {
	ls := strings.ToLower(strings.TrimSpace(s))
	if ls == "any" || ls == "*" || (d == dimProto && (ls == "ip" || ls == "all")) {
		vs.addAll()
		return nil
	}
	switch d {
	case dimSrc, dimDst:
		if !addAddr(vs, s) {
			return fmt.Errorf("bad address %q", s)
		}
	case dimProto:
		v, ok := parseProto(s)
		if !ok {
			return fmt.Errorf("bad protocol %q", s)
		}
		vs.addValue(v)
	case dimSport, dimDport:
		lo, hi, ok := parsePortRange(s)
		if !ok {
			return fmt.Errorf("bad port %q", s)
		}
		vs.addRange(lo, hi, true)
	case dimICMPType:
		t, _, ok := parseICMPType(s)
		if !ok {
			return fmt.Errorf("bad icmp type %q", s)
		}
		vs.addValue(uint32(t))
	case dimICMPCode:
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 255 {
			return fmt.Errorf("bad icmp code %q", s)
		}
		vs.addValue(uint32(n))
	case dimState:
		v, ok := parseState(s)
		if !ok {
			return fmt.Errorf("bad state %q (want new, established, related or invalid)", s)
		}
		vs.addValue(v)
	case dimFlags:
		v, ok := parseFlags(s)
		if !ok {
			return fmt.Errorf("bad tcp flags %q", s)
		}
		vs.addValue(v)
	}
	return nil
}

// packet parses a concrete packet.
func (p *specParser) packet(raw json.RawMessage, field string) (Packet, error) {
	var pk Packet
	if len(bytes.TrimSpace(raw)) == 0 {
		return pk, verifiers.Invalidf(field, "is required")
	}
	h, err := p.header(raw, field, 0)
	if err != nil {
		return pk, err
	}
	have := map[string]bool{}
	for _, k := range sortedKeys(h) {
		f := field + "." + k
		if !headerFields[k] {
			return pk, verifiers.Invalidf(f, "unknown packet field")
		}
		vals, err := p.values(k, h[k], f, 0)
		if err != nil {
			return pk, err
		}
		if k == "tcp_flags" {
			v, ok := parseFlags(strings.Join(vals, ","))
			if !ok {
				return pk, verifiers.Invalidf(f, "bad tcp flags %v", vals)
			}
			pk.V[dimFlags] = v
			have[k] = true
			continue
		}
		if len(vals) != 1 {
			return pk, verifiers.Invalidf(f, "a packet field takes one value")
		}
		s := strings.TrimSpace(vals[0])
		have[k] = true
		switch k {
		case "in_iface":
			pk.In = s
		case "out_iface":
			pk.Out = s
		case "src", "dst":
			v, ok := parseIPv4(s)
			if !ok {
				return pk, verifiers.Invalidf(f, "want an IPv4 address, got %q", s)
			}
			pk.V[fieldDim[k]] = v
		case "proto":
			v, ok := parseProto(s)
			if !ok {
				return pk, verifiers.Invalidf(f, "bad protocol %q", s)
			}
			pk.V[dimProto] = v
		case "sport", "dport":
			v, ok := parsePort(s)
			if !ok {
				return pk, verifiers.Invalidf(f, "bad port %q", s)
			}
			pk.V[fieldDim[k]] = v
		case "icmp_type":
			t, code, ok := parseICMPType(s)
			if !ok {
				return pk, verifiers.Invalidf(f, "bad icmp type %q", s)
			}
			pk.V[dimICMPType] = uint32(t)
			if code >= 0 && !have["icmp_code"] {
				pk.V[dimICMPCode] = uint32(code)
			}
		case "icmp_code":
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 255 {
				return pk, verifiers.Invalidf(f, "bad icmp code %q", s)
			}
			pk.V[dimICMPCode] = uint32(n)
		case "state":
			v, ok := parseState(s)
			if !ok {
				return pk, verifiers.Invalidf(f, "bad state %q", s)
			}
			pk.V[dimState] = v
		}
	}
	if !have["proto"] {
		switch {
		case have["dport"] || have["sport"] || have["tcp_flags"]:
			pk.V[dimProto] = protoTCP
		case have["icmp_type"]:
			pk.V[dimProto] = protoICMP
		default:
			return pk, verifiers.Invalidf(field+".proto", "is required")
		}
	}
	if !have["tcp_flags"] {
		pk.V[dimFlags] = flagsFor(pk.V[dimState])
	}
	for d := dim(0); d < numDims; d++ {
		if !applicable(d, pk.V[dimProto]) {
			pk.V[d] = 0
		}
	}
	return pk, nil
}
