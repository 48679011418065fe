package netconfig

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Differential tests against the Linux kernel: rulesets are loaded into a
// throwaway network namespace with Debian's iptables (nf_tables backend) and
// nftables, crafted packets are sent over a veth pair from a second
// namespace, and the kernel's verdict (did the packet get past the input
// hook?) must equal the evaluator's for every packet.
//
// The verdict is read from two counters of a probe table in the namespace
// under test: one at prerouting priority -1000 (the packet arrived) and one
// at input priority 1000 (every filter accepted it).
//
// Needs root, ip, iptables-restore and nft. Without them the test skips
// loudly; with REFEREE_REQUIRE_NETNS set it fails instead.

const probeTable = `table ip ncprobe {
	chain pre { type filter hook prerouting priority -1000; policy accept; iifname "eth0" counter; }
	chain post { type filter hook input priority 1000; policy accept; iifname "eth0" counter; }
	chain postf { type filter hook postrouting priority 1000; policy accept; iifname "eth0" counter; }
}
`

type kernelEnv struct {
	t   *testing.T
	nsA string
	nsB string
	fd  int // raw socket in nsA
	fdB int // raw socket in nsB, to open connections for established packets
}

// Address pools: destinations are local to the namespace under test (routed
// to lo there), sources are not, so nothing is a martian.
var (
	dstPrefixes = []string{"100.64.0.0/10", "192.0.2.0/24"}
	// fwdPrefixes are routed back out of eth0: the forward path.
	fwdPrefixes = []string{"198.18.0.0/15"}
	srcPrefixes = []string{"10.0.0.0/8", "172.16.0.0/12", "198.51.100.0/24", "203.0.113.0/24", "8.0.0.0/8"}
)

func requireOrSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("REFEREE_REQUIRE_NETNS") != "" {
		t.Fatalf("kernel differential test cannot run and REFEREE_REQUIRE_NETNS is set: %s", msg)
	}
	t.Skipf("SKIPPING kernel differential test (set REFEREE_REQUIRE_NETNS=1 to make this a failure): %s", msg)
}

func run(name string, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func setupKernel(t *testing.T) *kernelEnv {
	t.Helper()
	if testing.Short() {
		requireOrSkip(t, "-short")
	}
	if os.Geteuid() != 0 {
		requireOrSkip(t, "needs root to create network namespaces")
	}
	for _, tool := range []string{"ip", "nft", "iptables-restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			requireOrSkip(t, "%s not found (apt-get install -y iproute2 nftables iptables)", tool)
		}
	}
	id := strconv.Itoa(os.Getpid() % 100000)
	e := &kernelEnv{t: t, nsA: "ncA" + id, nsB: "ncB" + id, fd: -1}
	if _, err := run("ip", "", "netns", "add", e.nsA); err != nil {
		requireOrSkip(t, "cannot create a network namespace: %v", err)
	}
	t.Cleanup(func() { _, _ = run("ip", "", "netns", "del", e.nsA) })
	if _, err := run("ip", "", "netns", "add", e.nsB); err != nil {
		requireOrSkip(t, "cannot create a network namespace: %v", err)
	}
	t.Cleanup(func() { _, _ = run("ip", "", "netns", "del", e.nsB) })
	va, vb := "nca"+id, "ncb"+id
	steps := [][]string{
		{"link", "add", va, "type", "veth", "peer", "name", vb},
		{"link", "set", va, "netns", e.nsA},
		{"link", "set", vb, "netns", e.nsB},
		{"-n", e.nsA, "link", "set", va, "name", "eth0"},
		{"-n", e.nsB, "link", "set", vb, "name", "eth0"},
		{"-n", e.nsA, "addr", "add", "10.199.0.1/30", "dev", "eth0"},
		{"-n", e.nsB, "addr", "add", "10.199.0.2/30", "dev", "eth0"},
		{"-n", e.nsA, "link", "set", "eth0", "up"},
		{"-n", e.nsB, "link", "set", "eth0", "up"},
		{"-n", e.nsA, "link", "set", "lo", "up"},
		{"-n", e.nsB, "link", "set", "lo", "up"},
		{"-n", e.nsA, "route", "add", "default", "via", "10.199.0.2", "dev", "eth0"},
		{"-n", e.nsB, "route", "add", "default", "via", "10.199.0.1", "dev", "eth0"},
	}
	for _, p := range dstPrefixes {
		steps = append(steps, []string{"-n", e.nsB, "route", "add", "local", p, "dev", "lo", "table", "local"})
	}
	for _, p := range fwdPrefixes {
		steps = append(steps, []string{"-n", e.nsB, "route", "add", p, "via", "10.199.0.1", "dev", "eth0"})
	}
	for _, s := range steps {
		if _, err := run("ip", "", s...); err != nil {
			requireOrSkip(t, "namespace set-up failed: %v", err)
		}
	}
	for _, k := range []string{"net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0", "net.ipv4.conf.eth0.rp_filter=0",
		"net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.eth0.send_redirects=0"} {
		if _, err := run("ip", "", "netns", "exec", e.nsB, "sysctl", "-qw", k); err != nil {
			requireOrSkip(t, "sysctl: %v", err)
		}
	}
	fd, err := rawSocketIn(e.nsA)
	if err != nil {
		requireOrSkip(t, "raw socket in namespace: %v", err)
	}
	e.fd = fd
	t.Cleanup(func() { _ = unix.Close(fd) })
	fdB, err := rawSocketIn(e.nsB)
	if err != nil {
		requireOrSkip(t, "raw socket in namespace: %v", err)
	}
	e.fdB = fdB
	t.Cleanup(func() { _ = unix.Close(fdB) })
	// Resolve the neighbour once so the first packet is not lost to ARP.
	_, _ = run("ip", "", "netns", "exec", e.nsA, "ping", "-c1", "-W1", "10.199.0.2")
	return e
}

