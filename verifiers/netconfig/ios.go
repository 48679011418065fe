package netconfig

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Cisco IOS, and the prefix notation of NX-OS.

var iosIfaceTypes = []string{
	"GigabitEthernet", "FastEthernet", "Ethernet", "TenGigabitEthernet", "TwentyFiveGigE", "FortyGigabitEthernet",
	"HundredGigE", "Loopback", "Vlan", "Port-channel", "Tunnel", "Serial", "Management", "mgmt", "BDI", "Dialer",
	"Null", "Virtual-Template", "nve", "AppGigabitEthernet", "Cellular", "Multilink", "BVI",
}

// normIOSIface expands abbreviations (Gi0/1, gi 0/1, Eth1/1, Po10) to the
// canonical type name and drops the space before the number.
func normIOSIface(s string) string {
	s = strings.Join(strings.Fields(s), "")
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] == '-') {
		i++
	}
	if i == 0 {
		return s
	}
	pfx := strings.ToLower(s[:i])
	for _, t := range iosIfaceTypes {
		if strings.HasPrefix(strings.ToLower(t), pfx) {
			return t + s[i:]
		}
	}
	return s
}

// iosGlobalUnmodeled are valid global commands the model does not cover.
var iosGlobalUnmodeled = map[string]bool{
	"version": true, "service": true, "boot": true, "boot-start-marker": true, "boot-end-marker": true,
	"logging": true, "enable": true, "username": true, "aaa": true, "clock": true, "ntp": true, "snmp-server": true,
	"banner": true, "spanning-tree": true, "vlan": true, "vtp": true, "crypto": true, "license": true, "redundancy": true,
	"control-plane": true, "archive": true, "memory-size": true, "no": true, "feature": true, "cdp": true, "lldp": true,
	"route-map": true, "ip": true, "ipv6": true, "key": true, "class-map": true, "policy-map": true, "router": true,
	"mac": true, "errdisable": true, "system": true, "vrf": true, "copp": true, "rmon": true, "power": true,
	"diagnostic": true, "multilink": true, "track": true, "alias": true, "tacacs-server": true, "radius-server": true,
	"tacacs": true, "radius": true, "call-home": true, "platform": true, "hw-module": true, "port-channel": true,
	"mpls": true, "dot1x": true, "monitor": true, "login": true, "transceiver": true, "switch": true, "udld": true,
	"file": true, "privilege": true, "exception": true, "scheduler": true, "install": true, "cts": true,
	"subscriber": true, "multicast": true, "device-tracking": true, "vpdn": true, "parameter-map": true, "zone": true,
	"zone-pair": true, "template": true, "event": true, "kron": true, "dial-peer": true, "voice": true, "telephony-service": true,
	"ethernet": true, "macro": true, "vpc": true, "hostname-alias": true, "configure": true, "interface-range": true,
	// show running-config headers
	"Building": true, "Current": true, "Last": true, "NVRAM": true, "upgrade": true, "security": true,
}

type iosMode int

const (
	modeGlobal iosMode = iota
	modeIface
	modeACL
	modeObjNet
	modeObjSvc
	modeObjProto
	modeObjPort
	modeOSPF
	modeVTY
	modeBlock // an unmodeled block: sub-lines are unmodeled
)

type iosACE struct {
	seq   int
	rules []*Rule
}

type iosACL struct {
	name     string
	standard bool
	line     int
	aces     []iosACE
	lastSeq  int
}

type svcAlt struct {
	proto *ValueSet
	sport *ValueSet
	dport *ValueSet
	icmp  *ValueSet
}

type iosObj struct {
	kind    string // network, service, protocol, port
	line    int
	addrs   []entry
	svcs    []svcAlt
	protos  []uint32
	ports   []ival
	refs    []string
	refLine []int
}

type iosParser struct {
	flatA map[string][]entry // memoized group flattening (nesting is a DAG)
	flatS map[string][]svcAlt
	flatP map[string][]uint32
	flatR map[string][]ival
	cfg   *Config
	acls  map[string]*iosACL
	order []string
	objs  map[string]*iosObj
	// deferred ACE lines: parsed after all object-groups are known
	deferred []func()
	ospfs    map[string]*OSPF
	noPass   map[*OSPF][]string
}

func parseIOS(cfg *Config) {
	p := &iosParser{cfg: cfg, acls: map[string]*iosACL{}, objs: map[string]*iosObj{}, ospfs: map[string]*OSPF{}, noPass: map[*OSPF][]string{}}
	mode := modeGlobal
	var cur any
	bannerEnd := ""
	for i, raw := range cfg.Lines {
		ln := i + 1
		if bannerEnd != "" {
			if strings.Contains(raw, bannerEnd) {
				bannerEnd = ""
			}
			continue
		}
		l := strings.TrimSpace(raw)
		if l == "" || strings.HasPrefix(l, "!") || strings.HasPrefix(l, "#") {
			continue
		}
		indented := raw[0] == ' ' || raw[0] == '\t'
		f := strings.Fields(l)
		if f[0] == "end" || f[0] == "exit" {
			mode, cur = modeGlobal, nil
			continue
		}
		if mode != modeGlobal {
			if p.sub(mode, cur, f, ln, indented) {
				continue
			}
			mode, cur = modeGlobal, nil
			if indented {
				cfg.unrecognized(ln)
				continue
			}
		}
		mode, cur, bannerEnd = p.global(f, l, ln)
	}
	for _, fn := range p.deferred {
		fn()
	}
	p.finish()
}

