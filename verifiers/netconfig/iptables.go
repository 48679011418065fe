package netconfig

import (
	"strconv"
	"strings"
)

// iptables-save / iptables-restore format.

var iptBuiltins = map[string][]string{
	"filter":   {"INPUT", "FORWARD", "OUTPUT"},
	"nat":      {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"},
	"mangle":   {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"},
	"raw":      {"PREROUTING", "OUTPUT"},
	"security": {"INPUT", "FORWARD", "OUTPUT"},
}

// iptPriority is the netfilter hook priority of each table's base chains.
func iptPriority(table, chain string) int {
	switch table {
	case "raw":
		return -300
	case "mangle":
		return -150
	case "nat":
		if chain == "POSTROUTING" || chain == "INPUT" {
			return 100
		}
		return -100
	case "security":
		return 50
	}
	return 0
}

// iptTargets are the targets we know; the value says what they do to evaluation.
var iptTargets = map[string]Action{
	"ACCEPT": ActAccept, "DROP": ActDrop, "REJECT": ActReject, "RETURN": ActReturn,
	"LOG": ActContinue, "NFLOG": ActContinue, "ULOG": ActContinue, "MARK": ActContinue, "CONNMARK": ActContinue,
	"TRACE": ActContinue, "CT": ActContinue, "NOTRACK": ActContinue, "TCPMSS": ActContinue, "DSCP": ActContinue,
	"TOS": ActContinue, "TTL": ActContinue, "CLASSIFY": ActContinue, "AUDIT": ActContinue, "SECMARK": ActContinue,
	"CONNSECMARK": ActContinue, "SET": ActContinue, "CHECKSUM": ActContinue, "HMARK": ActContinue, "IDLETIMER": ActContinue,
	"SNAT": ActAccept, "DNAT": ActAccept, "MASQUERADE": ActAccept, "REDIRECT": ActAccept, "NETMAP": ActAccept,
	"NFQUEUE": ActAccept, "QUEUE": ActAccept,
}

// tokenize splits a line like a shell: quotes group, backslash escapes in
// double quotes. It never fails; an unclosed quote runs to the end.
func tokenize(s string) []string {
	if !strings.ContainsAny(s, "\"'") {
		return strings.Fields(s)
	}
	var out []string
	var cur strings.Builder
	in := false
	var q byte
	has := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case q != 0:
			if ch == q {
				q = 0
			} else if ch == '\\' && q == '"' && i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			} else {
				cur.WriteByte(ch)
			}
		case ch == '"' || ch == '\'':
			q, has = ch, true
		case ch == ' ' || ch == '\t':
			if in || has {
				out = append(out, cur.String())
				cur.Reset()
			}
			in, has = false, false
			continue
		default:
			cur.WriteByte(ch)
		}
		in = true
	}
	if in || has {
		out = append(out, cur.String())
	}
	return out
}

type iptRule struct {
	table, chain string
	rule         *Rule
	line         int
}