// rawSocketIn opens an IPPROTO_RAW socket (IP_HDRINCL) inside a namespace:
// a socket keeps the namespace it was created in.
func rawSocketIn(ns string) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(orig)
	target, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return -1, err
	}
	fd, serr := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_RAW)
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		panic("cannot return to the original network namespace: " + err.Error())
	}
	return fd, serr
}

func csum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// craft builds an IPv4 packet with a valid L4 checksum (conntrack checks it).
func craft(p *Packet, id uint16) []byte { return craftAck(p, id, 0) }

// craftAck is craft with a TCP acknowledgment number (for a SYN-ACK).
func craftAck(p *Packet, id uint16, ack uint32) []byte {
	var l4 []byte
	proto := p.V[dimProto]
	switch proto {
	case protoTCP:
		l4 = make([]byte, 20)
		binary.BigEndian.PutUint16(l4[0:], uint16(p.V[dimSport]))
		binary.BigEndian.PutUint16(l4[2:], uint16(p.V[dimDport]))
		binary.BigEndian.PutUint32(l4[4:], 1000+uint32(id))
		binary.BigEndian.PutUint32(l4[8:], ack)
		l4[12] = 5 << 4
		l4[13] = byte(p.V[dimFlags])
		binary.BigEndian.PutUint16(l4[14:], 65535)
	case protoUDP:
		l4 = make([]byte, 12)
		binary.BigEndian.PutUint16(l4[0:], uint16(p.V[dimSport]))
		binary.BigEndian.PutUint16(l4[2:], uint16(p.V[dimDport]))
		binary.BigEndian.PutUint16(l4[4:], 12)
		copy(l4[8:], "ncfg")
	case protoICMP:
		l4 = make([]byte, 12)
		l4[0], l4[1] = byte(p.V[dimICMPType]), byte(p.V[dimICMPCode])
		binary.BigEndian.PutUint16(l4[4:], id)
		binary.BigEndian.PutUint16(l4[6:], 1)
		copy(l4[8:], "ncfg")
		binary.BigEndian.PutUint16(l4[2:], csum(l4))
	default:
		l4 = []byte("ncfg")
	}
	if proto == protoTCP || proto == protoUDP {
		ph := make([]byte, 12+len(l4))
		binary.BigEndian.PutUint32(ph[0:], p.V[dimSrc])
		binary.BigEndian.PutUint32(ph[4:], p.V[dimDst])
		ph[9] = byte(proto)
		binary.BigEndian.PutUint16(ph[10:], uint16(len(l4)))
		copy(ph[12:], l4)
		off := 16
		if proto == protoUDP {
			off = 6
		}
		c := csum(ph)
		if proto == protoUDP && c == 0 {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(l4[off:], c)
	}
	ip := make([]byte, 20+len(l4))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	binary.BigEndian.PutUint16(ip[4:], id)
	ip[8] = 64
	ip[9] = byte(proto)
	binary.BigEndian.PutUint32(ip[12:], p.V[dimSrc])
	binary.BigEndian.PutUint32(ip[16:], p.V[dimDst])
	binary.BigEndian.PutUint16(ip[10:], csum(ip[:20]))
	copy(ip[20:], l4)
	return ip
}

var counterRe = regexp.MustCompile(`counter packets (\d+)`)

func (e *kernelEnv) counters() (pre, post int) {
	// post sums the input and postrouting probes: a packet passed when it
	// was delivered locally or left after forwarding.
	out, err := run("ip", "", "netns", "exec", e.nsB, "nft", "list", "table", "ip", "ncprobe")
	if err != nil {
		e.t.Fatalf("read probe counters: %v", err)
	}
	m := counterRe.FindAllStringSubmatch(out, -1)
	if len(m) != 3 {
		e.t.Fatalf("probe table has %d counters:\n%s", len(m), out)
	}
	pre, _ = strconv.Atoi(m[0][1])
	post, _ = strconv.Atoi(m[1][1])
	postf, _ := strconv.Atoi(m[2][1])
	post += postf
	return pre, post
}

// verdict sends one packet and reports whether it passed the input hook.
// For an established packet the namespace under test first opens the
// connection itself (a SYN, a UDP datagram or an echo request going out
// through its output path), and the packet is the reply: a SYN-ACK, a UDP
// datagram back, or an echo reply.
func (e *kernelEnv) verdict(p *Packet, id uint16) bool {
	pre0, post0 := e.counters()
	pkt := craft(p, id)
	if p.V[dimState] == stEstablished {
		q := *p
		q.V[dimSrc], q.V[dimDst] = p.V[dimDst], p.V[dimSrc]
		q.V[dimSport], q.V[dimDport] = p.V[dimDport], p.V[dimSport]
		q.V[dimFlags] = flSYN
		if q.V[dimProto] == protoICMP {
			q.V[dimICMPType] = 8
		}
		var sb unix.SockaddrInet4
		binary.BigEndian.PutUint32(sb.Addr[:], q.V[dimDst])
		if err := unix.Sendto(e.fdB, craft(&q, id), 0, &sb); err != nil {
			e.t.Fatalf("send from the namespace under test: %v", err)
		}
		pkt = craftAck(p, id, 1000+uint32(id)+1)
	}
	var sa unix.SockaddrInet4
	binary.BigEndian.PutUint32(sa.Addr[:], p.V[dimDst])
	if err := unix.Sendto(e.fd, pkt, 0, &sa); err != nil {
		e.t.Fatalf("send: %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		time.Sleep(2 * time.Millisecond)
		pre, post := e.counters()
		if pre > pre0 {
			if pre != pre0+1 {
				e.t.Fatalf("stray packets reached the namespace (%d)", pre-pre0)
			}
			return post > post0
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("packet %v never reached the namespace under test", packetJSON(p))
		}
	}
}

func (e *kernelEnv) load(dialect, ruleset string) {
	e.t.Helper()
	if _, err := run("ip", "", "netns", "exec", e.nsB, "nft", "flush", "ruleset"); err != nil {
		e.t.Fatal(err)
	}
	var err error
	switch dialect {
	case dialectIptables:
		_, err = run("ip", ruleset, "netns", "exec", e.nsB, "iptables-restore")
	case dialectNft:
		_, err = run("ip", ruleset, "netns", "exec", e.nsB, "nft", "-f", "-")
	}
	if err != nil {
		e.t.Fatalf("kernel rejected the ruleset: %v\n%s", err, ruleset)
	}
	if _, err := run("ip", probeTable, "netns", "exec", e.nsB, "nft", "-f", "-"); err != nil {
		e.t.Fatalf("probe table: %v", err)
	}
}

// witnesses enumerates one packet per cell of the ruleset's header space,
// restricted to what the harness can send: sources and destinations from the
// pools, TCP SYN, UDP or ICMP echo/timestamp requests, arriving on eth0 in
// state new.
func witnesses(t *testing.T, pr *Program, rng *rand.Rand, max int, state uint32, dsts []string, out string) []Packet {
	t.Helper()
	src := newSet(32)
	for _, s := range srcPrefixes {
		addAddr(src, s)
	}
	dst := newSet(32)
	for _, s := range dsts {
		addAddr(dst, s)
	}
	b := &box{flagsFromState: true}
	b.c[dimSrc] = &Cond{Dim: dimSrc, Set: src.finish()}
	b.c[dimDst] = &Cond{Dim: dimDst, Set: dst.finish()}
	b.c[dimProto] = &Cond{Dim: dimProto, Set: newSet(8).addValue(protoTCP).addValue(protoUDP).addValue(protoICMP).finish()}
	types := newSet(8).addValue(8).addValue(13)
	if state == stEstablished {
		types = newSet(8).addValue(0) // echo reply
	}
	b.c[dimICMPType] = &Cond{Dim: dimICMPType, Set: types.finish()}
	b.c[dimICMPCode] = &Cond{Dim: dimICMPCode, Set: newSet(8).addValue(0).finish()}
	b.c[dimState] = &Cond{Dim: dimState, Set: newSet(2).addValue(state).finish()}
	if state == stEstablished {
		b.c[dimFlags] = &Cond{Dim: dimFlags, Set: newSet(8).addValue(flSYN | flACK).finish()}
	}
	b.c[dimSport] = &Cond{Dim: dimSport, Set: newSet(16).addRange(1, 65535, true).finish()}
	b.c[dimDport] = &Cond{Dim: dimDport, Set: newSet(16).addRange(1, 65535, true).finish()}
	b.in = &ifaceCon{names: []string{"eth0"}}
	b.out = &ifaceCon{names: []string{out}}
	var all []Packet
	s := &search{groups: programGroups(pr, 0, map[*Chain]bool{}, nil), space: b, rewriting: pr.rewrites(), leaf: func(p *Packet) bool {
		all = append(all, *p)
		return false
	}}
	if err := s.run(); err != nil {
		t.Fatalf("witness search: %v", err)
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	if pr.rewrites() {
		// Cells that NAT translates are few; send them first.
		var nat, rest []Packet
		for _, p := range all {
			var trace []*Rule
			p.In = "eth0"
			pr.evalWith(&p, &trace, nil, 0)
			translated := false
			for _, r := range trace {
				translated = translated || r.dnat != nil
			}
			if translated {
				nat = append(nat, p)
			} else {
				rest = append(rest, p)
			}
		}
		if len(nat) > max/2 {
			nat = nat[:max/2]
		}
		all = append(nat, rest...)
	}
	// Cell witnesses sit on boundaries; move some inside their cell a
	// little by also sending a random packet per cell's neighbour region.
	if len(all) > max {
		all = all[:max]
	}
	return all
}

func TestKernelDifferential(t *testing.T) {
	e := setupKernel(t)
	start := time.Now()
	rng := rand.New(rand.NewSource(42))
	type rs struct {
		name, dialect, text, hook string
	}
	var sets []rs
	for _, h := range handIptables {
		sets = append(sets, rs{h.name, dialectIptables, h.text, "input"})
	}
	for _, h := range handNft {
		sets = append(sets, rs{h.name, dialectNft, h.text, "input"})
	}
	for i := 0; i < 8; i++ {
		sets = append(sets, rs{fmt.Sprintf("gen-ipt-%d", i), dialectIptables, genIptables(rng), "input"})
		sets = append(sets, rs{fmt.Sprintf("gen-nft-%d", i), dialectNft, genNft(rng), "input"})
	}
	for i := 0; i < 4; i++ {
		sets = append(sets, rs{fmt.Sprintf("gen-ipt-forward-dnat-%d", i), dialectIptables, genIptablesForward(rng), "forward"})
		sets = append(sets, rs{fmt.Sprintf("gen-nft-forward-dnat-%d", i), dialectNft, genNftForward(rng), "forward"})
	}
	total, permits, established, estAccepted, forwarded, translated := 0, 0, 0, 0, 0, 0
	id := uint16(1)
	seen := map[string]bool{}
	for _, r := range sets {
		t.Run(r.name, func(t *testing.T) {
			e.t = t
			cfg := parseConfig(r.dialect, r.text)
			if len(cfg.Errors) > 0 {
				t.Fatalf("evaluator rejects a ruleset meant to be valid: %+v\n%s", cfg.Errors, r.text)
			}
			e.load(r.dialect, r.text)
			pr, err := cfg.program(&Target{Hook: r.hook})
			if err != nil {
				t.Fatal(err)
			}
			var pkts []Packet
			if r.hook == "forward" {
				pkts = witnesses(t, pr, rng, 20, stNew, fwdPrefixes, "eth0")
				forwarded += len(pkts)
			} else {
				pkts = witnesses(t, pr, rng, 20, stNew, dstPrefixes, "")
				pkts = append(pkts, witnesses(t, pr, rng, 8, stEstablished, dstPrefixes, "")...)
			}
			for _, p := range pkts {
				p := p
				// Fresh conntrack tuples: vary the source port / ICMP id.
				key := fmt.Sprint(p.V[dimProto], p.V[dimSrc], p.V[dimDst], p.V[dimSport], p.V[dimDport], p.V[dimICMPType]&^8)
				if seen[key] {
					continue
				}
				seen[key] = true
				id++
				p.In = "eth0"
				if r.hook == "forward" {
					p.Out = "eth0"
				}
				var trace []*Rule
				want := pr.evalWith(&p, &trace, nil, 0)
				for _, tr := range trace {
					if tr.dnat != nil {
						translated++
						break
					}
				}
				got := e.verdict(&p, id)
				total++
				if got {
					permits++
				}
				if p.V[dimState] == stEstablished {
					established++
					if got {
						estAccepted++
					}
				}
				if got != want.Permit {
					t.Errorf("kernel %s, evaluator %s (line %d: %s) for %v\nruleset:\n%s",
						verdictName(got), verdictName(want.Permit), want.Line, want.Text, packetJSON(&p), r.text)
				}
			}
		})
	}
	t.Logf("%d packets compared with the kernel (%d accepted, %d dropped; %d established, %d of them accepted; about %d on the forward path, %d translated by DNAT) in %v",
		total, permits, total-permits, established, estAccepted, forwarded, translated, time.Since(start))
	if !t.Failed() && (total < 200 || permits < 30 || total-permits < 30 || established < 40 || estAccepted < 10 || established-estAccepted < 10 || translated < 10) {
		t.Errorf("the differential test is too weak: %d packets, %d accepted", total, permits)
	}
}

var handIptables = []struct{ name, text string }{
	{"ipt-user-chain-oif", `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:COMMON - [0:0]
-A INPUT -j COMMON
-A FORWARD -j COMMON
-A COMMON -o eth1 -j DROP
-A COMMON ! -o eth1 -p tcp --dport 22 -j ACCEPT
-A COMMON -p udp --dport 53 -j ACCEPT
-A COMMON -m tcp -p tcp --dport 2222 -j ACCEPT
-A COMMON -m icmp -p icmp --icmp-type 8 -j ACCEPT
COMMIT
`},
	{"ipt-restore-commands", `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-P INPUT ACCEPT
-N SSH
-A SSH -s 10.0.0.0/8 -j ACCEPT
-A SSH -j DROP
-A INPUT -p tcp --dport 22 -j SSH
-A INPUT -p tcp --dport 80 -j DROP
-A INPUT -p tcp --dport 443 -j DROP
-A INPUT -p udp --dport 53 -j DROP
-A INPUT -s 192.168.0.0/16 -j DROP
-D INPUT -p tcp --dport 80 -j DROP
-D INPUT 2
--insert INPUT 1 -p udp --dport 53 -s 10.0.0.0/8 -j ACCEPT
-F SSH
-A SSH -s 10.0.0.0/8 -p tcp -j ACCEPT
-A SSH -j REJECT
COMMIT
`},
	{"ipt-short-addresses", `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 10/8 -p tcp --dport 22 -j ACCEPT
-A INPUT -s 172.16.5/24 -p udp --dport 53 -j ACCEPT
-A INPUT -s 0/0 -p tcp --dport 443 -j ACCEPT
-A INPUT -p tcp --dport ftp-data -j ACCEPT
-A INPUT -p tcp -m multiport --dports 6000:6010,7000:7010 -j ACCEPT
COMMIT
`},
	{"ipt-base", `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -d 192.0.2.10/32 -p tcp -m multiport --dports 80,443 -j ACCEPT
-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT
COMMIT
`},
	{"ipt-chains", `*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -s 203.0.113.128/25 -j DROP
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:CHECK - [0:0]
:WEB - [0:0]
-A INPUT -p tcp --dport 80 -j CHECK
-A INPUT -p tcp --dport 80 -j ACCEPT
-A INPUT -p tcp -m multiport --dports 8000:8999 -g WEB
-A INPUT ! -s 10.0.0.0/8 -p udp --dport 53 -j REJECT --reject-with icmp-port-unreachable
-A INPUT -m iprange --src-range 172.16.0.5-172.16.3.9 -j DROP
-A INPUT -p tcp --syn --dport 25 -j DROP
-A INPUT -p icmp --icmp-type timestamp-request -j DROP
-A CHECK -s 10.0.0.0/8 -j RETURN
-A CHECK -j LOG --log-prefix "blocked: "
-A CHECK -j DROP
-A WEB -s 198.51.100.0/25 -j ACCEPT
-A WEB -j DROP
COMMIT
`},
}

var handNft = []struct{ name, text string }{
	{"nft-base", `table inet filter {
	set mgmt {
		type ipv4_addr
		flags interval
		elements = { 10.0.0.0/8, 198.51.100.10 }
	}
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		iif "lo" accept
		ip saddr @mgmt tcp dport 22 counter accept
		tcp dport { 80, 443 } accept
		ip protocol icmp icmp type echo-request accept
		tcp dport vmap { 8080 : jump web, 25 : drop }
		ip saddr != 172.16.0.0/12 udp dport 1000-2000 accept
	}
	chain web {
		ip saddr 198.51.100.0/24 accept
		return
	}
}
`},
	{"nft-two-tables", `table ip early {
	chain pre {
		type filter hook input priority -10; policy accept;
		ip saddr 203.0.113.0/24 drop
		ip daddr 100.64.0.0/16 udp dport 53 accept
	}
}
table inet late {
	chain in {
		type filter hook input priority 10; policy drop;
		meta l4proto { tcp, udp } th dport 53 accept
		tcp flags & (syn | ack) == syn tcp dport 2525 accept
		iifname "eth0" tcp dport 22 ip saddr 10.0.0.0/8 accept
	}
}
`},
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.Intn(len(xs))] }

func genPrefix(rng *rand.Rand, pool []string) string {
	c, _ := parseCIDR(pick(rng, pool))
	bitsFixed := popcount(c.mask)
	n := bitsFixed + rng.Intn(33-bitsFixed)
	v := c.val | rng.Uint32()&^c.mask
	m := prefixMask(n)
	return fmt.Sprintf("%s/%d", ipString(v&m), n)
}

func genPort(rng *rand.Rand) (int, int) {
	ports := []int{22, 25, 53, 80, 443, 1024, 8080, 65535}
	a := pick(rng, ports)
	if rng.Intn(3) == 0 {
		b := a + rng.Intn(2000)
		if b > 65535 {
			b = 65535
		}
		return a, b
	}
	return a, a
}

func genIptables(rng *rand.Rand) string {
	var b strings.Builder
	pol := pick(rng, []string{"ACCEPT", "DROP"})
	fmt.Fprintf(&b, "*filter\n:INPUT %s [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:SUB - [0:0]\n", pol)
	rule := func(chain string, allowJump bool) {
		var parts []string
		parts = append(parts, "-A", chain)
		if rng.Intn(2) == 0 {
			neg := ""
			if rng.Intn(4) == 0 {
				neg = "! "
			}
			parts = append(parts, neg+"-s", genPrefix(rng, srcPrefixes))
		}
		if rng.Intn(3) == 0 {
			parts = append(parts, "-d", genPrefix(rng, dstPrefixes))
		}
		switch rng.Intn(4) {
		case 0:
			a, z := genPort(rng)
			proto := pick(rng, []string{"tcp", "udp"})
			neg := ""
			if rng.Intn(5) == 0 {
				neg = "! "
			}
			if a == z {
				parts = append(parts, "-p", proto, neg+"--dport", strconv.Itoa(a))
			} else {
				parts = append(parts, "-p", proto, neg+"--dport", fmt.Sprintf("%d:%d", a, z))
			}
		case 1:
			parts = append(parts, "-p", pick(rng, []string{"tcp", "udp"}), "-m", "multiport", "--dports", "22,53,80:90")
		case 2:
			parts = append(parts, "-p", "icmp", "--icmp-type", pick(rng, []string{"echo-request", "timestamp-request"}))
		}
		if rng.Intn(5) == 0 {
			parts = append(parts, "-m", "conntrack", "--ctstate", pick(rng, []string{"NEW", "ESTABLISHED,RELATED"}))
		}
		if rng.Intn(6) == 0 {
			parts = append(parts, pick(rng, []string{"-i", "! -i"}), pick(rng, []string{"eth0", "eth+", "lo"}))
		}
		targets := []string{"ACCEPT", "DROP", "REJECT", "LOG"}
		if allowJump {
			targets = append(targets, "SUB")
		} else {
			targets = append(targets, "RETURN")
		}
		parts = append(parts, "-j", pick(rng, targets))
		b.WriteString(strings.Join(parts, " ") + "\n")
	}
	for i := 0; i < 3+rng.Intn(4); i++ {
		rule("SUB", false)
	}
	for i := 0; i < 5+rng.Intn(8); i++ {
		rule("INPUT", true)
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

func genNft(rng *rand.Rand) string {
	var b strings.Builder
	pol := pick(rng, []string{"accept", "drop"})
	b.WriteString("table inet t {\n\tset s {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { ")
	b.WriteString(genPrefix(rng, srcPrefixes) + ", " + genPrefix(rng, srcPrefixes) + " }\n\t}\n")
	rule := func(allowJump bool) string {
		var parts []string
		if rng.Intn(2) == 0 {
			op := ""
			if rng.Intn(4) == 0 {
				op = "!= "
			}
			if rng.Intn(3) == 0 {
				parts = append(parts, "ip saddr "+op+"@s")
			} else {
				parts = append(parts, "ip saddr "+op+genPrefix(rng, srcPrefixes))
			}
		}
		if rng.Intn(3) == 0 {
			parts = append(parts, "ip daddr "+genPrefix(rng, dstPrefixes))
		}
		verdicts := []string{"accept", "drop", "reject", "counter"}
		if allowJump {
			verdicts = append(verdicts, "jump sub", "goto sub")
		} else {
			verdicts = append(verdicts, "return")
		}
		switch rng.Intn(5) {
		case 0:
			a, z := genPort(rng)
			proto := pick(rng, []string{"tcp", "udp", "th"})
			if proto == "th" {
				parts = append(parts, "meta l4proto { tcp, udp }")
			}
			if a == z {
				parts = append(parts, fmt.Sprintf("%s dport %d", proto, a))
			} else {
				parts = append(parts, fmt.Sprintf("%s dport %d-%d", proto, a, z))
			}
		case 1:
			parts = append(parts, "tcp dport { 22, 53, 80-90 }")
		case 2:
			parts = append(parts, "icmp type "+pick(rng, []string{"echo-request", "timestamp-request", "{ echo-request, timestamp-request }"}))
		case 3:
			parts = append(parts, "udp dport vmap { 53 : accept, 123 : drop, 1024 : "+pick(rng, verdicts[:2])+" }")
			return "\t\t" + strings.Join(parts, " ") + "\n"
		}
		if rng.Intn(5) == 0 {
			parts = append(parts, "ct state "+pick(rng, []string{"new", "established,related"}))
		}
		if rng.Intn(6) == 0 {
			parts = append(parts, pick(rng, []string{`iifname "eth0"`, `iifname != "eth0"`, `iifname "eth*"`}))
		}
		parts = append(parts, pick(rng, verdicts))
		return "\t\t" + strings.Join(parts, " ") + "\n"
	}
	fmt.Fprintf(&b, "\tchain input {\n\t\ttype filter hook input priority 0; policy %s;\n", pol)
	for i := 0; i < 5+rng.Intn(8); i++ {
		b.WriteString(rule(true))
	}
	b.WriteString("\t}\n\tchain sub {\n")
	for i := 0; i < 3+rng.Intn(4); i++ {
		b.WriteString(rule(false))
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}

// genIptablesForward builds a forwarding ruleset with destination NAT in
// front: DNAT to addresses of the forward pool, FORWARD rules that match on
// translated or original destinations.
func genIptablesForward(rng *rand.Rand) string {
	var b strings.Builder
	targets := []string{"198.18.0.5", "198.18.1.7", "198.19.0.9"}
	b.WriteString("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
	for j := 0; j < 1+rng.Intn(3); j++ {
		a, _ := genPort(rng)
		fmt.Fprintf(&b, "-A PREROUTING -i eth0 -s %s -p tcp --dport %d -j DNAT --to-destination %s:%d\n",
			genPrefix(rng, srcPrefixes), a, pick(rng, targets), pick(rng, []int{22, 80, 8080}))
	}
	pol := pick(rng, []string{"ACCEPT", "DROP"})
	fmt.Fprintf(&b, "COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD %s [0:0]\n:OUTPUT ACCEPT [0:0]\n", pol)
	for j := 0; j < 3+rng.Intn(6); j++ {
		var parts []string
		parts = append(parts, "-A FORWARD")
		if rng.Intn(2) == 0 {
			parts = append(parts, "-s", genPrefix(rng, srcPrefixes))
		}
		if rng.Intn(2) == 0 {
			parts = append(parts, "-d", pick(rng, []string{pick(rng, targets), genPrefix(rng, fwdPrefixes)}))
		}
		switch rng.Intn(3) {
		case 0:
			parts = append(parts, "-p tcp --dport", strconv.Itoa(pick(rng, []int{22, 80, 8080, 443})))
		case 1:
			parts = append(parts, "-p udp --dport", strconv.Itoa(pick(rng, []int{53, 123})))
		}
		if rng.Intn(4) == 0 {
			parts = append(parts, pick(rng, []string{"-o eth0", "! -o eth0", "-i eth0 -o eth+"}))
		}
		parts = append(parts, "-j", pick(rng, []string{"ACCEPT", "DROP", "REJECT"}))
		b.WriteString(strings.Join(parts, " ") + "\n")
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

func genNftForward(rng *rand.Rand) string {
	var b strings.Builder
	targets := []string{"198.18.0.5", "198.18.1.7", "198.19.0.9"}
	b.WriteString("table ip nat {\n\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n")
	for j := 0; j < 1+rng.Intn(3); j++ {
		a, _ := genPort(rng)
		fmt.Fprintf(&b, "\t\tiifname \"eth0\" ip saddr %s tcp dport %d dnat to %s:%d\n",
			genPrefix(rng, srcPrefixes), a, pick(rng, targets), pick(rng, []int{22, 80, 8080}))
	}
	pol := pick(rng, []string{"accept", "drop"})
	fmt.Fprintf(&b, "\t}\n}\ntable inet filter {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy %s;\n", pol)
	for j := 0; j < 3+rng.Intn(6); j++ {
		var parts []string
		if rng.Intn(2) == 0 {
			parts = append(parts, "ip saddr "+genPrefix(rng, srcPrefixes))
		}
		if rng.Intn(2) == 0 {
			parts = append(parts, "ip daddr "+pick(rng, []string{pick(rng, targets), genPrefix(rng, fwdPrefixes)}))
		}
		switch rng.Intn(3) {
		case 0:
			parts = append(parts, fmt.Sprintf("tcp dport %d", pick(rng, []int{22, 80, 8080, 443})))
		case 1:
			parts = append(parts, "udp dport { 53, 123 }")
		}
		if rng.Intn(4) == 0 {
			parts = append(parts, pick(rng, []string{`oifname "eth0"`, `oifname != "eth0"`}))
		}
		parts = append(parts, pick(rng, []string{"accept", "drop", "reject"}))
		b.WriteString("\t\t" + strings.Join(parts, " ") + "\n")
	}
	b.WriteString("\t}\n}\n")
	return b.String()
}
