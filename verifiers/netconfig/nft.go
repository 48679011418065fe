package netconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// nftables: the `nft list ruleset` syntax (nested blocks), plus the
// `add table|chain|rule` and `flush ruleset` command forms of nft scripts.

type ntok struct {
	s      string
	line   int
	quoted bool
}

const (
	tkNL = "\n"
)

// nftLex splits the text into words, strings and the punctuation { } ; , and
// newlines. Comments run from # to the end of the line.
func nftLex(lines []string) []ntok {
	var out []ntok
	for i, l := range lines {
		ln := i + 1
		j := 0
		for j < len(l) {
			c := l[j]
			switch {
			case c == ' ' || c == '\t' || c == '\r':
				j++
			case c == '#':
				j = len(l)
			case c == '{' || c == '}' || c == ';' || c == ',':
				out = append(out, ntok{s: string(c), line: ln})
				j++
			case c == '"':
				k := j + 1
				for k < len(l) && l[k] != '"' {
					if l[k] == '\\' {
						k++
					}
					k++
				}
				end := k
				if end > len(l) {
					end = len(l)
				}
				out = append(out, ntok{s: l[j+1 : end], line: ln, quoted: true})
				j = k + 1
			default:
				k := j
				for k < len(l) && !strings.ContainsRune(" \t\r#{};,\"", rune(l[k])) {
					k++
				}
				out = append(out, ntok{s: l[j:k], line: ln})
				j = k
			}
		}
		out = append(out, ntok{s: tkNL, line: ln})
	}
	return out
}

type nftSet struct {
	name   string
	typ    string // ipv4_addr, inet_service, inet_proto, ifname, ct_state, icmp_type, mark...
	isMap  bool
	elems  []ntok // raw element tokens (keys, and map values after ':')
	line   int
	family string
	table  string
}

type nftParser struct {
	cfg      *Config
	toks     []ntok
	pos      int
	defines  map[string][]ntok
	sets     map[string]*nftSet // "family table name"
	deferred []func()
	family   string
	table    string
}

func parseNft(cfg *Config) {
	p := &nftParser{cfg: cfg, toks: nftLex(cfg.Lines), defines: map[string][]ntok{}, sets: map[string]*nftSet{}}
	p.top()
	for _, f := range p.deferred {
		f()
	}
	for _, k := range cfg.chainOrder {
		ch := cfg.Chains[k]
		for _, r := range ch.Rules {
			if r.Action == ActJump || r.Action == ActGoto {
				tk := ch.Family + " " + ch.Table + " " + r.Target
				t := cfg.Chains[tk]
				if t == nil {
					cfg.errorf(r.Line, "jump to undefined chain %q", r.Target)
					continue
				}
				if t.Base {
					cfg.errorf(r.Line, "cannot jump to base chain %s", r.Target)
					continue
				}
				r.target = t
				cfg.use("chain", tk, r.Line)
			}
		}
	}
	detectLoops(cfg)
	checkExpansion(cfg)
	for _, k := range cfg.chainOrder {
		ch := cfg.Chains[k]
		if ch.Base && (ch.Family == "ip" || ch.Family == "inet") {
			cfg.hooks[ch.Hook] = append(cfg.hooks[ch.Hook], ch)
		}
	}
	cfg.sortHooks()
}

func (p *nftParser) peek() ntok {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ntok{s: "", line: len(p.cfg.Lines)}
}

func (p *nftParser) next() ntok {
	t := p.peek()
	if p.pos < len(p.toks) {
		p.pos++
	}
	return t
}

func (p *nftParser) eof() bool { return p.pos >= len(p.toks) }

// stmt reads tokens up to the end of a statement (newline or ;) at the
// current level; braces inside (anonymous sets) are kept and may span lines.
func (p *nftParser) stmt() []ntok { return p.stmtIn(nil) }

// blockWords open nested blocks in the top-level and table contexts.
var topBlockWords = map[string]bool{"table": true, "chain": true, "set": true, "map": true, "flowtable": true, "counter": true,
	"quota": true, "ct": true, "limit": true, "secmark": true, "synproxy": true}