func parseIptables(cfg *Config) {
	table := ""
	tableLine := 0
	declared := map[string]bool{} // "table/chain"
	var pending []iptRule
	seenTable := map[string]bool{}
	for i, raw := range cfg.Lines {
		ln := i + 1
		l := strings.TrimSpace(raw)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		first, _, _ := strings.Cut(strings.ReplaceAll(l, "\t", " "), " ")
		switch first {
		case "-4":
			// iptables-restore keeps "-4" lines and skips "-6" ones.
			l = strings.TrimSpace(l[2:])
			first, _, _ = strings.Cut(strings.ReplaceAll(l, "\t", " "), " ")
		case "-6":
			continue
		}
		switch {
		case first == "-P" || first == "--policy" || first == "-N" || first == "--new-chain" ||
			first == "-F" || first == "--flush" || first == "-D" || first == "--delete":
			if table == "" {
				cfg.errorf(ln, "command outside a table")
				continue
			}
			if table == "?" {
				continue
			}
			iptCommand(cfg, ln, table, tokenize(l), declared)
		case strings.HasPrefix(l, "*"):
			if table != "" {
				cfg.errorf(ln, "table %s not committed before *", table)
			}
			table = strings.TrimSpace(l[1:])
			tableLine = ln
			if _, ok := iptBuiltins[table]; !ok {
				cfg.errorf(ln, "unknown table %q", table)
				table = "?"
				continue
			}
			if seenTable[table] {
				// iptables-restore flushes a table when it is declared again:
				// only the last declaration counts (a response cannot spray
				// several rulesets and be judged by the first).
				keep := cfg.chainOrder[:0]
				for _, k := range cfg.chainOrder {
					if cfg.Chains[k].Table == table {
						delete(cfg.Chains, k)
						delete(declared, k)
						delete(cfg.defined["chain"], k)
						continue
					}
					keep = append(keep, k)
				}
				cfg.chainOrder = keep
				kept := pending[:0]
				for _, p := range pending {
					if p.table != table {
						kept = append(kept, p)
					}
				}
				pending = kept
			}
			seenTable[table] = true
			for _, b := range iptBuiltins[table] {
				key := table + "/" + b
				if cfg.Chains[key] == nil {
					ch := &Chain{Name: key, Table: table, Short: b, Base: true, Hook: strings.ToLower(b),
						Priority: iptPriority(table, b), Policy: ActAccept, PolicyText: "default policy ACCEPT (chain not declared)"}
					cfg.addChain(key, ch)
				}
				declared[key] = true
			}
		case l == "COMMIT":
			if table == "" {
				cfg.errorf(ln, "COMMIT outside a table")
			}
			table = ""
		case strings.HasPrefix(l, ":"):
			if table == "" {
				cfg.errorf(ln, "chain declared outside a table")
				continue
			}
			f := strings.Fields(l[1:])
			if len(f) < 2 || len(f) > 3 {
				cfg.errorf(ln, "bad chain declaration")
				continue
			}
			name, pol := f[0], f[1]
			if len(f) == 3 && !validCounter(f[2]) {
				cfg.errorf(ln, "bad counters %q", f[2])
			}
			if len(name) > 28 || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "!") {
				cfg.errorf(ln, "invalid chain name %q", name)
				continue
			}
			key := table + "/" + name
			builtin := isBuiltin(table, name)
			switch {
			case builtin && (pol == "ACCEPT" || pol == "DROP"):
				ch := cfg.Chains[key]
				ch.Policy = iptTargets[pol]
				ch.PolicyLine, ch.PolicyText, ch.Line = ln, cfg.lineText(ln), ln
			case builtin:
				cfg.errorf(ln, "built-in chain %s needs policy ACCEPT or DROP, got %q", name, pol)
			case pol != "-":
				cfg.errorf(ln, "user-defined chain %s cannot have policy %q", name, pol)
			default:
				if declared[key] {
					cfg.errorf(ln, "chain %s declared twice", name)
					continue
				}
				declared[key] = true
				cfg.addChain(key, &Chain{Name: key, Table: table, Short: name, Policy: ActAccept, Line: ln,
					PolicyText: "end of chain " + name + ": returns to the caller"})
				cfg.define("chain", key, ln)
			}
		case first == "-A" || first == "--append" || first == "-I" || first == "--insert" || strings.HasPrefix(l, "["):
			if table == "" {
				cfg.errorf(ln, "rule outside a table")
				continue
			}
			if table == "?" {
				continue
			}
			toks := tokenize(l)
			if strings.HasPrefix(toks[0], "[") {
				if !validCounter(toks[0]) {
					cfg.errorf(ln, "bad counters %q", toks[0])
					continue
				}
				toks = toks[1:]
			}
			r, chain, insertAt, ok := parseIptRule(cfg, ln, table, toks)
			if !ok {
				continue
			}
			if !declared[table+"/"+chain] {
				cfg.errorf(ln, "chain %s does not exist in table %s", chain, table)
				continue
			}
			if (r.Action == ActJump || r.Action == ActGoto) && !declared[table+"/"+r.Target] && cfg.Chains[table+"/"+r.Target] == nil {
				// iptables-restore resolves a jump when it reads the rule:
				// the chain must be declared above it.
				cfg.errorf(ln, "jump to chain %q, which is not declared above this rule", r.Target)
				continue
			}
			ch := cfg.Chains[table+"/"+chain]
			r.chain = ch
			if insertAt >= 0 {
				if insertAt > len(ch.Rules) {
					cfg.errorf(ln, "index of insertion too big")
					continue
				}
				ch.Rules = append(ch.Rules, nil)
				copy(ch.Rules[insertAt+1:], ch.Rules[insertAt:])
				ch.Rules[insertAt] = r
			} else {
				ch.Rules = append(ch.Rules, r)
			}
			if r.Action == ActJump || r.Action == ActGoto {
				pending = append(pending, iptRule{table, chain, r, ln})
			}
		default:
			cfg.unrecognized(ln)
		}
	}
	if table != "" {
		cfg.errorf(tableLine, "table %s is not committed (COMMIT expected)", table)
	}
	for _, p := range pending {
		key := p.table + "/" + p.rule.Target
		ch := cfg.Chains[key]
		if ch == nil || !declared[key] {
			cfg.errorf(p.line, "jump to undefined chain %q", p.rule.Target)
			continue
		}
		if ch.Base {
			cfg.errorf(p.line, "cannot jump to built-in chain %s", p.rule.Target)
			continue
		}
		p.rule.target = ch
		cfg.use("chain", key, p.line)
	}
	detectLoops(cfg)
	checkExpansion(cfg)
	for _, k := range cfg.chainOrder {
		ch := cfg.Chains[k]
		if ch.Base && ch.Table != "" {
			cfg.hooks[ch.Hook] = append(cfg.hooks[ch.Hook], ch)
		}
	}
	cfg.sortHooks()
	checkIfaceHooks(cfg)
}

