package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestCompatSizing measures the figures of the sizing notes in
// docs/ecosystem.md: rollouts per second on one core (GOMAXPROCS=1,
// exact_answer and string_match, all cache misses) and the memory one
// million cached results take. It runs only with REFEREE_SIZING=1: it takes
// about a minute and its figures depend on the machine.
func TestCompatSizing(t *testing.T) {
	if os.Getenv("REFEREE_SIZING") == "" {
		t.Skip("sizing figures are measured only with REFEREE_SIZING=1")
	}
	batch := func(verifier string, round, n int) []byte {
		items := make([]map[string]string, n)
		for i := range items {
			items[i] = map[string]string{"reference": "42", "response": fmt.Sprintf("after some work the answer is \\boxed{%d} (%d)", i, round)}
		}
		b, _ := json.Marshal(map[string]any{"defaults": map[string]any{"verifier": verifier}, "items": items})
		return b
	}
	t.Run("rollouts per second per core", func(t *testing.T) {
		r := StartReferee(t, map[string]string{"GOMAXPROCS": "1", "REFEREE_CONCURRENCY": "1"})
		for _, v := range []string{"string_match", "exact_answer"} {
			const calls, n = 20, 1024
			var elapsed time.Duration
			for i := 0; i < calls; i++ {
				body := batch(v, i, n)
				start := time.Now()
				if resp := r.Post(t, "/v1/score/batch", body); resp.Status != 200 {
					t.Fatalf("%d %s", resp.Status, resp.Body)
				}
				elapsed += time.Since(start)
			}
			t.Logf("%s: %.0f rollouts/s on one core (batches of %d distinct rollouts, HTTP included)", v, calls*n/elapsed.Seconds(), n)
		}
	})
	t.Run("memory per million cached results", func(t *testing.T) {
		r := StartReferee(t, map[string]string{"REFEREE_CACHE_ENTRIES": "1100000"})
		heap := func() float64 {
			r.Do(t, "GET", "/healthz", nil)
			return r.Metric(t, "go_memstats_heap_inuse_bytes")
		}
		rss := func() float64 { return r.Metric(t, "process_resident_memory_bytes") }
		h0, r0 := heap(), rss()
		const total, n = 1_000_000, 4000
		for i := 0; i < total/n; i++ {
			if resp := r.Post(t, "/v1/score/batch", batch("string_match", i, n)); resp.Status != 200 {
				t.Fatalf("%d %s", resp.Status, resp.Body)
			}
		}
		time.Sleep(time.Second)
		h1, r1 := heap(), rss()
		t.Logf("1,000,000 cached string_match results: heap in use +%.0f MiB, resident +%.0f MiB (%.0f bytes per entry in the heap)",
			(h1-h0)/(1<<20), (r1-r0)/(1<<20), (h1-h0)/total)
	})
}
