package netconfig

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestSearchPruningIsExact checks the pruned search against the plain one:
// for random rulesets and random spaces, the set of verdicts found in the
// space (and the existence of a counterexample) must be identical, and every
// pruned leaf's stamped verdict must equal a full evaluation of its witness.
func TestSearchPruningIsExact(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 60; i++ {
		var text, dialect string
		if i%2 == 0 {
			text, dialect = genIptables(rng), dialectIptables
		} else {
			text, dialect = genNft(rng), dialectNft
		}
		cfg := parseConfig(dialect, text)
		if len(cfg.Errors) > 0 {
			t.Fatalf("generated ruleset does not parse: %v\n%s", cfg.Errors, text)
		}
		pr, err := cfg.program(&Target{Hook: "input"})
		if err != nil {
			t.Fatal(err)
		}
		b := &box{flagsFromState: true}
		if rng.Intn(2) == 0 {
			b.c[dimSrc] = &Cond{Dim: dimSrc, Neg: rng.Intn(2) == 0, Set: func() *ValueSet { v := newSet(32); addAddr(v, genPrefix(rng, srcPrefixes)); return v.finish() }()}
		}
		if rng.Intn(2) == 0 {
			b.c[dimProto] = &Cond{Dim: dimProto, Set: newSet(8).addValue(pick(rng, []uint32{protoTCP, protoUDP, protoICMP})).finish()}
		}
		for _, permit := range []bool{true, false} {
			plain := &search{ctx: context.Background(), groups: programGroups(pr, 0, map[*Chain]bool{}, nil), space: b}
			var plainFound bool
			plain.leaf = func(p *Packet) bool {
				if pr.Eval(p).Permit == permit {
					plainFound = true
					return true
				}
				return false
			}
			if err := plain.run(); err != nil {
				t.Fatal(err)
			}
			pruned := &search{ctx: context.Background(), groups: programGroups(pr, 0, map[*Chain]bool{}, nil), space: b, progs: []*Program{pr}}
			var prunedFound bool
			pruned.leaf = func(p *Packet) bool {
				d := pruned.evalLive(pr, 0)
				if full := pr.Eval(p); full != d {
					t.Fatalf("stamped verdict %+v != full %+v for %v\n%s", d, full, packetJSON(p), text)
				}
				if d.Permit == permit {
					prunedFound = true
					return true
				}
				return false
			}
			if err := pruned.run(); err != nil {
				t.Fatal(err)
			}
			if plainFound != prunedFound {
				t.Fatalf("permit=%v: plain search found=%v, pruned found=%v\n%s", permit, plainFound, prunedFound, text)
			}
		}
	}
}

// TestEquivalenceSearchIsExact compares the pruned two-program search of
// equivalent_outside with a plain one over random ruleset pairs.
func TestEquivalenceSearchIsExact(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	differ := 0
	for i := 0; i < 80; i++ {
		gen, dialect := genIptables, dialectIptables
		if i%2 == 1 {
			gen, dialect = genNft, dialectNft
		}
		a, b := parseConfig(dialect, gen(rng)), parseConfig(dialect, gen(rng))
		switch i % 4 {
		case 0, 1:
			b = parseConfig(dialect, strings.Join(a.Lines, "\n")) // equal programs: never differ
		case 2:
			// one line changed: differences hide in a small region
			lines := append([]string{}, a.Lines...)
			for k, l := range lines {
				if strings.Contains(l, "ACCEPT") || strings.Contains(l, "accept") {
					lines[k] = strings.Replace(strings.Replace(l, "ACCEPT", "DROP", 1), "accept", "drop", 1)
					break
				}
			}
			b = parseConfig(dialect, strings.Join(lines, "\n"))
		}
		pa, _ := a.program(&Target{Hook: "input"})
		pb, _ := b.program(&Target{Hook: "input"})
		space := &box{flagsFromState: true}
		groups := programGroups(pa, 0, map[*Chain]bool{}, nil)
		groups = programGroups(pb, 1, map[*Chain]bool{}, groups)
		plain := &search{ctx: context.Background(), groups: groups, space: space}
		plainDiff := false
		plain.leaf = func(p *Packet) bool {
			plainDiff = pa.Eval(p).Permit != pb.Eval(p).Permit
			return plainDiff
		}
		if err := plain.run(); err != nil {
			t.Fatal(err)
		}
		pruned := &search{ctx: context.Background(), groups: groups, space: space, progs: []*Program{pa, pb}, equiv: true}
		prunedDiff := false
		pruned.leaf = func(p *Packet) bool {
			da, db := pruned.evalLive(pa, 0), pruned.evalLive(pb, 1)
			if da != pa.Eval(p) || db != pb.Eval(p) {
				t.Fatalf("stamped verdicts differ from full evaluation at %v", packetJSON(p))
			}
			prunedDiff = da.Permit != db.Permit
			return prunedDiff
		}
		if err := pruned.run(); err != nil {
			t.Fatal(err)
		}
		if plainDiff != prunedDiff {
			t.Fatalf("plain found difference=%v, pruned=%v", plainDiff, prunedDiff)
		}
		if i%4 < 2 && plainDiff {
			t.Fatalf("identical rulesets reported different")
		}
		if plainDiff {
			differ++
		}
	}
	if differ < 20 {
		t.Fatalf("only %d of 80 pairs differ: the test is too weak", differ)
	}
}