func validCounter(s string) bool {
	if len(s) < 5 || s[0] != '[' || s[len(s)-1] != ']' {
		return false
	}
	a, b, ok := strings.Cut(s[1:len(s)-1], ":")
	_, e1 := strconv.ParseUint(a, 10, 64)
	_, e2 := strconv.ParseUint(b, 10, 64)
	return ok && e1 == nil && e2 == nil
}

func isBuiltin(table, name string) bool {
	for _, b := range iptBuiltins[table] {
		if b == name {
			return true
		}
	}
	return false
}

// detectLoops reports jump cycles, which the kernel rejects.
func detectLoops(cfg *Config) {
	state := map[*Chain]int{}
	var visit func(ch *Chain) bool
	visit = func(ch *Chain) bool {
		switch state[ch] {
		case 1:
			return true
		case 2:
			return false
		}
		state[ch] = 1
		for _, r := range ch.Rules {
			if r.target != nil && visit(r.target) {
				cfg.errorf(r.Line, "jump creates a loop through chain %s", r.Target)
				r.target = nil
				r.Action = ActContinue
			}
		}
		state[ch] = 2
		return false
	}
	for _, k := range cfg.chainOrder {
		visit(cfg.Chains[k])
	}
}

// maxExpansion bounds how many rule visits one packet can cost when every
// jump returns: chains that jump twice to chains that jump twice... would
// otherwise make evaluation exponential.
const maxExpansion = 1 << 20

// checkExpansion reports rulesets whose jump graph expands past maxExpansion
// and cuts their jumps, so evaluation stays bounded.
func checkExpansion(cfg *Config) {
	size := map[*Chain]int{}
	var visit func(c *Chain) int
	visit = func(c *Chain) int {
		if n, ok := size[c]; ok {
			return n
		}
		size[c] = maxExpansion // provisional; loops were removed already
		n := len(c.Rules)
		for _, r := range c.Rules {
			if r.target != nil {
				n += visit(r.target)
				if n > maxExpansion {
					n = maxExpansion + 1
				}
			}
		}
		size[c] = n
		return n
	}
	for _, k := range cfg.chainOrder {
		c := cfg.Chains[k]
		if visit(c) > maxExpansion {
			cfg.errorf(c.Line, "chain %s expands to over %d rule visits through its jumps", c.Short, maxExpansion)
			for _, ch := range cfg.Chains {
				for _, r := range ch.Rules {
					if r.target != nil {
						r.target, r.Action = nil, ActContinue
					}
				}
			}
			return
		}
	}
}

// checkIfaceHooks rejects -o in INPUT and PREROUTING and -i in OUTPUT and
// POSTROUTING, as iptables does. It checks the built-in chains' own rules
// only: iptables-restore loads a user chain with -o that INPUT jumps to,
// and there the rule simply never matches (a packet being received has no
// output interface).
func checkIfaceHooks(cfg *Config) {
	for _, k := range cfg.chainOrder {
		ch := cfg.Chains[k]
		if !ch.Base {
			continue
		}
		var bad dim
		switch ch.Short {
		case "INPUT", "PREROUTING":
			bad = dimOut
		case "OUTPUT", "POSTROUTING":
			bad = dimIn
		default:
			continue
		}
		for _, r := range ch.Rules {
			for _, cd := range r.Conds {
				if cd.Dim == bad {
					opt := "-o"
					if bad == dimIn {
						opt = "-i"
					}
					cfg.errorf(r.Line, "%s cannot be used in chain %s", opt, ch.Short)
				}
			}
		}
	}
}