// global parses a global-mode line and returns the mode it enters.
func (p *iosParser) global(f []string, l string, ln int) (iosMode, any, string) {
	cfg := p.cfg
	switch f[0] {
	case "hostname":
		if len(f) != 2 {
			cfg.errorf(ln, "hostname takes one word")
			return modeGlobal, nil, ""
		}
		cfg.Hostname = f[1]
		return modeGlobal, nil, ""
	case "interface":
		if len(f) < 2 {
			cfg.errorf(ln, "interface needs a name")
			return modeGlobal, nil, ""
		}
		name := normIOSIface(strings.Join(f[1:], " "))
		return modeIface, cfg.iface(name, ln), ""
	case "access-list":
		p.numbered(f, ln)
		return modeGlobal, nil, ""
	case "object-group":
		if len(f) < 3 {
			cfg.errorf(ln, "object-group needs a type and a name")
			return modeGlobal, nil, ""
		}
		kind, name := f[1], f[2]
		var m iosMode
		switch kind {
		case "network":
			m = modeObjNet
		case "service":
			m = modeObjSvc
		case "protocol":
			m = modeObjProto
		case "ip":
			if len(f) < 4 || (f[2] != "address" && f[2] != "port") {
				cfg.errorf(ln, "object-group ip needs address or port")
				return modeGlobal, nil, ""
			}
			name = f[3]
			m = modeObjNet
			if f[2] == "port" {
				m = modeObjPort
			}
		default:
			cfg.unmodeled(ln, "object-group type "+kind)
			return modeBlock, nil, ""
		}
		if _, dup := p.objs[name]; dup {
			cfg.errorf(ln, "object-group %s already defined", name)
			return modeBlock, nil, ""
		}
		o := &iosObj{kind: map[iosMode]string{modeObjNet: "network", modeObjSvc: "service", modeObjProto: "protocol", modeObjPort: "port"}[m], line: ln}
		p.objs[name] = o
		cfg.define("object-group", name, ln)
		return m, o, ""
	case "router":
		if len(f) >= 3 && f[1] == "ospf" {
			o := p.ospfs[f[2]]
			if o == nil {
				o = &OSPF{ID: f[2]}
				p.ospfs[f[2]] = o
				cfg.OSPF = append(cfg.OSPF, o)
			}
			return modeOSPF, o, ""
		}
		if len(f) < 2 {
			cfg.errorf(ln, "router needs a protocol")
			return modeGlobal, nil, ""
		}
		cfg.unmodeled(ln, "routing protocol "+f[1])
		return modeBlock, nil, ""
	case "line":
		if len(f) >= 2 && f[1] == "vty" {
			return modeVTY, nil, ""
		}
		cfg.unmodeled(ln, "line")
		return modeBlock, nil, ""
	case "banner":
		cfg.unmodeled(ln, "banner")
		// banner motd ^C ... ^C: skip to the closing delimiter.
		if len(f) >= 3 {
			d := f[2]
			if strings.HasPrefix(d, "^C") {
				d = "^C"
			} else {
				d = d[:1]
			}
			rest := strings.SplitN(l, f[2], 2)
			if len(rest) == 2 && strings.Contains(rest[1]+f[2][len(d):], d) {
				return modeGlobal, nil, ""
			}
			return modeGlobal, nil, d
		}
		return modeGlobal, nil, ""
	case "ip":
		if len(f) >= 2 {
			switch f[1] {
			case "access-list":
				return p.namedACL(f, ln)
			case "route":
				p.route(f[2:], ln)
				return modeGlobal, nil, ""
			}
		}
		cfg.unmodeled(ln, "global ip command")
		return modeGlobal, nil, ""
	case "ipv6":
		cfg.unmodeled(ln, "IPv6 is not modeled")
		return modeBlock, nil, ""
	}
	if iosGlobalUnmodeled[f[0]] {
		cfg.unmodeled(ln, "not modeled")
		switch f[0] {
		case "route-map", "class-map", "policy-map", "key", "control-plane", "redundancy", "archive", "crypto", "vrf",
			"vlan", "aaa", "parameter-map", "zone-pair", "template", "event", "kron", "dial-peer", "voice", "call-home",
			"telephony-service", "macro", "vpc", "track", "monitor", "scheduler", "ethernet", "device-tracking", "subscriber", "mpls", "license", "platform":
			return modeBlock, nil, ""
		}
		return modeGlobal, nil, ""
	}
	p.cfg.unrecognized(ln)
	return modeGlobal, nil, ""
}

// sub handles a line inside a mode; false means it does not belong there.
func (p *iosParser) sub(mode iosMode, cur any, f []string, ln int, indented bool) bool {
	cfg := p.cfg
	switch mode {
	case modeBlock:
		if indented {
			cfg.unmodeled(ln, "inside an unmodeled block")
			return true
		}
		return false
	case modeIface:
		return p.ifaceSub(cur.(*Iface), f, ln, indented)
	case modeACL:
		a := cur.(*iosACL)
		if f[0] == "remark" || f[0] == "statistics" || f[0] == "description" || (len(f) > 1 && f[1] == "remark") {
			return true
		}
		seq := -1
		body := f
		if n, err := strconv.Atoi(f[0]); err == nil {
			seq, body = n, f[1:]
			if n <= 0 || n > 2147483647 {
				cfg.errorf(ln, "bad sequence number")
				return true
			}
		}
		if len(body) == 0 || (body[0] != "permit" && body[0] != "deny") {
			if seq >= 0 || indented {
				cfg.errorf(ln, "ACL entry must be permit, deny or remark")
				return true
			}
			return false
		}
		p.addACE(a, seq, body, ln)
		return true
	case modeObjNet, modeObjSvc, modeObjProto, modeObjPort:
		o := cur.(*iosObj)
		if f[0] == "description" {
			return true
		}
		if _, err := strconv.Atoi(f[0]); err == nil && len(f) > 1 && (mode == modeObjNet || mode == modeObjPort) {
			f = f[1:] // NX-OS sequence numbers
		}
		if f[0] == "group-object" {
			if len(f) != 2 {
				cfg.errorf(ln, "group-object takes a name")
				return true
			}
			o.refs = append(o.refs, f[1])
			o.refLine = append(o.refLine, ln)
			cfg.use("object-group", f[1], ln)
			return true
		}
		if !indented && (f[0] == "interface" || f[0] == "ip" || f[0] == "access-list" || f[0] == "object-group" || f[0] == "router" || f[0] == "hostname" || f[0] == "line") {
			return false
		}
		var err error
		switch mode {
		case modeObjNet:
			err = p.objNet(o, f)
		case modeObjSvc:
			err = p.objSvc(o, f)
		case modeObjProto:
			for _, x := range f {
				v, ok := parseProto(x)
				if !ok {
					err = fmt.Errorf("bad protocol %q", x)
					break
				}
				o.protos = append(o.protos, v)
			}
		case modeObjPort:
			var vs *ValueSet
			vs, f, err = iosPortOp(f)
			if err == nil && len(f) > 0 {
				err = fmt.Errorf("trailing %q", f[0])
			}
			if err == nil {
				o.ports = append(o.ports, vs.ivs...)
			}
		}
		if err != nil {
			cfg.errorf(ln, "%v", err)
		}
		return true
	case modeOSPF:
		return p.ospfSub(cur.(*OSPF), f, ln, indented)
	case modeVTY:
		switch f[0] {
		case "access-class":
			if len(f) < 3 || (f[2] != "in" && f[2] != "out") {
				cfg.errorf(ln, "access-class NAME in|out")
				return true
			}
			if f[2] == "in" {
				cfg.VTYClass = append(cfg.VTYClass, f[1])
			}
			cfg.use("acl", f[1], ln)
			return true
		case "transport", "login", "password", "exec-timeout", "logging", "privilege", "session-timeout", "stopbits", "length", "width", "history", "ipv6", "no", "autoselect", "motd-banner", "timeout":
			cfg.unmodeled(ln, "line option")
			return true
		}
		if indented {
			cfg.unmodeled(ln, "line option")
			return true
		}
		return false
	}
	return false
}

