package netconfig

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Junos "set" format.

var junosTop = map[string]bool{
	"system": true, "interfaces": true, "firewall": true, "policy-options": true, "routing-options": true, "protocols": true,
	"security": true, "snmp": true, "chassis": true, "routing-instances": true, "class-of-service": true, "services": true,
	"forwarding-options": true, "vlans": true, "groups": true, "apply-groups": true, "access": true, "event-options": true,
	"poe": true, "ethernet-switching-options": true, "version": true, "logical-systems": true, "bridge-domains": true,
	"applications": true, "switch-options": true, "multi-chassis": true, "virtual-chassis": true, "accounting-options": true,
	"access-profile": true, "dynamic-profiles": true, "schedulers": true, "smtp": true, "tenants": true,
}

type junosTerm struct {
	name     string
	line     int
	conds    map[string]*junosCond
	order    []string
	actions  []string
	terminal Action
	hasThen  bool
	lines    []int
}

type junosCond struct {
	key    string
	values []string
	except []bool
	lines  []int
}

type junosFilter struct {
	name  string
	line  int
	terms []*junosTerm
	index map[string]*junosTerm
}

type junosPhys struct {
	disable     bool
	description string
}

type junosParser struct {
	cfg     *Config
	filters map[string]*junosFilter
	forder  []string
	plists  map[string][]string
	plLine  map[string]int
	phys    map[string]*junosPhys
	ospf    *OSPF
	unitDis map[string]bool
}

func parseJunos(cfg *Config) {
	p := &junosParser{cfg: cfg, filters: map[string]*junosFilter{}, plists: map[string][]string{}, plLine: map[string]int{},
		phys: map[string]*junosPhys{}, unitDis: map[string]bool{}}
	for i, raw := range cfg.Lines {
		ln := i + 1
		l := strings.TrimSpace(raw)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "/*") {
			continue
		}
		toks := tokenize(l)
		toks = expandBrackets(toks)
		if len(toks) == 0 {
			cfg.unrecognized(ln)
			continue
		}
		switch toks[0] {
		case "set":
		case "delete", "deactivate", "activate", "annotate", "insert", "rename", "protect", "unprotect":
			cfg.unmodeled(ln, toks[0]+" statements are not applied")
			continue
		default:
			cfg.unrecognized(ln)
			continue
		}
		if len(toks) < 2 {
			cfg.errorf(ln, "incomplete set statement")
			continue
		}
		if !junosTop[toks[1]] {
			cfg.unrecognized(ln)
			continue
		}
		p.set(toks[1:], ln)
	}
	p.finish()
}