// optArgs is how many arguments each known option takes.
var optArgs = map[string]int{
	"-s": 1, "--source": 1, "--src": 1, "-d": 1, "--destination": 1, "--dst": 1,
	"-p": 1, "--protocol": 1, "-i": 1, "--in-interface": 1, "-o": 1, "--out-interface": 1,
	"-m": 1, "--match": 1, "-j": 1, "--jump": 1, "-g": 1, "--goto": 1, "-f": 0, "--fragment": 0,
	"-c": 2, "--set-counters": 2,
	"--dport": 1, "--destination-port": 1, "--sport": 1, "--source-port": 1,
	"--dports": 1, "--destination-ports": 1, "--sports": 1, "--source-ports": 1, "--ports": 1,
	"--tcp-flags": 2, "--syn": 0, "--tcp-option": 1,
	"--state": 1, "--ctstate": 1, "--ctproto": 1, "--ctorigsrc": 1, "--ctorigdst": 1, "--ctstatus": 1,
	"--icmp-type": 1, "--comment": 1, "--src-range": 1, "--dst-range": 1,
	"--limit": 1, "--limit-burst": 1, "--mark": 1, "--src-type": 1, "--dst-type": 1,
	"--match-set": 2, "--uid-owner": 1, "--gid-owner": 1, "--pkt-type": 1, "--mac-source": 1,
	"--connlimit-above": 1, "--connlimit-upto": 1, "--connlimit-mask": 1, "--connlimit-saddr": 0, "--connlimit-daddr": 0,
	"--set": 0, "--rcheck": 0, "--update": 0, "--remove": 0, "--seconds": 1, "--hitcount": 1, "--name": 1, "--rsource": 0, "--rdest": 0, "--mask": 1, "--rttl": 0, "--reap": 0,
	"--length": 1, "--ttl-eq": 1, "--ttl-gt": 1, "--ttl-lt": 1, "--tos": 1, "--dscp": 1, "--dscp-class": 1,
	"--hashlimit": 1, "--hashlimit-upto": 1, "--hashlimit-above": 1, "--hashlimit-burst": 1, "--hashlimit-mode": 1, "--hashlimit-name": 1, "--hashlimit-htable-expire": 1,
	"--physdev-in": 1, "--physdev-out": 1, "--physdev-is-bridged": 0, "--string": 1, "--algo": 1, "--hex-string": 1, "--to": 1, "--from": 1,
	"--ipv4": 0, "-4": 0, "--ipv6": 0, "-6": 0, "--return-nomatch": 0, "--ctdir": 1,
}

// targetOpts are options of targets; they never affect matching.
var targetOpts = map[string]int{
	"--reject-with": 1, "--log-prefix": 1, "--log-level": 1, "--log-tcp-sequence": 0, "--log-tcp-options": 0,
	"--log-ip-options": 0, "--log-uid": 0, "--set-mark": 1, "--set-xmark": 1, "--and-mark": 1, "--or-mark": 1, "--xor-mark": 1,
	"--save-mark": 0, "--restore-mark": 0, "--nfmask": 1, "--ctmask": 1,
	"--to-destination": 1, "--to-source": 1, "--to-ports": 1, "--to": 1, "--random": 0, "--persistent": 0, "--random-fully": 0,
	"--nflog-group": 1, "--nflog-prefix": 1, "--nflog-range": 1, "--nflog-threshold": 1, "--nflog-size": 1,
	"--queue-num": 1, "--queue-balance": 1, "--queue-bypass": 0, "--queue-cpu-fanout": 0,
	"--notrack": 0, "--zone": 1, "--helper": 1, "--ctevents": 1, "--expevents": 1, "--timeout": 1,
	"--set-mss": 1, "--clamp-mss-to-pmtu": 0, "--set-dscp": 1, "--set-dscp-class": 1, "--set-tos": 1, "--ttl-set": 1, "--ttl-dec": 1, "--ttl-inc": 1,
	"--set-class": 1, "--type": 1, "--selctx": 1, "--save": 0, "--restore": 0, "--add-set": 2, "--del-set": 2, "--exist": 0,
	"--checksum-fill": 0, "--ulog-prefix": 1, "--ulog-nlgroup": 1,
}

var iptRejectWith = map[string]bool{
	"icmp-net-unreachable": true, "icmp-host-unreachable": true, "icmp-port-unreachable": true, "icmp-proto-unreachable": true,
	"icmp-net-prohibited": true, "icmp-host-prohibited": true, "icmp-admin-prohibited": true, "tcp-reset": true,
	"net-unreach": true, "host-unreach": true, "port-unreach": true, "proto-unreach": true, "net-prohib": true, "host-prohib": true, "admin-prohib": true,
}

