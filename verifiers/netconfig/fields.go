package netconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Parsing of header values shared by the spec and the dialects.

// parseIPv4 parses a dotted quad.
func parseIPv4(s string) (uint32, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, false
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), true
}

func ipString(v uint32) string {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

func prefixMask(n int) uint32 {
	if n <= 0 {
		return 0
	}
	return ^uint32(0) << uint(32-n)
}

// parseCIDR parses a.b.c.d/len (host bits are masked, as iptables and the
// routers do) or a.b.c.d/m.m.m.m (a netmask, contiguous or not).
func parseCIDR(s string) (cube, bool) {
	addr, rest, ok := strings.Cut(s, "/")
	a, okA := parseIPv4(addr)
	if !okA {
		return cube{}, false
	}
	if !ok {
		return cube{a, 0xFFFFFFFF}, true
	}
	if n, err := strconv.Atoi(rest); err == nil && n >= 0 && n <= 32 && !strings.HasPrefix(rest, "+") {
		m := prefixMask(n)
		return cube{a & m, m}, true
	}
	if m, ok := parseIPv4(rest); ok {
		return cube{a & m, m}, true
	}
	return cube{}, false
}

// iptablesAddr completes the short numeric forms iptables accepts before
// a prefix length: 0/0 is 0.0.0.0/0, 10/8 is 10.0.0.0/8 and 10.1.2/24 is
// 10.1.2.0/24 (missing bytes are zero, as in iptables' own parser).
func iptablesAddr(s string) string {
	addr, rest, hasLen := strings.Cut(s, "/")
	if !hasLen || addr == "" || strings.Count(addr, ".") >= 3 {
		return s
	}
	for _, part := range strings.Split(addr, ".") {
		if n, err := strconv.Atoi(part); err != nil || n < 0 || n > 255 || part == "" {
			return s
		}
	}
	for strings.Count(addr, ".") < 3 {
		addr += ".0"
	}
	return addr + "/" + rest
}

func isContiguousMask(m uint32) bool { return ^m&(^m+1) == 0 }

func cubeString(c cube) string {
	if isContiguousMask(c.mask) {
		return fmt.Sprintf("%s/%d", ipString(c.val), popcount(c.mask))
	}
	return ipString(c.val) + "/" + ipString(c.mask)
}

// addAddr adds one address expression of the spec: any, an address, a
// prefix, a netmask form or a range lo-hi.
func addAddr(vs *ValueSet, s string) bool {
	s = strings.TrimSpace(s)
	if s == "any" || s == "*" {
		vs.addAll()
		return true
	}
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, ok1 := parseIPv4(strings.TrimSpace(lo))
		b, ok2 := parseIPv4(strings.TrimSpace(hi))
		if !ok1 || !ok2 || a > b {
			return false
		}
		vs.addRange(a, b, true)
		return true
	}
	c, ok := parseCIDR(s)
	if !ok {
		return false
	}
	vs.addCube(c.val, c.mask, true)
	return true
}

var protoNames = map[string]uint32{
	"icmp": 1, "igmp": 2, "ipip": 4, "ipinip": 4, "tcp": 6, "egp": 8, "igp": 9, "udp": 17, "gre": 47,
	"esp": 50, "ah": 51, "ahp": 51, "eigrp": 88, "ospf": 89, "ospfigp": 89, "pim": 103, "vrrp": 112,
	"l2tp": 115, "sctp": 132, "nos": 94, "pcp": 108, "ipv6-icmp": 58, "icmpv6": 58, "udplite": 136, "dccp": 33,
}

func protoName(v uint32) string {
	switch v {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	}
	for n, p := range protoNames {
		if p == v && n != "ahp" && n != "ipinip" && n != "ospfigp" {
			return n
		}
	}
	return strconv.Itoa(int(v))
}

func parseProto(s string) (uint32, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if v, ok := protoNames[s]; ok {
		return v, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, false
	}
	return uint32(n), true
}

// servicePorts are the well-known port names the dialects accept (a union of
// the Cisco keywords, Junos names and /etc/services names).
var servicePorts = map[string]uint32{
	"echo": 7, "discard": 9, "daytime": 13, "chargen": 19, "ftp-data": 20, "ftp": 21, "ssh": 22,
	"telnet": 23, "smtp": 25, "time": 37, "nameserver": 42, "whois": 43, "tacacs": 49,
	"domain": 53, "dns": 53, "bootps": 67, "bootpc": 68, "tftp": 69, "gopher": 70, "finger": 79,
	"www": 80, "http": 80, "kerberos": 88, "hostname": 101, "pop2": 109, "pop3": 110,
	"sunrpc": 111, "ident": 113, "auth": 113, "nntp": 119, "ntp": 123, "netbios-ns": 137,
	"netbios-dgm": 138, "netbios-ss": 139, "netbios-ssn": 139, "imap": 143, "snmp": 161,
	"snmptrap": 162, "snmp-trap": 162, "xdmcp": 177, "bgp": 179, "irc": 194, "ldap": 389,
	"https": 443, "microsoft-ds": 445, "isakmp": 500, "ike": 500, "biff": 512, "exec": 512,
	"login": 513, "who": 513, "cmd": 514, "syslog": 514, "lpd": 515, "printer": 515, "talk": 517,
	"rip": 520, "uucp": 540, "klogin": 543, "kshell": 544, "submission": 587, "ldaps": 636,
	"imaps": 993, "pop3s": 995, "socks": 1080, "radius": 1812, "radacct": 1813, "nfs": 2049,
	"mysql": 3306, "rdp": 3389, "ms-wbt-server": 3389, "postgresql": 5432, "sip": 5060,
	"pim-auto-rp": 496, "mobile-ip": 434, "tacacs-ds": 65, "drip": 3949, "ntalk": 518,
	"non500-isakmp": 4500, "lpr": 515, "smtps": 465, "telnets": 992, "http-alt": 8080,
}