func (p *iosParser) ifaceSub(it *Iface, f []string, ln int, indented bool) bool {
	cfg := p.cfg
	switch f[0] {
	case "shutdown":
		it.Shutdown = true
		return true
	case "description":
		it.Description = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cfg.Lines[ln-1]), "description"))
		return true
	case "no":
		if len(f) >= 2 && f[1] == "shutdown" {
			it.Shutdown = false
			return true
		}
		if len(f) >= 3 && f[1] == "ip" && f[2] == "address" {
			it.IPv4 = nil
			return true
		}
		cfg.unmodeled(ln, "interface option")
		return true
	case "ip":
		if len(f) < 2 {
			cfg.errorf(ln, "incomplete command")
			return true
		}
		switch f[1] {
		case "address":
			p.ifaceAddr(it, f[2:], ln)
			return true
		case "port":
			// NX-OS: ip port access-group NAME in
			if len(f) == 5 && f[2] == "access-group" {
				f = append([]string{"ip"}, f[2:]...)
			} else {
				cfg.unmodeled(ln, "interface ip option")
				return true
			}
			fallthrough
		case "access-group":
			if len(f) != 4 || (f[3] != "in" && f[3] != "out") {
				cfg.errorf(ln, "ip access-group NAME in|out")
				return true
			}
			if f[3] == "in" {
				it.In, it.InLine = []string{f[2]}, ln
			} else {
				it.Out, it.OutLine = []string{f[2]}, ln
			}
			cfg.use("acl", f[2], ln)
			return true
		case "ospf":
			// ip ospf PROCESS area AREA
			if len(f) >= 5 && f[3] == "area" {
				it.OSPFArea = normArea(f[4])
				return true
			}
			if len(f) >= 3 && f[2] == "passive-interface" {
				it.Passive = true
				return true
			}
			cfg.unmodeled(ln, "ospf interface option")
			return true
		case "router":
			// NX-OS: ip router ospf TAG area AREA
			if len(f) >= 6 && f[2] == "ospf" && f[4] == "area" {
				it.OSPFArea = normArea(f[5])
				return true
			}
			cfg.unmodeled(ln, "interface routing option")
			return true
		case "access-list", "route", "domain-name", "domain", "name-server", "ssh", "http", "dhcp", "scp", "ftp", "tftp", "forward-protocol", "routing", "cef", "multicast-routing", "prefix-list", "as-path", "community-list":
			if !indented {
				return false
			}
		}
		cfg.unmodeled(ln, "interface ip option")
		return true
	case "interface", "hostname", "access-list", "object-group", "router", "line", "ipv6", "route-map", "banner":
		if !indented {
			return false
		}
	}
	if indented || ifaceOptionWords[f[0]] {
		cfg.unmodeled(ln, "interface option")
		return true
	}
	return false
}

var ifaceOptionWords = map[string]bool{
	"duplex": true, "speed": true, "switchport": true, "mtu": true, "encapsulation": true, "standby": true, "vrrp": true,
	"bandwidth": true, "channel-group": true, "negotiation": true, "load-interval": true, "spanning-tree": true,
	"vrf": true, "cdp": true, "media-type": true, "keepalive": true, "service-policy": true, "mpls": true, "tunnel": true,
	"hsrp": true, "storm-control": true, "lldp": true, "delay": true, "carrier-delay": true, "nameif": true, "security-level": true,
}

func (p *iosParser) ifaceAddr(it *Iface, f []string, ln int) {
	cfg := p.cfg
	if len(f) == 0 {
		cfg.errorf(ln, "ip address needs an address")
		return
	}
	if f[0] == "dhcp" || f[0] == "negotiated" {
		cfg.unmodeled(ln, "dynamic address")
		return
	}
	var s string
	rest := f[1:]
	if strings.Contains(f[0], "/") {
		c, ok := parseCIDR(f[0])
		a, _, _ := strings.Cut(f[0], "/")
		if !ok || !isContiguousMask(c.mask) {
			cfg.errorf(ln, "bad address %q", f[0])
			return
		}
		av, _ := parseIPv4(a)
		s = fmt.Sprintf("%s/%d", ipString(av), popcount(c.mask))
	} else {
		if len(f) < 2 {
			cfg.errorf(ln, "ip address needs a mask")
			return
		}
		a, ok1 := parseIPv4(f[0])
		m, ok2 := parseIPv4(f[1])
		if !ok1 || !ok2 || !isContiguousMask(m) {
			cfg.errorf(ln, "bad address or mask")
			return
		}
		s = fmt.Sprintf("%s/%d", ipString(a), popcount(m))
		rest = f[2:]
	}
	secondary := len(rest) > 0 && rest[0] == "secondary"
	if len(rest) > 0 && !secondary && rest[0] != "tag" {
		cfg.errorf(ln, "unexpected %q after address", rest[0])
		return
	}
	if secondary {
		it.IPv4 = append(it.IPv4, s)
	} else if len(it.IPv4) > 0 {
		it.IPv4[0] = s
	} else {
		it.IPv4 = []string{s}
	}
}