// parseIptRule parses the tokens of one -A/-I line.
func parseIptRule(cfg *Config, ln int, table string, toks []string) (*Rule, string, int, bool) {
	r := &Rule{Line: ln, Text: cfg.lineText(ln), Action: ActContinue, Conds: make([]Cond, 0, 4)}
	chain := ""
	insertAt := -1
	var proto uint32
	protoSet, protoNeg := false, false
	var modules []string
	hasModule := func(m string) bool {
		for _, x := range modules {
			if x == m {
				return true
			}
		}
		return false
	}
	neg := false
	target := ""
	inTarget := false
	fail := func(format string, args ...any) (*Rule, string, int, bool) {
		cfg.errorf(ln, format, args...)
		return nil, "", 0, false
	}
	add := func(c Cond) {
		c.Neg = neg
		r.Conds = append(r.Conds, c)
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t == "!" {
			if neg {
				return fail("double negation")
			}
			neg = true
			continue
		}
		argn := 0
		var ok bool
		switch {
		case t == "-A" || t == "--append":
			argn, ok = 1, true
		case t == "-I" || t == "--insert":
			argn, ok = 1, true
		default:
			if inTarget {
				if argn, ok = targetOpts[t]; !ok {
					argn, ok = optArgs[t]
				}
			} else {
				argn, ok = optArgs[t]
			}
		}
		if !ok {
			return fail("unknown option %q", t)
		}
		if i+argn >= len(toks) && argn > 0 {
			return fail("option %q requires an argument", t)
		}
		args := toks[i+1 : i+1+argn]
		// Old syntax put "!" between the option and its value.
		if argn > 0 && args[0] == "!" && i+argn+1 < len(toks) {
			neg = true
			i++
			args = toks[i+1 : i+1+argn]
		}
		i += argn
		switch t {
		case "-A", "--append":
			chain = args[0]
		case "-I", "--insert":
			chain = args[0]
			insertAt = 0
			if i+1 < len(toks) {
				if n, err := strconv.Atoi(toks[i+1]); err == nil {
					if n < 1 {
						return fail("bad insertion index")
					}
					insertAt = n - 1
					i++
				}
			}
		case "-s", "--source", "--src", "-d", "--destination", "--dst":
			d := dimSrc
			if t == "-d" || t == "--destination" || t == "--dst" {
				d = dimDst
			}
			vs := newSet(32)
			parts := strings.Split(args[0], ",")
			if neg && len(parts) > 1 {
				return fail("! not allowed with multiple addresses")
			}
			for _, a := range parts {
				c, ok := parseCIDR(iptablesAddr(a))
				if !ok {
					return fail("bad address %q", a)
				}
				vs.addCube(c.val, c.mask, true)
			}
			add(Cond{Dim: d, Set: vs.finish()})
		case "-p", "--protocol":
			p := strings.ToLower(args[0])
			if p == "all" || p == "0" {
				if neg {
					add(Cond{Dim: dimNever})
				}
				neg = false
				continue
			}
			v, ok := parseProto(p)
			if !ok {
				return fail("unknown protocol %q", args[0])
			}
			proto, protoSet, protoNeg = v, true, neg
			add(Cond{Dim: dimProto, Set: newSet(8).addValue(v).finish()})
		case "-i", "--in-interface", "-o", "--out-interface":
			d := dimIn
			if t[1] == 'o' || t == "--out-interface" {
				d = dimOut
			}
			name := args[0]
			if name == "" || len(name) > 15 {
				return fail("bad interface name %q", name)
			}
			wild := strings.HasSuffix(name, "+")
			add(Cond{Dim: d, Ifaces: []ifacePat{{Name: strings.TrimSuffix(name, "+"), Wild: wild}}})
		case "-m", "--match":
			modules = append(modules, args[0])
			switch args[0] {
			case "tcp", "udp", "sctp", "multiport", "icmp":
				// Checked against -p once the whole rule is read: iptables
				// accepts "-m tcp -p tcp --dport 22" as well.
			case "state", "conntrack", "comment", "iprange", "limit", "mark", "addrtype", "set", "owner", "pkttype",
				"mac", "connlimit", "recent", "length", "ttl", "tos", "dscp", "hashlimit", "physdev", "string", "connmark", "helper":
			default:
				return fail("unknown match module %q", args[0])
			}
		case "-j", "--jump", "-g", "--goto":
			target = args[0]
			inTarget = true
			if a, ok := iptTargets[target]; ok {
				r.Action = a
			} else if t == "-g" || t == "--goto" {
				r.Action, r.Target = ActGoto, target
			} else {
				r.Action, r.Target = ActJump, target
			}
			if (t == "-g" || t == "--goto") && r.Action != ActGoto {
				return fail("goto needs a user-defined chain")
			}
			if r.Action == ActAccept && table != "nat" && natTarget(target) {
				return fail("%s is only valid in the nat table", target)
			}
		case "-f", "--fragment":
			// Only second and later fragments match; whole packets never do.
			if !neg {
				add(Cond{Dim: dimNever})
			}
		case "-c", "--set-counters", "--ipv4", "-4":
		case "--ipv6", "-6":
			add(Cond{Dim: dimNever})
		case "--dport", "--destination-port", "--sport", "--source-port":
			if !protoSet || protoNeg || !applicable(dimDport, proto) {
				return fail("%s needs -p tcp, udp or sctp", t)
			}
			lo, hi, ok := iptPortRange(args[0])
			if !ok {
				return fail("bad port %q", args[0])
			}
			d := dimDport
			if strings.Contains(t, "sport") || strings.Contains(t, "source") {
				d = dimSport
			}
			add(Cond{Dim: d, Set: newSet(16).addRange(lo, hi, true).finish()})
		case "--dports", "--destination-ports", "--sports", "--source-ports", "--ports":
			if !hasModule("multiport") {
				return fail("%s needs -m multiport", t)
			}
			vs := newSet(16)
			parts := strings.Split(args[0], ",")
			slots := 0 // multiport holds 15 ports, a range taking two
			for _, p := range parts {
				lo, hi, ok := iptPortRange(p)
				if !ok {
					return fail("bad port %q", p)
				}
				slots++
				if strings.Contains(p, ":") {
					slots++
				}
				vs.addRange(lo, hi, true)
			}
			if slots > 15 {
				return fail("too many ports specified")
			}
			vs.finish()
			switch t {
			case "--ports":
				add(Cond{Dim: dimPortEither, Set: vs})
			case "--sports", "--source-ports":
				add(Cond{Dim: dimSport, Set: vs})
			default:
				add(Cond{Dim: dimDport, Set: vs})
			}
		case "--tcp-flags", "--syn":
			if !protoSet || proto != protoTCP {
				return fail("%s needs -p tcp", t)
			}
			var mask, comp uint32
			if t == "--syn" {
				mask, comp = flSYN|flRST|flACK|flFIN, flSYN
			} else {
				m, ok1 := parseFlags(args[0])
				c, ok2 := parseFlags(args[1])
				if !ok1 || !ok2 {
					return fail("bad tcp flags")
				}
				mask, comp = m, c&m
			}
			add(Cond{Dim: dimFlags, Set: newSet(8).addCube(comp, mask, true).finish()})
		case "--state", "--ctstate":
			if t == "--state" && !hasModule("state") || t == "--ctstate" && !hasModule("conntrack") {
				return fail("%s needs its match module", t)
			}
			vs := newSet(2)
			never := true
			for _, s := range strings.Split(args[0], ",") {
				switch strings.ToUpper(s) {
				case "NEW":
					vs.addValue(stNew)
				case "ESTABLISHED":
					vs.addValue(stEstablished)
				case "RELATED":
					vs.addValue(stRelated)
				case "INVALID":
					vs.addValue(stInvalid)
				case "UNTRACKED", "SNAT", "DNAT":
					cfg.unmodeled(ln, "conntrack state "+s+" is not modeled (never matches)")
					continue
				default:
					return fail("bad state %q", s)
				}
				never = false
			}
			if never && !neg {
				add(Cond{Dim: dimNever})
			} else {
				add(Cond{Dim: dimState, Set: vs.finish()})
			}
		case "--icmp-type":
			if !protoSet || proto != protoICMP {
				return fail("--icmp-type needs -p icmp")
			}
			if strings.EqualFold(args[0], "any") {
				if neg {
					add(Cond{Dim: dimNever})
				}
				break
			}
			ty, code, ok := parseICMPType(args[0])
			if !ok {
				return fail("bad icmp type %q", args[0])
			}
			if code < 0 {
				add(Cond{Dim: dimICMPType, Set: newSet(8).addValue(uint32(ty)).finish()})
			} else {
				// A type/code pair is one condition: negation covers both.
				vs := newSet(8).addValue(uint32(ty)).finish()
				if neg {
					cfg.unmodeled(ln, "negated icmp type/code matched on type only")
				}
				add(Cond{Dim: dimICMPType, Set: vs})
				if !neg {
					add(Cond{Dim: dimICMPCode, Set: newSet(8).addValue(uint32(code)).finish()})
				}
			}
		case "--src-range", "--dst-range":
			if !hasModule("iprange") {
				return fail("%s needs -m iprange", t)
			}
			vs := newSet(32)
			if !addAddr(vs, args[0]) || !strings.Contains(args[0], "-") {
				return fail("bad range %q", args[0])
			}
			d := dimSrc
			if t == "--dst-range" {
				d = dimDst
			}
			add(Cond{Dim: d, Set: vs.finish()})
		case "--update", "--rcheck":
			// The verdict is for a connection's first packet, from an
			// address in no recent list yet: never a hit.
			if hasModule("recent") {
				add(Cond{Dim: dimNever})
			}
		case "--set", "--remove", "--seconds", "--hitcount", "--name", "--rsource", "--rdest", "--mask", "--rttl", "--reap":
			if !hasModule("recent") {
				cfg.unmodeled(ln, "match option "+t+" is not modeled (treated as matching)")
			}
		case "--connlimit-above", "--connlimit-upto", "--hashlimit-above", "--hashlimit-upto":
			// A first connection is one connection, within any limit of at
			// least one, and a first packet is within any rate's burst.
			n, err := strconv.Atoi(strings.Split(args[0], "/")[0])
			above := strings.HasSuffix(t, "-above")
			if strings.HasPrefix(t, "--connlimit") && err == nil && n == 0 {
				above = !above // above 0 is every connection
			}
			if above {
				add(Cond{Dim: dimNever})
			}
		case "--connlimit-mask", "--connlimit-saddr", "--connlimit-daddr", "--hashlimit", "--hashlimit-burst",
			"--hashlimit-mode", "--hashlimit-name", "--hashlimit-htable-expire":
		case "--pkt-type", "--dst-type":
			// The modelled packets are unicast: classify by destination.
			vs, ok := addrClass(args[0])
			if !ok {
				cfg.unmodeled(ln, "match option "+t+" "+args[0]+" is not modeled (treated as matching)")
				break
			}
			add(Cond{Dim: dimDst, Set: vs})
		case "--comment":
		case "--to-destination":
			if target != "DNAT" {
				return fail("--to-destination needs -j DNAT")
			}
			rw, ok := parseDNAT(args[0])
			if !ok {
				return fail("bad --to-destination %q", args[0])
			}
			r.dnat = rw
		case "--to-ports":
			if target == "REDIRECT" {
				rw, ok := parseDNAT(":" + args[0])
				if !ok {
					return fail("bad --to-ports %q", args[0])
				}
				r.dnat = rw
			}
		case "--reject-with":
			if target != "REJECT" {
				return fail("--reject-with needs -j REJECT")
			}
			if !iptRejectWith[args[0]] {
				return fail("bad --reject-with %q", args[0])
			}
			if (args[0] == "tcp-reset" || args[0] == "tcp-rst") && (!protoSet || protoNeg || proto != protoTCP) {
				// The kernel refuses the rule (EINVAL): a reset answers TCP only.
				return fail("--reject-with tcp-reset needs -p tcp")
			}
		default:
			if _, isTarget := targetOpts[t]; isTarget && inTarget {
				break
			}
			cfg.unmodeled(ln, "match option "+t+" is not modeled (treated as matching)")
		}
		neg = false
	}
	if neg {
		return fail("dangling !")
	}
	for _, m := range modules {
		switch m {
		case "tcp", "udp", "sctp":
			if !protoSet || protoNeg || protoName(proto) != m {
				return fail("-m %s needs -p %s", m, m)
			}
		case "multiport":
			if !protoSet || protoNeg || !applicable(dimDport, proto) {
				return fail("multiport needs -p tcp, udp or sctp")
			}
		case "icmp":
			if !protoSet || proto != protoICMP {
				return fail("-m icmp needs -p icmp")
			}
		}
	}
	if chain == "" {
		return fail("rule without -A chain")
	}
	if table == "nat" && (target == "DROP" || target == "REJECT") {
		// iptables refuses it: "the nat table is not intended for filtering".
		return fail("-j %s in the nat table: the nat table is not for filtering", target)
	}
	return r, chain, insertAt, true
}