// stmtIn is stmt where a statement starting with one of blocks ends at its
// opening brace.
func (p *nftParser) stmtIn(blocks map[string]bool) []ntok {
	var out []ntok
	depth := 0
	for !p.eof() {
		t := p.peek()
		if depth == 0 && t.s == "{" && !t.quoted && len(out) > 0 && blocks[out[0].s] && !out[0].quoted {
			p.next()
			return append(out, t)
		}
		if depth == 0 && (t.s == tkNL || t.s == ";") && !t.quoted {
			p.next()
			if len(out) == 0 {
				continue
			}
			return out
		}
		if depth == 0 && t.s == "}" && !t.quoted {
			return out
		}
		p.next()
		if !t.quoted {
			switch t.s {
			case "{":
				depth++
			case "}":
				depth--
			case tkNL:
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// skipBlock skips to the } closing an already opened block.
func (p *nftParser) skipBlock() {
	depth := 1
	for !p.eof() && depth > 0 {
		t := p.next()
		if t.quoted {
			continue
		}
		if t.s == "{" {
			depth++
		} else if t.s == "}" {
			depth--
		}
	}
}

func isFamily(s string) bool {
	switch s {
	case "ip", "ip6", "inet", "arp", "bridge", "netdev":
		return true
	}
	return false
}

func (p *nftParser) top() {
	cfg := p.cfg
	for !p.eof() {
		st := p.stmtIn(topBlockWords)
		if len(st) == 0 {
			if p.peek().s == "}" {
				t := p.next()
				cfg.errorf(t.line, "unbalanced }")
			}
			continue
		}
		ln := st[0].line
		switch st[0].s {
		case "table":
			fam, name, rest, ok := p.tableName(st[1:])
			if !ok || len(rest) != 1 || rest[0].s != "{" {
				cfg.errorf(ln, "table FAMILY NAME {")
				if len(st) > 0 && st[len(st)-1].s == "{" {
					p.skipBlock()
				}
				continue
			}
			p.tableBody(fam, name)
		case "define":
			if len(st) < 4 || st[2].s != "=" {
				cfg.errorf(ln, "define NAME = VALUE")
				continue
			}
			p.defines["$"+st[1].s] = st[3:]
		case "flush", "delete", "destroy":
			cfg.unmodeled(ln, st[0].s+" command")
		case "add", "create", "insert":
			p.command(st, ln)
		case "include":
			cfg.unmodeled(ln, "include is not followed")
		default:
			if st[len(st)-1].s == "{" {
				p.skipBlock()
			}
			cfg.unrecognized(ln)
		}
	}
}

func (p *nftParser) tableName(t []ntok) (string, string, []ntok, bool) {
	if len(t) == 0 {
		return "", "", nil, false
	}
	fam := "ip"
	if isFamily(t[0].s) && len(t) >= 2 && t[1].s != "{" {
		fam, t = t[0].s, t[1:]
	}
	if len(t) == 0 || t[0].s == "{" {
		return "", "", nil, false
	}
	return fam, t[0].s, t[1:], true
}

// command handles `add table|chain|rule|set|element ...` lines.
func (p *nftParser) command(st []ntok, ln int) {
	cfg := p.cfg
	if len(st) < 2 {
		cfg.errorf(ln, "incomplete command")
		return
	}
	kind := st[1].s
	fam, tbl, rest, ok := p.tableName(st[2:])
	if !ok {
		cfg.errorf(ln, "%s needs a table", kind)
		return
	}
	p.family, p.table = fam, tbl
	switch kind {
	case "table":
		if len(rest) > 0 && rest[0].s == "{" {
			p.tableBody(fam, tbl)
		}
	case "chain":
		if len(rest) == 0 {
			cfg.errorf(ln, "add chain needs a name")
			return
		}
		ch := p.chain(rest[0].s, ln)
		if len(rest) > 1 && rest[1].s == "{" {
			inner := rest[2:]
			if len(inner) > 0 && inner[len(inner)-1].s == "}" {
				inner = inner[:len(inner)-1]
			}
			for _, s := range splitSemis(inner) {
				p.chainStmt(ch, s)
			}
		}
	case "rule":
		if len(rest) < 2 {
			cfg.errorf(ln, "add rule needs a chain and a rule")
			return
		}
		ch := p.cfg.Chains[fam+" "+tbl+" "+rest[0].s]
		if ch == nil {
			cfg.errorf(ln, "chain %s does not exist", rest[0].s)
			return
		}
		body := rest[1:]
		insert := st[0].s == "insert"
		if len(body) >= 2 && (body[0].s == "position" || body[0].s == "handle" || body[0].s == "index") {
			cfg.unmodeled(ln, "rule position is ignored")
			body = body[2:]
		}
		p.rule(ch, body, insert)
	case "set", "map":
		if len(rest) < 2 || rest[1].s != "{" {
			cfg.errorf(ln, "add set needs a body")
			return
		}
		inner := rest[2:]
		if len(inner) > 0 && inner[len(inner)-1].s == "}" {
			inner = inner[:len(inner)-1]
		}
		s := p.newSet(rest[0].s, kind == "map", ln)
		for _, x := range splitSemis(inner) {
			p.setStmt(s, x)
		}
	case "element":
		if len(rest) < 2 {
			cfg.errorf(ln, "add element needs a set and elements")
			return
		}
		s := p.sets[fam+" "+tbl+" "+rest[0].s]
		if s == nil {
			cfg.errorf(ln, "set %s does not exist", rest[0].s)
			return
		}
		s.elems = append(s.elems, stripBraces(rest[1:])...)
	default:
		cfg.unmodeled(ln, "add "+kind)
	}
}

func splitSemis(t []ntok) [][]ntok {
	var out [][]ntok
	var cur []ntok
	depth := 0
	for _, x := range t {
		if !x.quoted {
			switch x.s {
			case "{":
				depth++
			case "}":
				depth--
			}
			if depth == 0 && x.s == ";" {
				if len(cur) > 0 {
					out = append(out, cur)
				}
				cur = nil
				continue
			}
		}
		cur = append(cur, x)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func stripBraces(t []ntok) []ntok {
	if len(t) >= 2 && t[0].s == "{" && t[len(t)-1].s == "}" {
		return t[1 : len(t)-1]
	}
	return t
}

func (p *nftParser) tableBody(fam, name string) {
	cfg := p.cfg
	p.family, p.table = fam, name
	for !p.eof() {
		st := p.stmtIn(topBlockWords)
		if len(st) == 0 {
			if p.peek().s == "}" {
				p.next()
				return
			}
			continue
		}
		ln := st[0].line
		switch st[0].s {
		case "chain":
			if len(st) != 3 || st[2].s != "{" {
				cfg.errorf(ln, "chain NAME {")
				if st[len(st)-1].s == "{" {
					p.skipBlock()
				}
				continue
			}
			ch := p.chain(st[1].s, ln)
			p.chainBody(ch)
		case "set", "map":
			if len(st) != 3 || st[2].s != "{" {
				cfg.errorf(ln, "%s NAME {", st[0].s)
				if st[len(st)-1].s == "{" {
					p.skipBlock()
				}
				continue
			}
			s := p.newSet(st[1].s, st[0].s == "map", ln)
			for !p.eof() {
				x := p.stmt()
				if len(x) == 0 {
					if p.peek().s == "}" {
						p.next()
						break
					}
					continue
				}
				p.setStmt(s, x)
			}
		case "flags", "comment":
		case "flowtable", "counter", "quota", "ct", "limit", "secmark", "synproxy":
			cfg.unmodeled(ln, st[0].s+" object")
			if st[len(st)-1].s == "{" {
				p.skipBlock()
			}
		default:
			cfg.errorf(ln, "unexpected %q in table", st[0].s)
			if st[len(st)-1].s == "{" {
				p.skipBlock()
			}
		}
	}
	cfg.errorf(len(cfg.Lines), "table %s is not closed", name)
}

func (p *nftParser) chain(name string, ln int) *Chain {
	key := p.family + " " + p.table + " " + name
	if ch := p.cfg.Chains[key]; ch != nil {
		return ch
	}
	ch := &Chain{Name: key, Family: p.family, Table: p.table, Short: name, Policy: ActAccept, Line: ln,
		PolicyText: "end of chain " + name + ": returns to the caller"}
	p.cfg.addChain(key, ch)
	return ch
}

func (p *nftParser) chainBody(ch *Chain) {
	for !p.eof() {
		st := p.stmt()
		if len(st) == 0 {
			if p.peek().s == "}" {
				p.next()
				if !ch.Base {
					p.cfg.define("chain", ch.Name, ch.Line)
				}
				return
			}
			continue
		}
		p.chainStmt(ch, st)
	}
	p.cfg.errorf(ch.Line, "chain %s is not closed", ch.Short)
}

var nftPriorities = map[string]int{"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100, "out": 100, "in": -100, "dstnat_bridge": -300}

func (p *nftParser) chainStmt(ch *Chain, st []ntok) {
	cfg := p.cfg
	ln := st[0].line
	switch st[0].s {
	case "type":
		// type filter hook input [device eth0] priority 0 [device eth0]
		if len(st) >= 8 && st[2].s == "hook" && st[4].s == "device" {
			st = append(append([]ntok{}, st[:4]...), st[6:]...)
		}
		if len(st) < 6 || st[2].s != "hook" || st[4].s != "priority" {
			cfg.errorf(ln, "type TYPE hook HOOK priority PRIO")
			return
		}
		switch st[1].s {
		case "filter", "nat", "route":
		default:
			cfg.errorf(ln, "unknown chain type %q", st[1].s)
			return
		}
		hook := st[3].s
		switch hook {
		case "prerouting", "input", "forward", "output", "postrouting", "ingress", "egress":
		default:
			cfg.errorf(ln, "unknown hook %q", hook)
			return
		}
		prio, rest, ok := nftPriority(st[5:])
		if !ok {
			cfg.errorf(ln, "bad priority")
			return
		}
		if len(rest) >= 2 && rest[0].s == "device" {
			rest = rest[2:]
		}
		if len(rest) > 0 {
			cfg.errorf(ln, "unexpected %q", rest[0].s)
			return
		}
		ch.Base, ch.Hook, ch.Priority = true, hook, prio
		ch.PolicyText = "default policy accept"
		ch.PolicyLine = ln
		if st[1].s == "nat" && ch.Family == "ip" || st[1].s == "nat" {
			ch.PolicyText = "nat chain: policy accept"
		}
	case "policy":
		if len(st) != 2 || (st[1].s != "accept" && st[1].s != "drop") {
			cfg.errorf(ln, "policy accept|drop")
			return
		}
		if !ch.Base {
			cfg.errorf(ln, "policy on a regular chain")
			return
		}
		ch.Policy = ActAccept
		if st[1].s == "drop" {
			ch.Policy = ActDrop
		}
		ch.PolicyLine, ch.PolicyText = ln, "policy "+st[1].s
	case "comment":
	case "devices", "device", "flags":
	default:
		p.rule(ch, st, false)
	}
}

func nftPriority(t []ntok) (int, []ntok, bool) {
	if len(t) == 0 {
		return 0, nil, false
	}
	var base int
	if v, ok := nftPriorities[t[0].s]; ok {
		base = v
	} else if n, err := strconv.Atoi(t[0].s); err == nil {
		base = n
	} else {
		return 0, nil, false
	}
	t = t[1:]
	if len(t) >= 2 && (t[0].s == "+" || t[0].s == "-") {
		n, err := strconv.Atoi(t[1].s)
		if err != nil {
			return 0, nil, false
		}
		if t[0].s == "-" {
			n = -n
		}
		base += n
		t = t[2:]
	}
	return base, t, true
}

func (p *nftParser) newSet(name string, isMap bool, ln int) *nftSet {
	key := p.family + " " + p.table + " " + name
	s := &nftSet{name: name, isMap: isMap, line: ln, family: p.family, table: p.table}
	if _, dup := p.sets[key]; dup {
		p.cfg.errorf(ln, "set %s already exists", name)
	}
	p.sets[key] = s
	p.cfg.define("set", key, ln)
	return s
}

var nftTypeofTypes = map[string]string{
	"ip saddr": "ipv4_addr", "ip daddr": "ipv4_addr", "tcp dport": "inet_service", "tcp sport": "inet_service",
	"udp dport": "inet_service", "udp sport": "inet_service", "th dport": "inet_service", "th sport": "inet_service",
	"meta l4proto": "inet_proto", "ip protocol": "inet_proto", "iifname": "ifname", "oifname": "ifname",
	"meta iifname": "ifname", "meta oifname": "ifname", "ct state": "ct_state", "icmp type": "icmp_type",
}

func (p *nftParser) setStmt(s *nftSet, st []ntok) {
	cfg := p.cfg
	ln := st[0].line
	switch st[0].s {
	case "type":
		if len(st) < 2 {
			cfg.errorf(ln, "type needs a data type")
			return
		}
		s.typ = st[1].s
		if len(st) > 2 && st[2].s == "." {
			s.typ = "concat"
		}
		if s.isMap && (len(st) < 4 || st[2].s != ":") {
			cfg.errorf(ln, "map type needs KEY : VALUE")
		}
	case "typeof":
		var words []string
		for _, t := range st[1:] {
			if t.s == ":" {
				break
			}
			words = append(words, t.s)
		}
		s.typ = nftTypeofTypes[strings.Join(words, " ")]
		if s.typ == "" {
			s.typ = "unmodeled"
		}
	case "elements":
		if len(st) < 3 || st[1].s != "=" {
			cfg.errorf(ln, "elements = { ... }")
			return
		}
		s.elems = append(s.elems, stripBraces(st[2:])...)
	case "flags", "size", "timeout", "gc-interval", "counter", "auto-merge", "comment", "policy":
	default:
		cfg.errorf(ln, "unexpected %q in set", st[0].s)
	}
}

// nftField names what a selector reads and what it implies.
type nftField struct {
	dim   dim
	proto []uint32 // implied protocols (nil: none)
	never bool     // IPv6-only selector
	unmod bool     // valid but not modeled: treated as matching
	kind  string   // value kind: addr, port, proto, iface, state, icmp, flags, num
}

func nftSelector(t []ntok) (nftField, int, bool) {
	if len(t) == 0 {
		return nftField{}, 0, false
	}
	two := ""
	if len(t) >= 2 {
		two = t[0].s + " " + t[1].s
	}
	switch two {
	case "ip saddr":
		return nftField{dim: dimSrc, kind: "addr"}, 2, true
	case "ip daddr":
		return nftField{dim: dimDst, kind: "addr"}, 2, true
	case "ip protocol", "meta l4proto":
		return nftField{dim: dimProto, kind: "proto"}, 2, true
	case "tcp dport":
		return nftField{dim: dimDport, proto: []uint32{protoTCP}, kind: "port"}, 2, true
	case "tcp sport":
		return nftField{dim: dimSport, proto: []uint32{protoTCP}, kind: "port"}, 2, true
	case "udp dport":
		return nftField{dim: dimDport, proto: []uint32{protoUDP}, kind: "port"}, 2, true
	case "udp sport":
		return nftField{dim: dimSport, proto: []uint32{protoUDP}, kind: "port"}, 2, true
	case "sctp dport":
		return nftField{dim: dimDport, proto: []uint32{protoSCTP}, kind: "port"}, 2, true
	case "sctp sport":
		return nftField{dim: dimSport, proto: []uint32{protoSCTP}, kind: "port"}, 2, true
	case "th dport":
		return nftField{dim: dimDport, proto: []uint32{protoTCP, protoUDP, protoSCTP}, kind: "port"}, 2, true
	case "th sport":
		return nftField{dim: dimSport, proto: []uint32{protoTCP, protoUDP, protoSCTP}, kind: "port"}, 2, true
	case "tcp flags":
		return nftField{dim: dimFlags, proto: []uint32{protoTCP}, kind: "flags"}, 2, true
	case "icmp type":
		return nftField{dim: dimICMPType, proto: []uint32{protoICMP}, kind: "icmp"}, 2, true
	case "icmp code":
		return nftField{dim: dimICMPCode, proto: []uint32{protoICMP}, kind: "num"}, 2, true
	case "ct state":
		return nftField{dim: dimState, kind: "state"}, 2, true
	case "meta iifname", "meta iif":
		return nftField{dim: dimIn, kind: "iface"}, 2, true
	case "meta oifname", "meta oif":
		return nftField{dim: dimOut, kind: "iface"}, 2, true
	case "meta protocol", "meta nfproto":
		return nftField{kind: "family"}, 2, true
	case "ip length", "ip ttl", "ip dscp", "ip id", "ip frag-off", "ip version", "ip hdrlength", "ip checksum", "meta mark",
		"ct mark", "ct status", "ct direction", "meta pkttype", "meta skuid", "meta skgid", "meta length", "meta priority",
		"ct zone", "ct helper", "meta cpu", "meta cgroup", "tcp option", "ct count", "meta iiftype", "meta oiftype", "ip ecn",
		"tcp sequence", "tcp ackseq", "tcp window", "icmp id", "icmp sequence", "ct expiration", "ct l3proto", "ct protocol",
		"meta day", "meta hour", "meta time", "ether saddr", "ether daddr", "ether type", "vlan id", "udp length", "udp checksum":
		return nftField{unmod: true, kind: "num"}, 2, true
	}
	switch t[0].s {
	case "iifname", "iif":
		return nftField{dim: dimIn, kind: "iface"}, 1, true
	case "oifname", "oif":
		return nftField{dim: dimOut, kind: "iface"}, 1, true
	case "ip6", "icmpv6":
		if len(t) >= 2 {
			return nftField{never: true, kind: "num"}, 2, true
		}
	case "l4proto":
		return nftField{dim: dimProto, kind: "proto"}, 1, true
	case "mark", "pkttype", "skuid", "skgid":
		return nftField{unmod: true, kind: "num"}, 1, true
	}
	return nftField{}, 0, false
}

var nftOps = map[string]string{"==": "==", "eq": "==", "!=": "!=", "ne": "!=", "<": "<", "lt": "<", ">": ">", "gt": ">", "<=": "<=", "le": "<=", ">=": ">=", "ge": ">="}

// rule parses one rule's tokens into rules (a verdict map yields several).
func (p *nftParser) rule(ch *Chain, st []ntok, insert bool) {
	ln := st[0].line
	text := p.cfg.lineText(ln)
	type vmapKey struct {
		f    nftField
		keys []ntok
		vals [][]ntok
		at   int
	}
	var conds []Cond
	var vm *vmapKey
	var natRW *rewrite
	act := ActContinue
	target := ""
	hasVerdict := false
	fail := func(format string, args ...any) {
		p.cfg.errorf(ln, format, args...)
	}
	st = p.expandDefines(st)
	type pendingSet struct {
		idx  int
		f    nftField
		name string
		neg  bool
	}
	var pend []pendingSet
	for i := 0; i < len(st); {
		t := st[i]
		if hasVerdict && t.s != "comment" {
			fail("statement after the verdict: %q", t.s)
			return
		}
		switch t.s {
		case "accept", "drop", "return", "continue":
			act = map[string]Action{"accept": ActAccept, "drop": ActDrop, "return": ActReturn, "continue": ActContinue}[t.s]
			hasVerdict = t.s != "continue"
			i++
			continue
		case "reject":
			act, hasVerdict = ActReject, true
			i++
			if i < len(st) && st[i].s == "with" {
				// with icmp type X | with icmpx type X | with tcp reset
				if i+2 >= len(st) {
					fail("reject with needs a type")
					return
				}
				if st[i+1].s == "tcp" && st[i+2].s == "reset" {
					i += 3
				} else if i+3 < len(st) && st[i+2].s == "type" {
					i += 4
				} else {
					fail("bad reject")
					return
				}
			}
			continue
		case "jump", "goto":
			if i+1 >= len(st) {
				fail("%s needs a chain", t.s)
				return
			}
			act, target, hasVerdict = ActJump, st[i+1].s, true
			if t.s == "goto" {
				act = ActGoto
			}
			i += 2
			continue
		case "queue":
			act, hasVerdict = ActAccept, true
			i = len(st)
			continue
		case "counter":
			i++
			for i+1 < len(st) && (st[i].s == "packets" || st[i].s == "bytes" || st[i].s == "name") {
				i += 2
			}
			continue
		case "log":
			i++
			for i+1 < len(st) && (st[i].s == "prefix" || st[i].s == "level" || st[i].s == "group" || st[i].s == "snaplen" || st[i].s == "queue-threshold" || st[i].s == "flags") {
				i += 2
			}
			continue
		case "comment":
			if i+1 >= len(st) {
				fail("comment needs text")
				return
			}
			i += 2
			continue
		case "limit":
			// limit rate [over] N/unit [burst N packets|bytes]
			p.cfg.unmodeled(ln, "limit is not modeled (treated as matching)")
			i++
			for i < len(st) && st[i].s != "accept" && st[i].s != "drop" && st[i].s != "counter" && st[i].s != "log" && st[i].s != "reject" && st[i].s != "jump" && st[i].s != "goto" && st[i].s != "comment" {
				i++
			}
			continue
		case "notrack":
			i++
			continue
		case "snat", "dnat", "masquerade", "redirect":
			act, hasVerdict = ActAccept, true
			// dnat [ip] to ADDR[:PORT], redirect to :PORT
			if t.s == "dnat" || t.s == "redirect" {
				j := i + 1
				if j < len(st) && st[j].s == "ip" {
					j++
				}
				if j+1 < len(st) && st[j].s == "to" {
					spec := st[j+1].s
					if t.s == "redirect" && !strings.HasPrefix(spec, ":") {
						spec = ":" + spec
					}
					rw, ok := parseDNAT(spec)
					if !ok {
						fail("bad %s target %q", t.s, spec)
						return
					}
					natRW = rw
				}
			}
			i = len(st)
			continue
		case "meta", "ct":
			if i+2 < len(st) && st[i+2].s == "set" {
				// meta mark set X / ct mark set X: a non-terminating statement.
				i += 4
				continue
			}
		case "fib", "rt", "socket", "osf", "meter", "numgen", "jhash", "symhash", "set", "update", "add", "dup", "fwd", "synproxy", "quota", "exthdr", "ipsec", "tproxy":
			p.cfg.unmodeled(ln, "statement "+t.s+" is not modeled")
			i = len(st)
			continue
		}
		f, n, ok := nftSelector(st[i:])
		if !ok {
			fail("unknown expression %q", t.s)
			return
		}
		i += n
		op := "=="
		if i < len(st) {
			if o, ok := nftOps[st[i].s]; ok {
				op = o
				i++
			}
		}
		if i >= len(st) {
			fail("missing value")
			return
		}
		if f.kind == "flags" && st[i].s == "&" {
			// tcp flags & (a | b) == c
			j := i + 1
			var maskToks []string
			for j < len(st) && st[j].s != "==" && st[j].s != "!=" {
				maskToks = append(maskToks, st[j].s)
				j++
			}
			if j+1 >= len(st) {
				fail("tcp flags & MASK == VALUE")
				return
			}
			m, ok1 := parseFlags(strings.Trim(strings.Join(maskToks, ""), "()"))
			v, ok2 := parseFlags(strings.Trim(st[j+1].s, "()"))
			if !ok1 || !ok2 {
				fail("bad tcp flags")
				return
			}
			conds = append(conds, Cond{Dim: dimProto, Set: newSet(8).addValue(protoTCP).finish()},
				Cond{Dim: dimFlags, Neg: st[j].s == "!=", Set: newSet(8).addCube(v&m, m, true).finish()})
			i = j + 2
			continue
		}
		if st[i].s == "vmap" {
			if vm != nil || f.never || f.unmod || f.kind == "family" {
				fail("unsupported verdict map")
				return
			}
			i++
			if i >= len(st) {
				fail("vmap needs a map")
				return
			}
			vm = &vmapKey{f: f, at: len(conds)}
			var elems []ntok
			if strings.HasPrefix(st[i].s, "@") {
				s := p.sets[ch.Family+" "+ch.Table+" "+st[i].s[1:]]
				if s == nil || !s.isMap {
					fail("map %s does not exist", st[i].s)
					return
				}
				p.cfg.use("set", ch.Family+" "+ch.Table+" "+st[i].s[1:], ln)
				elems = s.elems
				i++
			} else {
				j := i
				if st[j].s != "{" {
					fail("vmap needs { key : verdict, ... }")
					return
				}
				depth := 0
				for ; j < len(st); j++ {
					if st[j].s == "{" {
						depth++
					} else if st[j].s == "}" {
						depth--
						if depth == 0 {
							break
						}
					}
				}
				if j >= len(st) {
					fail("unclosed vmap")
					return
				}
				elems = st[i+1 : j]
				i = j + 1
			}
			for _, el := range splitCommas(elems) {
				k := -1
				for x := range el {
					if el[x].s == ":" {
						k = x
					}
				}
				if k <= 0 || k == len(el)-1 {
					fail("vmap element needs KEY : VERDICT")
					return
				}
				vm.keys = append(vm.keys, el[:k]...)
				vm.keys = append(vm.keys, ntok{s: ","})
				vm.vals = append(vm.vals, el[k+1:])
			}
			continue
		}
		// The value: a word, an anonymous set, or @set.
		var val []ntok
		if st[i].s == "{" {
			j := i + 1
			for j < len(st) && st[j].s != "}" {
				j++
			}
			if j >= len(st) {
				fail("unclosed set")
				return
			}
			val = st[i+1 : j]
			i = j + 1
		} else {
			val = st[i : i+1]
			i++
			// a flag list "syn,ack" or state list "established,related" arrives as words and commas
			for i+1 < len(st) && st[i].s == "," {
				val = append(val, st[i], st[i+1])
				i += 2
			}
		}
		if f.kind == "flags" && i+1 < len(st) && st[i].s == "/" {
			// tcp flags syn / fin,syn,rst,ack: (flags & mask) == value
			j := i + 1
			maskToks := []string{st[j].s}
			for j+2 < len(st) && st[j+1].s == "," {
				maskToks = append(maskToks, st[j+2].s)
				j += 2
			}
			var vals []string
			for _, v := range val {
				vals = append(vals, v.s)
			}
			v, ok1 := parseFlags(strings.Join(vals, ""))
			m, ok2 := parseFlags(strings.Join(maskToks, ","))
			if !ok1 || !ok2 {
				fail("bad tcp flags")
				return
			}
			conds = append(conds, p.implied(f)...)
			conds = append(conds, Cond{Dim: dimFlags, Neg: op == "!=", Set: newSet(8).addCube(v&m, m, true).finish()})
			i = j + 1
			continue
		}
		if op != "==" && op != "!=" {
			if len(val) != 1 || f.kind != "port" && f.kind != "num" && f.kind != "proto" {
				fail("operator %s needs a number", op)
				return
			}
			if f.unmod || f.never {
				if f.never {
					conds = append(conds, Cond{Dim: dimNever})
				}
				continue
			}
			v, ok := parsePort(val[0].s)
			if !ok {
				fail("bad value %q", val[0].s)
				return
			}
			vs := newSet(width[f.dim])
			top := maxVal(width[f.dim])
			switch op {
			case "<":
				if v == 0 {
					conds = append(conds, Cond{Dim: dimNever})
					continue
				}
				vs.addRange(0, v-1, true)
			case "<=":
				vs.addRange(0, v, true)
			case ">":
				if v >= top {
					conds = append(conds, Cond{Dim: dimNever})
					continue
				}
				vs.addRange(v+1, top, true)
			case ">=":
				vs.addRange(v, top, true)
			}
			conds = append(conds, p.implied(f)...)
			conds = append(conds, Cond{Dim: f.dim, Set: vs.finish()})
			continue
		}
		neg := op == "!="
		if f.never {
			conds = append(conds, Cond{Dim: dimNever})
			continue
		}
		if f.unmod {
			p.cfg.unmodeled(ln, "match is not modeled (treated as matching)")
			continue
		}
		if f.kind == "family" {
			fam := strings.ToLower(val[0].s)
			is4 := fam == "ip" || fam == "ipv4"
			if fam != "ip" && fam != "ipv4" && fam != "ip6" && fam != "ipv6" && fam != "arp" && fam != "vlan" {
				fail("bad family %q", fam)
				return
			}
			if is4 == neg {
				conds = append(conds, Cond{Dim: dimNever})
			}
			continue
		}
		if len(val) == 1 && strings.HasPrefix(val[0].s, "@") {
			key := ch.Family + " " + ch.Table + " " + val[0].s[1:]
			pend = append(pend, pendingSet{idx: len(conds), f: f, name: key, neg: neg})
			conds = append(conds, p.implied(f)...)
			conds = append(conds, Cond{Dim: dimNever}) // placeholder, resolved below
			p.cfg.use("set", key, ln)
			continue
		}
		c, err := nftValueCond(f, val)
		if err != nil {
			fail("%v", err)
			return
		}
		c.Neg = neg
		conds = append(conds, p.implied(f)...)
		conds = append(conds, c)
	}
	// Resolve named sets now (sets are declared before the chains that use them).
	for _, ps := range pend {
		s := p.sets[ps.name]
		if s == nil {
			fail("set %s does not exist", ps.name)
			return
		}
		if s.typ == "concat" || s.typ == "unmodeled" {
			p.cfg.unmodeled(ln, "set of type "+s.typ+" is not modeled (treated as matching)")
			at := ps.idx + len(p.implied(ps.f))
			conds = append(conds[:at], conds[at+1:]...)
			continue
		}
		c, err := nftValueCond(ps.f, splitValues(s.elems))
		if err != nil {
			fail("set %s: %v", ps.name, err)
			return
		}
		c.Neg = ps.neg
		conds[ps.idx+len(p.implied(ps.f))] = c
	}
	add := func(r *Rule) {
		r.chain = ch
		if insert {
			ch.Rules = append([]*Rule{r}, ch.Rules...)
		} else {
			ch.Rules = append(ch.Rules, r)
		}
	}
	if vm == nil {
		add(&Rule{Line: ln, Text: text, Conds: conds, Action: act, Target: target, dnat: natRW})
		return
	}
	keys := splitCommas(vm.keys)
	for k, key := range keys {
		c, err := nftValueCond(vm.f, key)
		if err != nil {
			fail("vmap key: %v", err)
			return
		}
		v := vm.vals[k]
		r := &Rule{Line: ln, Text: text}
		switch v[0].s {
		case "accept":
			r.Action = ActAccept
		case "drop":
			r.Action = ActDrop
		case "return":
			r.Action = ActReturn
		case "continue":
			r.Action = ActContinue
		case "jump", "goto":
			if len(v) < 2 {
				fail("%s needs a chain", v[0].s)
				return
			}
			r.Action, r.Target = ActJump, v[1].s
			if v[0].s == "goto" {
				r.Action = ActGoto
			}
		default:
			fail("bad verdict %q", v[0].s)
			return
		}
		cs := append([]Cond{}, conds...)
		cs = append(cs, p.implied(vm.f)...)
		cs = append(cs, c)
		r.Conds = cs
		add(r)
	}
}

func (p *nftParser) implied(f nftField) []Cond {
	if len(f.proto) == 0 {
		return nil
	}
	vs := newSet(8)
	for _, v := range f.proto {
		vs.addValue(v)
	}
	return []Cond{{Dim: dimProto, Set: vs.finish()}}
}

func (p *nftParser) expandDefines(st []ntok) []ntok {
	if len(p.defines) == 0 {
		return st
	}
	var out []ntok
	for _, t := range st {
		if v, ok := p.defines[t.s]; ok && !t.quoted {
			for _, x := range v {
				x.line = t.line
				out = append(out, x)
			}
			continue
		}
		out = append(out, t)
	}
	return out
}

func splitCommas(t []ntok) [][]ntok {
	var out [][]ntok
	var cur []ntok
	for _, x := range t {
		if x.s == "," && !x.quoted {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		if x.s == tkNL {
			continue
		}
		cur = append(cur, x)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// splitValues drops commas (and, for maps, nothing else: sets hold keys only).
func splitValues(t []ntok) []ntok {
	var out []ntok
	for _, x := range t {
		if x.s != tkNL {
			out = append(out, x)
		}
	}
	return out
}

// nftValueCond builds a condition from value tokens (words separated by commas).
func nftValueCond(f nftField, val []ntok) (Cond, error) {
	var words []ntok
	for _, v := range val {
		if v.s == "," && !v.quoted {
			continue
		}
		words = append(words, v)
	}
	if len(words) == 0 {
		return Cond{}, fmt.Errorf("empty value")
	}
	if f.kind == "iface" {
		var pats []ifacePat
		for _, w := range words {
			n := w.s
			wild := strings.HasSuffix(n, "*") && w.quoted
			pats = append(pats, ifacePat{Name: strings.TrimSuffix(n, "*"), Wild: wild})
		}
		return Cond{Dim: f.dim, Ifaces: pats}, nil
	}
	vs := newSet(width[f.dim])
	for _, w := range words {
		s := w.s
		switch f.kind {
		case "addr":
			if !addAddr(vs, s) || s == "any" {
				return Cond{}, fmt.Errorf("bad address %q", s)
			}
		case "port":
			lo, hi, ok := parsePortRange(s)
			if !ok || strings.Contains(s, ":") {
				return Cond{}, fmt.Errorf("bad port %q", s)
			}
			vs.addRange(lo, hi, true)
		case "proto":
			v, ok := parseProto(s)
			if !ok {
				return Cond{}, fmt.Errorf("bad protocol %q", s)
			}
			vs.addValue(v)
		case "state":
			if strings.EqualFold(s, "untracked") {
				continue
			}
			v, ok := parseState(s)
			if !ok {
				return Cond{}, fmt.Errorf("bad ct state %q", s)
			}
			vs.addValue(v)
		case "icmp":
			t, _, ok := parseICMPType(s)
			if !ok {
				return Cond{}, fmt.Errorf("bad icmp type %q", s)
			}
			vs.addValue(uint32(t))
		case "flags":
			// "tcp flags syn" (nft <1.0: any of), "tcp flags == syn": exact value.
			v, ok := parseFlags(s)
			if !ok {
				return Cond{}, fmt.Errorf("bad tcp flags %q", s)
			}
			vs.addCube(v, v, true)
		case "num":
			lo, hi, ok := junosRange(s, parseByte)
			if !ok {
				return Cond{}, fmt.Errorf("bad number %q", s)
			}
			vs.addRange(lo, hi, true)
		}
	}
	return Cond{Dim: f.dim, Set: vs.finish()}, nil
}