func (p *iosParser) ospfSub(o *OSPF, f []string, ln int, indented bool) bool {
	cfg := p.cfg
	switch f[0] {
	case "network":
		// network A W area X  (IOS)   or  network A/len area X
		var c cube
		var rest []string
		if len(f) >= 4 && f[2] == "area" {
			cc, ok := parseCIDR(f[1])
			if !ok {
				cfg.errorf(ln, "bad network %q", f[1])
				return true
			}
			c, rest = cc, f[2:]
		} else if len(f) >= 5 && f[3] == "area" {
			a, ok1 := parseIPv4(f[1])
			w, ok2 := parseIPv4(f[2])
			if !ok1 || !ok2 {
				cfg.errorf(ln, "bad network")
				return true
			}
			c, rest = cube{a &^ w, ^w}, f[3:]
		} else {
			cfg.errorf(ln, "network ADDRESS WILDCARD area AREA")
			return true
		}
		area := normArea(rest[1])
		if _, err := strconv.ParseUint(area, 10, 32); err != nil {
			cfg.errorf(ln, "bad area %q", rest[1])
			return true
		}
		o.Networks = append(o.Networks, ospfNet{Prefix: cubeString(c), Area: area, set: c})
		return true
	case "passive-interface":
		if len(f) < 2 {
			cfg.errorf(ln, "passive-interface needs an interface or default")
			return true
		}
		if f[1] == "default" {
			o.PassiveDefault = true
		} else {
			o.Passive = append(o.Passive, normIOSIface(strings.Join(f[1:], "")))
		}
		return true
	case "no":
		if len(f) >= 3 && f[1] == "passive-interface" {
			p.noPass[o] = append(p.noPass[o], normIOSIface(strings.Join(f[2:], "")))
			return true
		}
		cfg.unmodeled(ln, "ospf option")
		return true
	case "router-id":
		if len(f) != 2 {
			cfg.errorf(ln, "router-id takes an address")
			return true
		}
		if _, ok := parseIPv4(f[1]); !ok {
			cfg.errorf(ln, "bad router-id")
			return true
		}
		o.RouterID = f[1]
		return true
	case "interface", "hostname", "access-list", "object-group", "router", "line", "ip", "ipv6", "route-map", "banner":
		if !indented {
			return false
		}
	}
	cfg.unmodeled(ln, "ospf option")
	return true
}

func (p *iosParser) route(f []string, ln int) {
	cfg := p.cfg
	if len(f) >= 2 && f[0] == "vrf" {
		cfg.unmodeled(ln, "VRF route")
		return
	}
	var pfx string
	var rest []string
	if len(f) >= 1 && strings.Contains(f[0], "/") {
		c, ok := parseCIDR(f[0])
		if !ok || !isContiguousMask(c.mask) {
			cfg.errorf(ln, "bad prefix %q", f[0])
			return
		}
		pfx, rest = cubeString(c), f[1:]
	} else if len(f) >= 2 {
		a, ok1 := parseIPv4(f[0])
		m, ok2 := parseIPv4(f[1])
		if !ok1 || !ok2 || !isContiguousMask(m) {
			cfg.errorf(ln, "bad prefix or mask")
			return
		}
		pfx, rest = cubeString(cube{a & m, m}), f[2:]
	}
	if len(rest) == 0 {
		cfg.errorf(ln, "ip route needs a next hop or an interface")
		return
	}
	r := Route{Prefix: pfx}
	for i := 0; i < len(rest); i++ {
		t := rest[i]
		if _, ok := parseIPv4(t); ok && r.NextHop == "" {
			r.NextHop = t
			continue
		}
		if n, err := strconv.Atoi(t); err == nil && (r.NextHop != "" || r.Interface != "") {
			if n < 1 || n > 255 {
				cfg.errorf(ln, "bad distance")
				return
			}
			r.Distance = n
			continue
		}
		switch t {
		case "name", "tag", "track":
			i++
			continue
		case "permanent", "global", "multicast":
			continue
		}
		if i == 0 && r.Interface == "" {
			r.Interface = normIOSIface(t)
			continue
		}
		cfg.errorf(ln, "unexpected %q in ip route", t)
		return
	}
	cfg.Routes = append(cfg.Routes, r)
}

func (p *iosParser) namedACL(f []string, ln int) (iosMode, any, string) {
	cfg := p.cfg
	var name string
	standard := false
	switch {
	case len(f) == 4 && (f[2] == "standard" || f[2] == "extended"):
		name, standard = f[3], f[2] == "standard"
	case len(f) == 3 && f[2] != "standard" && f[2] != "extended":
		name = f[2] // NX-OS
	case len(f) >= 3 && (f[2] == "resequence" || f[2] == "logging" || f[2] == "role-based"):
		cfg.unmodeled(ln, "access-list option")
		return modeGlobal, nil, ""
	default:
		cfg.errorf(ln, "ip access-list standard|extended NAME")
		return modeGlobal, nil, ""
	}
	if n, err := strconv.Atoi(name); err == nil {
		std, ok := numberedKind(n)
		if !ok {
			cfg.errorf(ln, "ACL number %d is out of range", n)
			return modeBlock, nil, ""
		}
		if len(f) == 4 && std != standard {
			cfg.errorf(ln, "ACL %d is not a %s list", n, f[2])
			return modeBlock, nil, ""
		}
		standard = std
	}
	return modeACL, p.acl(name, standard, ln), ""
}