// addrClass returns the destinations of an address type or packet type:
// broadcast is 255.255.255.255, multicast 224.0.0.0/4, unicast the rest.
// Other types (LOCAL, ...) depend on the host and are not modelled.
func addrClass(typ string) (*ValueSet, bool) {
	vs := newSet(32)
	switch strings.ToUpper(typ) {
	case "BROADCAST":
		vs.addValue(0xFFFFFFFF)
	case "MULTICAST":
		vs.addCube(0xE0000000, 0xF0000000, true)
	case "UNICAST":
		vs.addRange(0, 0xDFFFFFFF, true)
		vs.addRange(0xF0000000, 0xFFFFFFFE, true)
	default:
		return nil, false
	}
	return vs.finish(), true
}

// iptCommand applies a chain command of an iptables-restore file, as the
// kernel does: -P sets a built-in chain's policy, -N creates a chain, -F
// flushes one chain or the table, -D deletes a rule by number or by its
// specification.
func iptCommand(cfg *Config, ln int, table string, toks []string, declared map[string]bool) {
	cmd := toks[0]
	switch cmd {
	case "-P", "--policy":
		if len(toks) != 3 {
			cfg.errorf(ln, "%s needs a chain and a policy", cmd)
			return
		}
		ch := cfg.Chains[table+"/"+toks[1]]
		if ch == nil || !isBuiltin(table, toks[1]) || (toks[2] != "ACCEPT" && toks[2] != "DROP") {
			cfg.errorf(ln, "bad policy %q for chain %s", strings.Join(toks[2:], " "), toks[1])
			return
		}
		ch.Policy = iptTargets[toks[2]]
		ch.PolicyLine, ch.PolicyText, ch.Line = ln, cfg.lineText(ln), ln
	case "-N", "--new-chain":
		if len(toks) != 2 || len(toks[1]) > 28 || strings.HasPrefix(toks[1], "-") || isBuiltin(table, toks[1]) {
			cfg.errorf(ln, "bad chain name in %q", strings.Join(toks, " "))
			return
		}
		key := table + "/" + toks[1]
		if declared[key] {
			cfg.errorf(ln, "chain %s already exists", toks[1])
			return
		}
		declared[key] = true
		cfg.addChain(key, &Chain{Name: key, Table: table, Short: toks[1], Policy: ActAccept, Line: ln,
			PolicyText: "end of chain " + toks[1] + ": returns to the caller"})
		cfg.define("chain", key, ln)
	case "-F", "--flush":
		if len(toks) > 2 {
			cfg.errorf(ln, "%s takes at most a chain", cmd)
			return
		}
		for key, ch := range cfg.Chains {
			if ch.Table == table && (len(toks) == 1 || ch.Short == toks[1]) && declared[key] {
				ch.Rules = nil
			}
		}
		if len(toks) == 2 && !declared[table+"/"+toks[1]] {
			cfg.errorf(ln, "chain %s does not exist in table %s", toks[1], table)
		}
	case "-D", "--delete":
		if len(toks) < 3 || !declared[table+"/"+toks[1]] {
			cfg.errorf(ln, "%s needs an existing chain and a rule", cmd)
			return
		}
		ch := cfg.Chains[table+"/"+toks[1]]
		if n, err := strconv.Atoi(toks[2]); err == nil && len(toks) == 3 {
			if n < 1 || n > len(ch.Rules) {
				cfg.errorf(ln, "no rule number %d in chain %s", n, toks[1])
				return
			}
			ch.Rules = append(ch.Rules[:n-1], ch.Rules[n:]...)
			return
		}
		want := strings.Join(toks[2:], " ")
		for i, r := range ch.Rules {
			if ruleSpec(r.Text) == want {
				ch.Rules = append(ch.Rules[:i], ch.Rules[i+1:]...)
				return
			}
		}
		cfg.errorf(ln, "no such rule in chain %s to delete", toks[1])
	}
}

// ruleSpec is a rule line without its counters, command, chain and
// insertion index: what -D names a rule by.
func ruleSpec(text string) string {
	toks := tokenize(strings.TrimSpace(text))
	if len(toks) > 0 && strings.HasPrefix(toks[0], "[") {
		toks = toks[1:]
	}
	if len(toks) > 0 && toks[0] == "-4" {
		toks = toks[1:]
	}
	if len(toks) < 2 {
		return ""
	}
	insert := toks[0] == "-I" || toks[0] == "--insert"
	toks = toks[2:]
	if insert && len(toks) > 0 {
		if _, err := strconv.Atoi(toks[0]); err == nil {
			toks = toks[1:]
		}
	}
	return strings.Join(toks, " ")
}

func natTarget(t string) bool {
	switch t {
	case "SNAT", "DNAT", "MASQUERADE", "REDIRECT", "NETMAP":
		return true
	}
	return false
}