// expandBrackets keeps "[ a b ]" lists as their members, marked by position:
// the callers treat every token after a keyword as values anyway.
func expandBrackets(toks []string) []string {
	out := toks[:0]
	for _, t := range toks {
		if t == "[" || t == "]" {
			continue
		}
		t = strings.TrimPrefix(t, "[")
		t = strings.TrimSuffix(t, "]")
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

func (p *junosParser) set(t []string, ln int) {
	cfg := p.cfg
	switch t[0] {
	case "system":
		if len(t) >= 3 && t[1] == "host-name" {
			cfg.Hostname = t[2]
			return
		}
		cfg.unmodeled(ln, "system")
	case "interfaces":
		p.iface(t[1:], ln)
	case "firewall":
		rest := t[1:]
		if len(rest) >= 2 && rest[0] == "family" {
			if rest[1] != "inet" {
				cfg.unmodeled(ln, "firewall family "+rest[1])
				return
			}
			rest = rest[2:]
		}
		if len(rest) == 0 || rest[0] != "filter" {
			cfg.unmodeled(ln, "firewall")
			return
		}
		p.filter(rest[1:], ln)
	case "policy-options":
		if len(t) >= 3 && t[1] == "prefix-list" {
			name := t[2]
			if _, ok := p.plLine[name]; !ok {
				p.plLine[name] = ln
				cfg.define("prefix-list", name, ln)
			}
			for _, a := range t[3:] {
				c, ok := parseCIDR(a)
				if !ok || !isContiguousMask(c.mask) {
					if a == "apply-path" {
						cfg.unmodeled(ln, "apply-path")
						return
					}
					cfg.errorf(ln, "bad prefix %q", a)
					return
				}
				p.plists[name] = append(p.plists[name], a)
			}
			return
		}
		cfg.unmodeled(ln, "policy-options")
	case "routing-options":
		if len(t) >= 4 && t[1] == "static" && t[2] == "route" {
			c, ok := parseCIDR(t[3])
			if !ok || !isContiguousMask(c.mask) {
				cfg.errorf(ln, "bad route prefix %q", t[3])
				return
			}
			r := Route{Prefix: cubeString(c)}
			rest := t[4:]
			switch {
			case len(rest) >= 2 && rest[0] == "next-hop":
				if _, ok := parseIPv4(rest[1]); ok {
					r.NextHop = rest[1]
				} else {
					r.Interface = rest[1]
				}
			case len(rest) >= 1 && (rest[0] == "discard" || rest[0] == "reject"):
				r.Interface = rest[0]
			case len(rest) >= 2 && rest[0] == "preference":
				n, err := strconv.Atoi(rest[1])
				if err != nil {
					cfg.errorf(ln, "bad preference")
					return
				}
				p.routePref(r.Prefix, n)
				return
			default:
				cfg.unmodeled(ln, "static route option")
				return
			}
			for i := range cfg.Routes {
				if cfg.Routes[i].Prefix == r.Prefix && cfg.Routes[i].NextHop == "" && cfg.Routes[i].Interface == "" {
					cfg.Routes[i].NextHop, cfg.Routes[i].Interface = r.NextHop, r.Interface
					return
				}
			}
			cfg.Routes = append(cfg.Routes, r)
			return
		}
		cfg.unmodeled(ln, "routing-options")
	case "protocols":
		if len(t) >= 5 && t[1] == "ospf" && t[2] == "area" && t[4] == "interface" && len(t) >= 6 {
			if p.ospf == nil {
				p.ospf = &OSPF{ID: "ospf"}
				cfg.OSPF = append(cfg.OSPF, p.ospf)
			}
			area := normArea(t[3])
			if _, err := strconv.ParseUint(area, 10, 32); err != nil {
				cfg.errorf(ln, "bad area %q", t[3])
				return
			}
			name := t[5]
			if name == "all" {
				cfg.unmodeled(ln, "ospf interface all")
				return
			}
			if !strings.Contains(name, ".") {
				name += ".0"
			}
			it := cfg.iface(name, ln)
			it.OSPFArea = area
			if len(t) >= 7 && t[6] == "passive" {
				it.Passive = true
			}
			return
		}
		if len(t) >= 4 && t[1] == "ospf" && t[2] == "router-id" {
			if p.ospf == nil {
				p.ospf = &OSPF{ID: "ospf"}
				cfg.OSPF = append(cfg.OSPF, p.ospf)
			}
			p.ospf.RouterID = t[3]
			return
		}
		cfg.unmodeled(ln, "protocols")
	default:
		cfg.unmodeled(ln, t[0])
	}
}

func (p *junosParser) routePref(prefix string, n int) {
	for i := range p.cfg.Routes {
		if p.cfg.Routes[i].Prefix == prefix {
			p.cfg.Routes[i].Distance = n
			return
		}
	}
	p.cfg.Routes = append(p.cfg.Routes, Route{Prefix: prefix, Distance: n})
}

func (p *junosParser) iface(t []string, ln int) {
	cfg := p.cfg
	if len(t) < 2 {
		cfg.errorf(ln, "incomplete interfaces statement")
		return
	}
	phys := t[0]
	ph := p.phys[phys]
	if ph == nil {
		ph = &junosPhys{}
		p.phys[phys] = ph
	}
	switch t[1] {
	case "disable":
		ph.disable = true
		return
	case "description":
		if len(t) < 3 {
			cfg.errorf(ln, "description needs text")
			return
		}
		ph.description = strings.Join(t[2:], " ")
		return
	case "unit":
	default:
		cfg.unmodeled(ln, "interface option")
		return
	}
	if len(t) < 3 {
		cfg.errorf(ln, "unit needs a number")
		return
	}
	if n, err := strconv.Atoi(t[2]); err != nil || n < 0 {
		cfg.errorf(ln, "bad unit %q", t[2])
		return
	}
	name := phys + "." + t[2]
	it := cfg.iface(name, ln)
	u := t[3:]
	if len(u) == 0 {
		return
	}
	switch u[0] {
	case "disable":
		p.unitDis[name] = true
		return
	case "description":
		it.Description = strings.Join(u[1:], " ")
		return
	case "family":
		if len(u) < 2 {
			cfg.errorf(ln, "family needs a name")
			return
		}
		if u[1] != "inet" {
			cfg.unmodeled(ln, "family "+u[1])
			return
		}
		f := u[2:]
		if len(f) == 0 {
			return
		}
		switch f[0] {
		case "address":
			if len(f) < 2 {
				cfg.errorf(ln, "address needs a prefix")
				return
			}
			c, ok := parseCIDR(f[1])
			a, _, _ := strings.Cut(f[1], "/")
			av, _ := parseIPv4(a)
			if !ok || !strings.Contains(f[1], "/") || !isContiguousMask(c.mask) {
				cfg.errorf(ln, "bad interface address %q", f[1])
				return
			}
			s := fmt.Sprintf("%s/%d", ipString(av), popcount(c.mask))
			for _, x := range it.IPv4 {
				if x == s {
					return
				}
			}
			it.IPv4 = append(it.IPv4, s)
			return
		case "filter":
			if len(f) < 3 {
				cfg.errorf(ln, "filter input|output NAME")
				return
			}
			switch f[1] {
			case "input":
				it.In, it.InLine = []string{f[2]}, ln
			case "output":
				it.Out, it.OutLine = []string{f[2]}, ln
			case "input-list":
				it.In, it.InLine = append(it.In, f[2:]...), ln
			case "output-list":
				it.Out, it.OutLine = append(it.Out, f[2:]...), ln
			default:
				cfg.errorf(ln, "filter input|output|input-list|output-list NAME")
				return
			}
			for _, n := range f[2:] {
				cfg.use("filter", n, ln)
			}
			return
		}
		cfg.unmodeled(ln, "family inet option")
		return
	}
	cfg.unmodeled(ln, "unit option")
}

func (p *junosParser) filter(t []string, ln int) {
	cfg := p.cfg
	if len(t) < 1 {
		cfg.errorf(ln, "filter needs a name")
		return
	}
	name := t[0]
	f := p.filters[name]
	if f == nil {
		f = &junosFilter{name: name, line: ln, index: map[string]*junosTerm{}}
		p.filters[name] = f
		p.forder = append(p.forder, name)
		cfg.define("filter", name, ln)
	}
	if len(t) < 2 {
		return
	}
	if t[1] != "term" {
		cfg.unmodeled(ln, "filter option")
		return
	}
	if len(t) < 3 {
		cfg.errorf(ln, "term needs a name")
		return
	}
	tm := f.index[t[2]]
	if tm == nil {
		tm = &junosTerm{name: t[2], line: ln, conds: map[string]*junosCond{}}
		f.index[t[2]] = tm
		f.terms = append(f.terms, tm)
	}
	tm.lines = append(tm.lines, ln)
	rest := t[3:]
	if len(rest) == 0 {
		return
	}
	switch rest[0] {
	case "from":
		if len(rest) < 2 {
			cfg.errorf(ln, "from needs a condition")
			return
		}
		p.from(tm, rest[1], rest[2:], ln)
	case "then":
		tm.hasThen = true
		if len(rest) < 2 {
			cfg.errorf(ln, "then needs an action")
			return
		}
		switch rest[1] {
		case "accept":
			tm.setTerminal(ActAccept)
		case "discard":
			tm.setTerminal(ActDrop)
		case "reject":
			tm.setTerminal(ActReject)
		case "next":
			if len(rest) < 3 || rest[2] != "term" {
				cfg.errorf(ln, "next term")
				return
			}
			tm.setTerminal(ActContinue)
			tm.actions = append(tm.actions, "next term")
		case "count", "log", "syslog", "policer", "sample", "forwarding-class", "loss-priority", "dscp", "port-mirror", "three-color-policer", "packet-mode", "service-accounting":
			if (rest[1] == "count" || rest[1] == "policer" || rest[1] == "forwarding-class" || rest[1] == "loss-priority") && len(rest) < 3 {
				cfg.errorf(ln, "%s needs an argument", rest[1])
				return
			}
			tm.actions = append(tm.actions, rest[1])
		case "routing-instance":
			cfg.unmodeled(ln, "filter-based forwarding is treated as accept")
			tm.setTerminal(ActAccept)
		default:
			cfg.errorf(ln, "unknown filter action %q", rest[1])
		}
	default:
		cfg.errorf(ln, "term statement must be from or then, got %q", rest[0])
	}
}

func (tm *junosTerm) setTerminal(a Action) {
	// next term only applies when no terminating action is present.
	if a == ActContinue && tm.terminal != 0 {
		return
	}
	tm.terminal = a
}

var junosCondKeys = map[string]bool{
	"source-address": true, "destination-address": true, "address": true,
	"source-prefix-list": true, "destination-prefix-list": true, "prefix-list": true,
	"protocol": true, "protocol-except": true, "destination-port": true, "source-port": true, "port": true,
	"destination-port-except": true, "source-port-except": true, "port-except": true,
	"icmp-type": true, "icmp-type-except": true, "icmp-code": true, "icmp-code-except": true,
	"tcp-established": true, "tcp-initial": true, "tcp-flags": true,
}

var junosUnmodeledConds = map[string]bool{
	"is-fragment": true, "first-fragment": true, "fragment-offset": true, "fragment-flags": true, "dscp": true, "precedence": true,
	"packet-length": true, "ttl": true, "interface": true, "interface-group": true, "forwarding-class": true, "ip-options": true,
	"source-class": true, "destination-class": true, "loss-priority": true, "interface-set": true, "ip-protocol": true,
}

func (p *junosParser) from(tm *junosTerm, key string, vals []string, ln int) {
	cfg := p.cfg
	if junosUnmodeledConds[key] {
		if key == "is-fragment" || key == "fragment-offset" {
			// Whole packets are never fragments.
			tm.addCond("never", "", false, ln)
			return
		}
		cfg.unmodeled(ln, "match condition "+key+" is not modeled (treated as matching)")
		return
	}
	if !junosCondKeys[key] {
		cfg.errorf(ln, "unknown match condition %q", key)
		return
	}
	switch key {
	case "tcp-established", "tcp-initial":
		if len(vals) > 0 {
			cfg.errorf(ln, "%s takes no value", key)
			return
		}
		tm.addCond(key, "", false, ln)
		return
	}
	if len(vals) == 0 {
		cfg.errorf(ln, "%s needs a value", key)
		return
	}
	except := false
	if len(vals) >= 2 && vals[len(vals)-1] == "except" {
		except, vals = true, vals[:len(vals)-1]
	}
	for _, v := range vals {
		if err := validJunosValue(key, v); err != nil {
			cfg.errorf(ln, "%v", err)
			return
		}
		if strings.HasSuffix(key, "prefix-list") {
			cfg.use("prefix-list", v, ln)
		}
		tm.addCond(key, v, except, ln)
	}
}

func validJunosValue(key, v string) error {
	switch key {
	case "source-address", "destination-address", "address":
		if _, ok := parseCIDR(v); !ok {
			return fmt.Errorf("bad address %q", v)
		}
	case "protocol", "protocol-except":
		if _, _, ok := junosRange(v, parseProto); !ok {
			return fmt.Errorf("bad protocol %q", v)
		}
	case "destination-port", "source-port", "port", "destination-port-except", "source-port-except", "port-except":
		if _, _, ok := junosRange(v, parsePort); !ok {
			return fmt.Errorf("bad port %q", v)
		}
	case "icmp-type", "icmp-type-except":
		if _, _, ok := parseICMPType(v); !ok {
			if _, _, ok := junosRange(v, parseByte); !ok {
				return fmt.Errorf("bad icmp type %q", v)
			}
		}
	case "icmp-code", "icmp-code-except":
		if _, _, ok := junosRange(v, parseByte); !ok {
			return fmt.Errorf("bad icmp code %q", v)
		}
	case "tcp-flags":
		if _, ok := junosFlagExpr(v); !ok {
			return fmt.Errorf("bad tcp-flags %q", v)
		}
	}
	return nil
}

func parseByte(s string) (uint32, bool) {
	n, err := strconv.Atoi(s)
	return uint32(n), err == nil && n >= 0 && n <= 255
}

func junosRange(v string, one func(string) (uint32, bool)) (uint32, uint32, bool) {
	if a, b, ok := strings.Cut(v, "-"); ok && a != "" {
		if lo, ok1 := one(a); ok1 {
			if hi, ok2 := one(b); ok2 && lo <= hi {
				return lo, hi, true
			}
		}
	}
	x, ok := one(v)
	return x, x, ok
}

// junosFlagExpr parses "syn & !ack" (also | between conjunctions, and the
// text names tcp-initial style) into cubes of the flags byte.
func junosFlagExpr(s string) ([]cube, bool) {
	s = strings.ToLower(strings.Trim(s, "\"()"))
	var out []cube
	for _, alt := range strings.Split(s, "|") {
		var c cube
		for _, lit := range strings.Split(alt, "&") {
			lit = strings.TrimSpace(strings.Trim(strings.TrimSpace(lit), "()"))
			neg := strings.HasPrefix(lit, "!")
			lit = strings.TrimPrefix(lit, "!")
			var bit uint32
			switch lit {
			case "fin":
				bit = flFIN
			case "syn":
				bit = flSYN
			case "rst":
				bit = flRST
			case "push", "psh":
				bit = flPSH
			case "ack":
				bit = flACK
			case "urgent", "urg":
				bit = flURG
			default:
				return nil, false
			}
			c.mask |= bit
			if !neg {
				c.val |= bit
			}
		}
		out = append(out, c)
	}
	return out, true
}

func (tm *junosTerm) addCond(key, v string, except bool, ln int) {
	c := tm.conds[key]
	if c == nil {
		c = &junosCond{key: key}
		tm.conds[key] = c
		tm.order = append(tm.order, key)
	}
	c.values = append(c.values, v)
	c.except = append(c.except, except)
	c.lines = append(c.lines, ln)
}

func (p *junosParser) finish() {
	cfg := p.cfg
	for _, name := range p.forder {
		f := p.filters[name]
		ch := &Chain{Name: name, Short: name, Policy: ActDrop, PolicyText: "implicit discard (end of filter " + name + ")", Line: f.line}
		for _, tm := range f.terms {
			r := &Rule{Line: tm.line, Text: "term " + tm.name + ": " + cfg.lineText(tm.line), Action: tm.terminal, chain: ch}
			if !tm.hasThen || tm.terminal == 0 && !containsStr(tm.actions, "next term") {
				r.Action = ActAccept // a term with only non-terminating actions accepts
			}
			for _, key := range tm.order {
				r.Conds = append(r.Conds, p.cond(tm.conds[key])...)
			}
			ch.Rules = append(ch.Rules, r)
		}
		cfg.addChain(name, ch)
	}
	for name, it := range cfg.Interfaces {
		phys, _, _ := strings.Cut(name, ".")
		if ph := p.phys[phys]; ph != nil {
			it.Shutdown = ph.disable
			if it.Description == "" {
				it.Description = ph.description
			}
		}
		if p.unitDis[name] {
			it.Shutdown = true
		}
	}
	if p.ospf != nil {
		for _, it := range cfg.Interfaces {
			if it.Passive {
				p.ospf.Passive = append(p.ospf.Passive, it.Name)
			}
		}
		sort.Strings(p.ospf.Passive)
	}
}

func containsStr(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// cond turns one condition type into conditions (OR within the type).
func (p *junosParser) cond(c *junosCond) []Cond {
	switch c.key {
	case "never":
		return []Cond{{Dim: dimNever}}
	case "tcp-established":
		return []Cond{{Dim: dimFlags, Set: newSet(8).addCube(flACK, flACK, true).addCube(flRST, flRST, true).finish()}}
	case "tcp-initial":
		return []Cond{{Dim: dimFlags, Set: newSet(8).addCube(flSYN, flSYN|flACK, true).finish()}}
	case "tcp-flags":
		vs := newSet(8)
		for _, v := range c.values {
			cs, _ := junosFlagExpr(v)
			for _, x := range cs {
				vs.addCube(x.val, x.mask, true)
			}
		}
		return []Cond{{Dim: dimFlags, Set: vs.finish()}}
	case "source-prefix-list", "destination-prefix-list", "prefix-list":
		// A prefix list matches its prefixes; "except" negates a whole list:
		// "do not match the prefixes in the list".
		d := dimSrc
		switch c.key {
		case "destination-prefix-list":
			d = dimDst
		case "prefix-list":
			d = dimAddrEither
		}
		pos, neg := newSet(32), newSet(32)
		hasPos, hasNeg := false, false
		for i, v := range c.values {
			target := pos
			if c.except[i] {
				target, hasNeg = neg, true
			} else {
				hasPos = true
			}
			for _, a := range p.plists[v] {
				cc, _ := parseCIDR(a)
				target.addCube(cc.val, cc.mask, true)
			}
		}
		var out []Cond
		if hasPos {
			out = append(out, Cond{Dim: d, Set: pos.finish()})
		}
		if hasNeg {
			out = append(out, Cond{Dim: d, Neg: true, Set: neg.finish()})
		}
		return out
	case "source-address", "destination-address", "address":
		type pe struct {
			c      cube
			except bool
		}
		var es []pe
		for i, v := range c.values {
			cc, _ := parseCIDR(v)
			es = append(es, pe{cc, c.except[i]})
		}
		// Longest match decides: most specific entries first.
		sort.SliceStable(es, func(i, j int) bool { return popcount(es[i].c.mask) > popcount(es[j].c.mask) })
		vs := newSet(32)
		for _, e := range es {
			vs.addCube(e.c.val, e.c.mask, !e.except)
		}
		vs.finish()
		d := dimSrc
		switch {
		case strings.HasPrefix(c.key, "destination"):
			d = dimDst
		case c.key == "address":
			d = dimAddrEither
		}
		return []Cond{{Dim: d, Set: vs}}
	}
	// Numeric lists: protocol, ports, icmp type/code, with -except negations.
	neg := strings.HasSuffix(c.key, "-except")
	key := strings.TrimSuffix(c.key, "-except")
	var d dim
	var w uint
	var one func(string) (uint32, bool)
	switch key {
	case "protocol":
		d, w, one = dimProto, 8, parseProto
	case "destination-port":
		d, w, one = dimDport, 16, parsePort
	case "source-port":
		d, w, one = dimSport, 16, parsePort
	case "port":
		d, w, one = dimPortEither, 16, parsePort
	case "icmp-type":
		d, w, one = dimICMPType, 8, func(s string) (uint32, bool) {
			t, _, ok := parseICMPType(s)
			return uint32(t), ok
		}
	case "icmp-code":
		d, w, one = dimICMPCode, 8, parseByte
	}
	vs := newSet(w)
	for _, v := range c.values {
		lo, hi, _ := junosRange(v, one)
		vs.addRange(lo, hi, true)
	}
	return []Cond{{Dim: d, Neg: neg, Set: vs.finish()}}
}