func numberedKind(n int) (standard, ok bool) {
	switch {
	case n >= 1 && n <= 99, n >= 1300 && n <= 1999:
		return true, true
	case n >= 100 && n <= 199, n >= 2000 && n <= 2699:
		return false, true
	}
	return false, false
}

func (p *iosParser) acl(name string, standard bool, ln int) *iosACL {
	a := p.acls[name]
	if a == nil {
		a = &iosACL{name: name, standard: standard, line: ln}
		p.acls[name] = a
		p.order = append(p.order, name)
		p.cfg.define("acl", name, ln)
	}
	return a
}

func (p *iosParser) numbered(f []string, ln int) {
	cfg := p.cfg
	if len(f) < 3 {
		cfg.errorf(ln, "access-list NUMBER permit|deny ...")
		return
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		// access-list NAME extended|standard permit ... (ASA-style named lists)
		if len(f) >= 4 && (f[2] == "extended" || f[2] == "standard") {
			a := p.acl(f[1], f[2] == "standard", ln)
			body := f[3:]
			switch body[0] {
			case "remark":
				return
			case "permit", "deny":
				p.addACE(a, -1, body, ln)
				return
			}
		}
		if len(f) >= 3 && f[2] == "remark" {
			return
		}
		cfg.errorf(ln, "access-list needs a number")
		return
	}
	std, ok := numberedKind(n)
	if !ok {
		cfg.errorf(ln, "ACL number %d is out of range", n)
		return
	}
	a := p.acl(f[1], std, ln)
	body := f[2:]
	if body[0] == "remark" {
		return
	}
	if body[0] == "dynamic" {
		cfg.unmodeled(ln, "dynamic ACL entry")
		return
	}
	if body[0] != "permit" && body[0] != "deny" {
		cfg.errorf(ln, "access-list entry must be permit, deny or remark")
		return
	}
	p.addACE(a, -1, body, ln)
}

// addACE records an entry now (to keep its place) and parses it once all
// object-groups are known.
func (p *iosParser) addACE(a *iosACL, seq int, body []string, ln int) {
	if seq < 0 {
		seq = a.lastSeq + 10
	} else {
		for _, e := range a.aces {
			if e.seq == seq {
				p.cfg.errorf(ln, "duplicate sequence number %d", seq)
				return
			}
		}
	}
	if seq > a.lastSeq {
		a.lastSeq = seq
	}
	idx := len(a.aces)
	a.aces = append(a.aces, iosACE{seq: seq})
	p.deferred = append(p.deferred, func() {
		rules, err := p.parseACE(a.standard, body, ln)
		if err != nil {
			p.cfg.errorf(ln, "%v", err)
			return
		}
		a.aces[idx].rules = rules
	})
}

func (p *iosParser) parseACE(standard bool, f []string, ln int) ([]*Rule, error) {
	act := ActAccept
	if f[0] == "deny" {
		act = ActDrop
	}
	f = f[1:]
	text := p.cfg.lineText(ln)
	if standard {
		if len(f) == 0 {
			return nil, fmt.Errorf("standard entry needs a source")
		}
		src, rest, err := p.addrSpec(f, true)
		if err != nil {
			return nil, err
		}
		if err := p.options(rest, false, nil); err != nil {
			return nil, err
		}
		return []*Rule{{Line: ln, Text: text, Action: act, Conds: condList(Cond{Dim: dimSrc, Set: src})}}, nil
	}
	if len(f) == 0 {
		return nil, fmt.Errorf("entry needs a protocol")
	}
	// Protocol: a name/number, ip, or an object-group (protocol or service).
	var alts []svcAlt
	var protoSet *ValueSet
	if f[0] == "object-group" {
		if len(f) < 2 {
			return nil, fmt.Errorf("object-group needs a name")
		}
		o, err := p.obj(f[1], ln)
		if err != nil {
			return nil, err
		}
		switch o.kind {
		case "protocol":
			vs := newSet(8)
			for _, v := range p.flatProtos(f[1], 0) {
				vs.addValue(v)
			}
			protoSet = vs.finish()
		case "service":
			alts = p.flatSvcs(f[1], 0)
		default:
			return nil, fmt.Errorf("object-group %s is not a protocol or service group", f[1])
		}
		f = f[2:]
	} else {
		ps := strings.ToLower(f[0])
		if ps != "ip" && ps != "ipv4" {
			v, ok := parseProto(ps)
			if !ok {
				return nil, fmt.Errorf("unknown protocol %q", f[0])
			}
			protoSet = newSet(8).addValue(v).finish()
		}
		f = f[1:]
	}
	portProto := false
	tcpOnly := false
	icmpProto := false
	if protoSet != nil && len(protoSet.ivs) == 1 && protoSet.ivs[0].lo == protoSet.ivs[0].hi {
		v := protoSet.ivs[0].lo
		portProto, tcpOnly, icmpProto = applicable(dimDport, v), v == protoTCP, v == protoICMP
	}
	src, f, err := p.addrSpec(f, false)
	if err != nil {
		return nil, err
	}
	var sport, dport *ValueSet
	if portProto && len(f) > 0 {
		if sport, f, err = p.portSpec(f); err != nil {
			return nil, err
		}
	}
	dst, f, err := p.addrSpec(f, false)
	if err != nil {
		return nil, err
	}
	if portProto && len(f) > 0 {
		if dport, f, err = p.portSpec(f); err != nil {
			return nil, err
		}
	}
	var extra []Cond
	if icmpProto && len(f) > 0 {
		if ty, code, ok := parseICMPType(f[0]); ok && !iosOptionWord(f[0]) {
			extra = append(extra, Cond{Dim: dimICMPType, Set: newSet(8).addValue(uint32(ty)).finish()})
			f = f[1:]
			if code < 0 && len(f) > 0 {
				if n, err := strconv.Atoi(f[0]); err == nil && n >= 0 && n <= 255 {
					code = n
					f = f[1:]
				}
			}
			if code >= 0 {
				extra = append(extra, Cond{Dim: dimICMPCode, Set: newSet(8).addValue(uint32(code)).finish()})
			}
		}
	}
	if err := p.options(f, tcpOnly, &extra); err != nil {
		return nil, err
	}
	base := []Cond{}
	if src != nil {
		base = append(base, Cond{Dim: dimSrc, Set: src})
	}
	if dst != nil {
		base = append(base, Cond{Dim: dimDst, Set: dst})
	}
	base = append(base, extra...)
	if alts == nil {
		c := append([]Cond{}, base...)
		if protoSet != nil {
			c = append([]Cond{{Dim: dimProto, Set: protoSet}}, c...)
		}
		if sport != nil {
			c = append(c, Cond{Dim: dimSport, Set: sport})
		}
		if dport != nil {
			c = append(c, Cond{Dim: dimDport, Set: dport})
		}
		return []*Rule{{Line: ln, Text: text, Action: act, Conds: c}}, nil
	}
	var rules []*Rule
	for _, a := range alts {
		c := []Cond{{Dim: dimProto, Set: a.proto}}
		c = append(c, base...)
		if a.sport != nil {
			c = append(c, Cond{Dim: dimSport, Set: a.sport})
		}
		if a.dport != nil {
			c = append(c, Cond{Dim: dimDport, Set: a.dport})
		}
		if a.icmp != nil {
			c = append(c, Cond{Dim: dimICMPType, Set: a.icmp})
		}
		rules = append(rules, &Rule{Line: ln, Text: text, Action: act, Conds: c})
	}
	if len(rules) == 0 {
		rules = append(rules, &Rule{Line: ln, Text: text, Action: act, Conds: []Cond{{Dim: dimNever}}})
	}
	return rules, nil
}