func parsePort(s string) (uint32, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if v, ok := servicePorts[s]; ok {
		return v, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 {
		return 0, false
	}
	return uint32(n), true
}

// parsePortRange parses "80", "ssh", "1024-65535" or "1024:65535".
func parsePortRange(s string) (uint32, uint32, bool) {
	return portRange(s, "-:")
}

// iptPortRange parses an iptables port or range: "80", "ssh", "1024:65535",
// ":1024", "1024:". iptables separates a range with ':' only, so
// "1000-2000" is refused, as the kernel's tools refuse it, and a name may
// contain '-' ("ftp-data"). Service names are case-sensitive there.
func iptPortRange(s string) (uint32, uint32, bool) {
	if strings.ToLower(s) != s {
		return 0, 0, false
	}
	return portRange(s, ":")
}

// portRange parses a port or a range split at the first of seps found;
// an empty end is 0 or 65535.
func portRange(s, seps string) (uint32, uint32, bool) {
	s = strings.TrimSpace(s)
	for _, sep := range seps {
		a, b, ok := strings.Cut(s, string(sep))
		if !ok {
			continue
		}
		if a == "" {
			a = "0"
		}
		if b == "" {
			b = "65535"
		}
		lo, ok1 := parsePort(a)
		hi, ok2 := parsePort(b)
		if !ok1 || !ok2 || lo > hi {
			return 0, 0, false
		}
		return lo, hi, true
	}
	v, ok := parsePort(s)
	return v, v, ok
}

// icmpTypes maps ICMP type names (Cisco, Junos, iptables, nft spellings) to
// type and, where the name fixes it, code (-1 for any code).
var icmpTypes = map[string][2]int{
	"echo-reply": {0, -1}, "unreachable": {3, -1}, "destination-unreachable": {3, -1},
	"net-unreachable": {3, 0}, "network-unreachable": {3, 0}, "host-unreachable": {3, 1},
	"protocol-unreachable": {3, 2}, "port-unreachable": {3, 3}, "packet-too-big": {3, 4},
	"fragmentation-needed": {3, 4}, "source-route-failed": {3, 5}, "network-unknown": {3, 6},
	"host-unknown": {3, 7}, "network-prohibited": {3, 9}, "host-prohibited": {3, 10},
	"administratively-prohibited": {3, 13}, "communication-prohibited": {3, 13}, "admin-prohibited": {3, 13},
	"source-quench": {4, -1}, "redirect": {5, -1}, "alternate-address": {6, -1},
	"echo": {8, -1}, "echo-request": {8, -1}, "ping": {8, -1}, "router-advertisement": {9, -1},
	"router-solicitation": {10, -1}, "time-exceeded": {11, -1}, "ttl-exceeded": {11, 0},
	"ttl-zero-during-transit": {11, 0}, "reassembly-timeout": {11, 1}, "ttl-zero-during-reassembly": {11, 1},
	"parameter-problem": {12, -1}, "timestamp-request": {13, -1}, "timestamp": {13, -1},
	"timestamp-reply": {14, -1}, "info-request": {15, -1}, "information-request": {15, -1},
	"info-reply": {16, -1}, "information-reply": {16, -1}, "mask-request": {17, -1},
	"address-mask-request": {17, -1}, "mask-reply": {18, -1}, "address-mask-reply": {18, -1},
	"traceroute": {30, -1},
}

func parseICMPType(s string) (int, int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if v, ok := icmpTypes[s]; ok {
		return v[0], v[1], true
	}
	if t, c, ok := strings.Cut(s, "/"); ok {
		a, err1 := strconv.Atoi(t)
		b, err2 := strconv.Atoi(c)
		if err1 != nil || err2 != nil || a < 0 || a > 255 || b < 0 || b > 255 {
			return 0, 0, false
		}
		return a, b, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, 0, false
	}
	return n, -1, true
}

func parseState(s string) (uint32, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "new":
		return stNew, true
	case "established":
		return stEstablished, true
	case "related":
		return stRelated, true
	case "invalid":
		return stInvalid, true
	}
	return 0, false
}

// parseFlags parses a flag list such as "SYN,ACK" (also "syn ack", "syn|ack").
func parseFlags(s string) (uint32, bool) {
	var v uint32
	s = strings.NewReplacer("|", ",", " ", ",").Replace(s)
	for _, f := range strings.Split(s, ",") {
		f = strings.ToUpper(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if f == "NONE" {
			continue
		}
		if f == "ALL" {
			v |= 0x3F // iptables: FIN,SYN,RST,PSH,ACK,URG
			continue
		}
		found := false
		for _, fn := range flagNames {
			if fn.name == f {
				v |= fn.bit
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return v, true
}

func flagsString(v uint32) string {
	var out []string
	for _, fn := range flagNames {
		if v&fn.bit != 0 {
			out = append(out, fn.name)
		}
	}
	return strings.Join(out, ",")
}

// jsonScalars flattens a JSON value (a scalar or a list of scalars) into
// strings.
func jsonScalars(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("is empty")
	}
	if raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		var out []string
		for _, it := range items {
			s, err := jsonScalars(it)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}, nil
	case bool:
		return []string{strconv.FormatBool(x)}, nil
	}
	return nil, fmt.Errorf("want a string, a number or a list of them")
}