// TestSearchCoversRandomPackets checks completeness: every verdict a random
// packet gets must also be found by the exhaustive search, and the set of
// deciding lines seen on random packets must be a subset of those the
// search visits.
func TestSearchCoversRandomPackets(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 30; i++ {
		gen, dialect := genIptables, dialectIptables
		if i%2 == 1 {
			gen, dialect = genNft, dialectNft
		}
		text := gen(rng)
		cfg := parseConfig(dialect, text)
		pr, _ := cfg.program(&Target{Hook: "input"})
		lines := map[int]bool{}
		s := &search{ctx: context.Background(), groups: programGroups(pr, 0, map[*Chain]bool{}, nil), space: &box{}, progs: []*Program{pr}}
		s.leaf = func(p *Packet) bool {
			lines[s.evalLive(pr, 0).Line] = true
			return false
		}
		if err := s.run(); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 3000; j++ {
			var p Packet
			p.V[dimProto] = pick(rng, []uint32{protoTCP, protoUDP, protoICMP, 47})
			if rng.Intn(2) == 0 {
				c, _ := parseCIDR(genPrefix(rng, srcPrefixes))
				p.V[dimSrc] = c.val | rng.Uint32()&^c.mask
			} else {
				p.V[dimSrc] = rng.Uint32()
			}
			c, _ := parseCIDR(genPrefix(rng, dstPrefixes))
			p.V[dimDst] = c.val | rng.Uint32()&^c.mask
			if applicable(dimDport, p.V[dimProto]) {
				p.V[dimDport] = uint32(pick(rng, []int{22, 53, 80, 85, 90, 91, 123, 443, 1024, 8080, rng.Intn(65536)}))
				p.V[dimSport] = uint32(rng.Intn(65536))
			}
			if p.V[dimProto] == protoICMP {
				p.V[dimICMPType] = uint32(pick(rng, []int{0, 3, 8, 13, rng.Intn(256)}))
			}
			p.V[dimState] = uint32(rng.Intn(4))
			if p.V[dimProto] == protoTCP {
				p.V[dimFlags] = uint32(rng.Intn(256))
			}
			p.In = pick(rng, []string{"eth0", "eth1", "lo", "wlan0", ""})
			if d := pr.Eval(&p); !lines[d.Line] {
				t.Fatalf("random packet %v decided by line %d (%s), which the search never reached\n%s", packetJSON(&p), d.Line, d.Text, text)
			}
		}
	}
}

// TestSearchUnderNATCoversRandomPackets: with destination NAT in front of
// the filter, every deciding line a random packet reaches must also be
// reached by the search (which then splits on every destination boundary).
func TestSearchUnderNATCoversRandomPackets(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	targets := []string{"100.64.0.5", "100.64.0.6", "192.0.2.9"}
	// Overlapping sources, so translated packets are told apart only by the
	// boundaries of filter rules whose destination the original never had.
	natSrcs := []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.128.0.0/9", "0.0.0.0/0"}
	for i := 0; i < 20; i++ {
		var b strings.Builder
		b.WriteString("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
		for j := 0; j < 1+rng.Intn(4); j++ {
			a, _ := genPort(rng)
			fmt.Fprintf(&b, "-A PREROUTING -s %s -p tcp --dport %d -j DNAT --to-destination %s:%d\n",
				pick(rng, natSrcs), a, pick(rng, targets), pick(rng, []int{22, 80, 8080}))
		}
		b.WriteString("COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n")
		for j := 0; j < 2+rng.Intn(5); j++ {
			fmt.Fprintf(&b, "-A FORWARD -s %s -d %s -p tcp --dport %d -j %s\n", pick(rng, natSrcs),
				pick(rng, []string{pick(rng, targets), genPrefix(rng, dstPrefixes)}), pick(rng, []int{22, 80, 8080, 443}), pick(rng, []string{"ACCEPT", "DROP"}))
		}
		b.WriteString("COMMIT\n")
		text := b.String()
		cfg := parseConfig(dialectIptables, text)
		if len(cfg.Errors) > 0 {
			t.Fatalf("%v\n%s", cfg.Errors, text)
		}
		pr, _ := cfg.program(&Target{Hook: "forward"})
		if !pr.rewrites() {
			t.Fatal("expected a rewriting program")
		}
		lines := map[int]bool{}
		space := &box{}
		space.c[dimProto] = &Cond{Dim: dimProto, Set: newSet(8).addValue(protoTCP).finish()}
		s := &search{ctx: context.Background(), groups: programGroups(pr, 0, map[*Chain]bool{}, nil), space: space, rewriting: true}
		s.leaf = func(p *Packet) bool {
			lines[pr.Eval(p).Line] = true
			return false
		}
		if err := s.run(); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 3000; j++ {
			var p Packet
			p.V[dimProto] = protoTCP
			c, _ := parseCIDR(pick(rng, natSrcs))
			p.V[dimSrc] = c.val | rng.Uint32()&^c.mask
			if rng.Intn(2) == 0 {
				p.V[dimDst], _ = parseIPv4(pick(rng, targets))
			} else {
				c, _ := parseCIDR(genPrefix(rng, dstPrefixes))
				p.V[dimDst] = c.val | rng.Uint32()&^c.mask
			}
			p.V[dimDport] = uint32(pick(rng, []int{22, 25, 53, 80, 443, 1024, 8080, rng.Intn(65536)}))
			p.V[dimFlags] = flSYN
			if d := pr.Eval(&p); !lines[d.Line] {
				t.Fatalf("random packet %v decided by line %d (%s), never reached by the search\n%s", packetJSON(&p), d.Line, d.Text, text)
			}
		}
	}
}