func condList(c ...Cond) []Cond {
	out := c[:0]
	for _, x := range c {
		if x.Set != nil || x.Dim >= numDims {
			out = append(out, x)
		}
	}
	return out
}

func iosOptionWord(s string) bool {
	switch s {
	case "log", "log-input", "established", "fragments", "precedence", "dscp", "tos", "ttl", "time-range", "option", "match-any", "match-all", "reflect", "eq", "neq", "lt", "gt", "range":
		return true
	}
	return false
}

// options parses the trailing options of an entry.
func (p *iosParser) options(f []string, tcp bool, extra *[]Cond) error {
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case "log", "log-input":
			if i+1 < len(f) && !iosOptionWord(f[i+1]) {
				i++ // log cookie
			}
		case "established":
			if !tcp || extra == nil {
				return fmt.Errorf("established needs protocol tcp")
			}
			// TCP segments with ACK or RST set.
			*extra = append(*extra, Cond{Dim: dimFlags, Set: newSet(8).addCube(flACK, flACK, true).addCube(flRST, flRST, true).finish()})
		case "fragments":
			// Only non-initial fragments match; the packets we reason about
			// are whole (initial) packets, so the entry never matches them.
			if extra == nil {
				return fmt.Errorf("fragments is not valid here")
			}
			*extra = append(*extra, Cond{Dim: dimNever})
		case "precedence", "dscp", "tos", "time-range", "reflect", "option":
			if i+1 >= len(f) {
				return fmt.Errorf("%s needs a value", f[i])
			}
			i++
		case "ttl":
			if i+2 >= len(f) {
				return fmt.Errorf("ttl needs an operator and a value")
			}
			i += 2
		case "match-any", "match-all":
			for i+1 < len(f) && (strings.HasPrefix(f[i+1], "+") || strings.HasPrefix(f[i+1], "-")) {
				i++
			}
		case "ack", "syn", "fin", "rst", "psh", "urg":
			if !tcp || extra == nil {
				return fmt.Errorf("%s needs protocol tcp", f[i])
			}
			v, _ := parseFlags(f[i])
			*extra = append(*extra, Cond{Dim: dimFlags, Set: newSet(8).addCube(v, v, true).finish()})
		default:
			return fmt.Errorf("unexpected %q", f[i])
		}
	}
	return nil
}

// addrSpec parses any | host A | A W | A/len | object-group N | addrgroup N.
// A standard list also takes a bare address as a host.
func (p *iosParser) addrSpec(f []string, standard bool) (*ValueSet, []string, error) {
	if len(f) == 0 {
		return nil, nil, fmt.Errorf("missing address")
	}
	switch f[0] {
	case "any", "any4":
		return nil, f[1:], nil
	case "host":
		if len(f) < 2 {
			return nil, nil, fmt.Errorf("host needs an address")
		}
		a, ok := parseIPv4(f[1])
		if !ok {
			return nil, nil, fmt.Errorf("bad address %q", f[1])
		}
		return newSet(32).addValue(a).finish(), f[2:], nil
	case "object-group", "addrgroup":
		if len(f) < 2 {
			return nil, nil, fmt.Errorf("%s needs a name", f[0])
		}
		o, err := p.obj(f[1], 0)
		if err != nil {
			return nil, nil, err
		}
		if o.kind != "network" {
			return nil, nil, fmt.Errorf("object-group %s is not a network group", f[1])
		}
		vs := newSet(32)
		for _, e := range p.flatAddrs(f[1], 0) {
			if e.rng {
				vs.addRange(e.lo, e.hi, true)
			} else {
				vs.addCube(e.c.val, e.c.mask, true)
			}
		}
		return vs.finish(), f[2:], nil
	}
	if strings.Contains(f[0], "/") {
		c, ok := parseCIDR(f[0])
		if !ok || !isContiguousMask(c.mask) {
			return nil, nil, fmt.Errorf("bad prefix %q", f[0])
		}
		return newSet(32).addCube(c.val, c.mask, true).finish(), f[1:], nil
	}
	a, ok := parseIPv4(f[0])
	if !ok {
		return nil, nil, fmt.Errorf("bad address %q", f[0])
	}
	if len(f) >= 2 {
		if w, ok := parseIPv4(f[1]); ok {
			return newSet(32).addCube(a&^w, ^w, true).finish(), f[2:], nil
		}
	}
	if standard {
		return newSet(32).addValue(a).finish(), f[1:], nil
	}
	return nil, nil, fmt.Errorf("address %s needs a wildcard mask", f[0])
}

