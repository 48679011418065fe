package netconfig

import (
	"context"
	"math/rand"
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