func (p *iosParser) portSpec(f []string) (*ValueSet, []string, error) {
	switch f[0] {
	case "eq", "neq", "lt", "gt", "range":
		return iosPortOp(f)
	case "portgroup":
		if len(f) < 2 {
			return nil, nil, fmt.Errorf("portgroup needs a name")
		}
		o, err := p.obj(f[1], 0)
		if err != nil {
			return nil, nil, err
		}
		if o.kind != "port" {
			return nil, nil, fmt.Errorf("object-group %s is not a port group", f[1])
		}
		vs := newSet(16)
		for _, iv := range p.flatPorts(f[1], 0) {
			vs.addRange(iv.lo, iv.hi, true)
		}
		return vs.finish(), f[2:], nil
	}
	return nil, f, nil
}

// iosPortOp parses eq P [P...] | neq P | lt P | gt P | range A B.
func iosPortOp(f []string) (*ValueSet, []string, error) {
	if len(f) < 2 {
		return nil, nil, fmt.Errorf("%s needs a port", f[0])
	}
	vs := newSet(16)
	switch f[0] {
	case "eq":
		n := 0
		for n+1 < len(f) {
			v, ok := parsePort(f[n+1])
			if !ok {
				break
			}
			vs.addValue(v)
			n++
		}
		if n == 0 {
			return nil, nil, fmt.Errorf("bad port %q", f[1])
		}
		if n > 10 {
			return nil, nil, fmt.Errorf("eq takes at most 10 ports")
		}
		return vs.finish(), f[n+1:], nil
	case "neq", "lt", "gt":
		v, ok := parsePort(f[1])
		if !ok {
			return nil, nil, fmt.Errorf("bad port %q", f[1])
		}
		switch f[0] {
		case "neq":
			vs.addRange(v, v, false).addAll()
		case "lt":
			if v == 0 {
				return nil, nil, fmt.Errorf("lt 0 matches nothing")
			}
			vs.addRange(0, v-1, true)
		case "gt":
			if v == 65535 {
				return nil, nil, fmt.Errorf("gt 65535 matches nothing")
			}
			vs.addRange(v+1, 65535, true)
		}
		return vs.finish(), f[2:], nil
	case "range":
		if len(f) < 3 {
			return nil, nil, fmt.Errorf("range needs two ports")
		}
		a, ok1 := parsePort(f[1])
		b, ok2 := parsePort(f[2])
		if !ok1 || !ok2 || a > b {
			return nil, nil, fmt.Errorf("bad port range")
		}
		vs.addRange(a, b, true)
		return vs.finish(), f[3:], nil
	}
	return nil, nil, fmt.Errorf("unknown port operator %q", f[0])
}

func (p *iosParser) obj(name string, ln int) (*iosObj, error) {
	o, ok := p.objs[name]
	if !ok {
		return nil, fmt.Errorf("object-group %s is not defined", name)
	}
	p.cfg.use("object-group", name, ln)
	return o, nil
}

func (p *iosParser) objNet(o *iosObj, f []string) error {
	if f[0] == "network-object" {
		f = f[1:]
		if len(f) > 0 && f[0] == "object" {
			return fmt.Errorf("network objects are not supported")
		}
	}
	if len(f) == 0 {
		return fmt.Errorf("empty network entry")
	}
	switch f[0] {
	case "host":
		if len(f) != 2 {
			return fmt.Errorf("host takes one address")
		}
		a, ok := parseIPv4(f[1])
		if !ok {
			return fmt.Errorf("bad address %q", f[1])
		}
		o.addrs = append(o.addrs, entry{lo: a, hi: a, rng: true, c: cube{a, 0xFFFFFFFF}, isCube: true, incl: true})
		return nil
	case "range":
		if len(f) != 3 {
			return fmt.Errorf("range takes two addresses")
		}
		a, ok1 := parseIPv4(f[1])
		b, ok2 := parseIPv4(f[2])
		if !ok1 || !ok2 || a > b {
			return fmt.Errorf("bad range")
		}
		o.addrs = append(o.addrs, entry{lo: a, hi: b, rng: true, incl: true})
		return nil
	case "any":
		o.addrs = append(o.addrs, entry{lo: 0, hi: 0xFFFFFFFF, rng: true, incl: true})
		return nil
	}
	var c cube
	if strings.Contains(f[0], "/") && len(f) == 1 {
		cc, ok := parseCIDR(f[0])
		if !ok {
			return fmt.Errorf("bad prefix %q", f[0])
		}
		c = cc
	} else if len(f) == 2 {
		a, ok1 := parseIPv4(f[0])
		m, ok2 := parseIPv4(f[1])
		if !ok1 || !ok2 {
			return fmt.Errorf("bad network entry")
		}
		// Object groups take a subnet mask; a wildcard (leading zero bits) is
		// accepted as its inverse, as NX-OS does.
		if m != 0 && m>>31 == 0 {
			m = ^m
		}
		c = cube{a & m, m}
	} else {
		return fmt.Errorf("bad network entry")
	}
	e := entry{c: c, isCube: true, incl: true}
	if isContiguousMask(c.mask) {
		e.rng, e.lo, e.hi = true, c.val, c.val|^c.mask
	}
	o.addrs = append(o.addrs, e)
	return nil
}

func (p *iosParser) objSvc(o *iosObj, f []string) error {
	if f[0] == "service-object" {
		f = f[1:]
	}
	if len(f) == 0 {
		return fmt.Errorf("empty service entry")
	}
	var protos []uint32
	switch strings.ToLower(f[0]) {
	case "tcp-udp":
		protos = []uint32{protoTCP, protoUDP}
	case "ip":
		o.svcs = append(o.svcs, svcAlt{proto: newSet(8).addAll().finish()})
		return nil
	default:
		v, ok := parseProto(f[0])
		if !ok {
			// A bare port name/number means tcp/udp? IOS takes protocol first.
			return fmt.Errorf("bad service protocol %q", f[0])
		}
		protos = []uint32{v}
	}
	f = f[1:]
	alt := svcAlt{}
	pv := newSet(8)
	for _, v := range protos {
		pv.addValue(v)
	}
	alt.proto = pv.finish()
	if len(protos) == 1 && protos[0] == protoICMP {
		if len(f) > 0 {
			ty, _, ok := parseICMPType(f[0])
			if !ok {
				return fmt.Errorf("bad icmp type %q", f[0])
			}
			alt.icmp = newSet(8).addValue(uint32(ty)).finish()
			f = f[1:]
		}
	} else {
		for len(f) > 0 {
			target := &alt.dport
			switch f[0] {
			case "source":
				target, f = &alt.sport, f[1:]
			case "destination":
				f = f[1:]
			}
			if len(f) == 0 {
				return fmt.Errorf("missing port")
			}
			vs, rest, err := iosPortOp(f)
			if err != nil {
				return err
			}
			*target, f = vs, rest
		}
	}
	if len(f) > 0 {
		return fmt.Errorf("trailing %q", f[0])
	}
	o.svcs = append(o.svcs, alt)
	return nil
}

// maxGroupEntries bounds a flattened object-group: nesting may share
// groups, and without a cap a DAG of groups could expand exponentially.
const maxGroupEntries = 1 << 16

func flatten[T any](p *iosParser, memo *map[string][]T, name, kind string, depth int, own func(*iosObj) []T) []T {
	if *memo == nil {
		*memo = map[string][]T{}
	}
	if v, ok := (*memo)[name]; ok {
		return v
	}
	o := p.objs[name]
	if o == nil || depth > 16 || o.kind != kind {
		return nil
	}
	(*memo)[name] = nil // a loop yields nothing (and is reported by finish)
	out := append([]T{}, own(o)...)
	for _, r := range o.refs {
		out = append(out, flatten(p, memo, r, kind, depth+1, own)...)
		if len(out) > maxGroupEntries {
			out = out[:maxGroupEntries]
			break
		}
	}
	(*memo)[name] = out
	return out
}

func (p *iosParser) flatAddrs(name string, depth int) []entry {
	return flatten(p, &p.flatA, name, "network", depth, func(o *iosObj) []entry { return o.addrs })
}

func (p *iosParser) flatSvcs(name string, depth int) []svcAlt {
	return flatten(p, &p.flatS, name, "service", depth, func(o *iosObj) []svcAlt { return o.svcs })
}

func (p *iosParser) flatProtos(name string, depth int) []uint32 {
	return flatten(p, &p.flatP, name, "protocol", depth, func(o *iosObj) []uint32 { return o.protos })
}

func (p *iosParser) flatPorts(name string, depth int) []ival {
	return flatten(p, &p.flatR, name, "port", depth, func(o *iosObj) []ival { return o.ports })
}

func (p *iosParser) finish() {
	cfg := p.cfg
	// group-object references must exist, be of the same kind and not loop.
	names := make([]string, 0, len(p.objs))
	for n := range p.objs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o := p.objs[n]
		for i, r := range o.refs {
			ro := p.objs[r]
			switch {
			case ro == nil:
				cfg.errorf(o.refLine[i], "object-group %s is not defined", r)
			case ro.kind != o.kind:
				cfg.errorf(o.refLine[i], "object-group %s is a %s group, not %s", r, ro.kind, o.kind)
			case p.objLoops(n, r, 0):
				cfg.errorf(o.refLine[i], "group-object %s creates a loop", r)
			}
		}
	}
	for _, name := range p.order {
		a := p.acls[name]
		sort.SliceStable(a.aces, func(i, j int) bool { return a.aces[i].seq < a.aces[j].seq })
		ch := &Chain{Name: name, Short: name, Policy: ActDrop, PolicyText: "implicit deny", Line: a.line}
		for _, e := range a.aces {
			for _, r := range e.rules {
				r.chain = ch
				ch.Rules = append(ch.Rules, r)
			}
		}
		cfg.addChain(name, ch)
	}
	// OSPF: network statements give interfaces their area (most specific first).
	for _, o := range cfg.OSPF {
		nets := append([]ospfNet{}, o.Networks...)
		sort.SliceStable(nets, func(i, j int) bool { return popcount(nets[i].set.mask) > popcount(nets[j].set.mask) })
		for _, it := range cfg.Interfaces {
			if it.OSPFArea != "" {
				continue
			}
			for _, a := range it.IPv4 {
				addr, _, _ := strings.Cut(a, "/")
				v, _ := parseIPv4(addr)
				for _, n := range nets {
					if v&n.set.mask == n.set.val {
						it.OSPFArea = n.Area
						break
					}
				}
				if it.OSPFArea != "" {
					break
				}
			}
		}
		no := map[string]bool{}
		for _, n := range p.noPass[o] {
			no[n] = true
		}
		for _, it := range cfg.Interfaces {
			if it.OSPFArea == "" {
				continue
			}
			if o.PassiveDefault && !no[it.Name] {
				it.Passive = true
			}
			for _, n := range o.Passive {
				if n == it.Name {
					it.Passive = true
				}
			}
		}
		if o.PassiveDefault {
			o.Passive = nil
		}
	}
	// ACL names used only by unmodeled lines (route-maps, NAT, distribute
	// lists) still count as used.
	for _, n := range cfg.Unmodeled {
		if n.Line < 1 {
			continue
		}
		for _, w := range strings.Fields(cfg.Lines[n.Line-1]) {
			if _, ok := p.acls[w]; ok {
				cfg.use("acl", w, n.Line)
			}
		}
	}
}

func (p *iosParser) objLoops(start, cur string, depth int) bool {
	seen := map[string]bool{}
	var walk func(n string, d int) bool
	walk = func(n string, d int) bool {
		if n == start {
			return true
		}
		if seen[n] || d > 16 {
			return false
		}
		seen[n] = true
		o := p.objs[n]
		if o == nil {
			return false
		}
		for _, r := range o.refs {
			if walk(r, d+1) {
				return true
			}
		}
		return false
	}
	return walk(cur, depth)
}
