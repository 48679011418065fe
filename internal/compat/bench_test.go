package compat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/referee/referee/internal/compat"
)

// benchBodies builds the same 1,024 rollouts, half of them duplicates, as
// an OpenRLHF call and as a native batch. round makes every response new,
// so each iteration computes its 512 unique items instead of reading them
// all from the cache.
func benchBodies(round int) (openrlhf, native []byte) {
	const n = 1024
	var q, p, l []string
	items := make([]map[string]any, 0, n)
	for i := 0; i < n; i++ {
		prompt := fmt.Sprintf("Question %d: what is the answer? ", i%64)
		resp := fmt.Sprintf("the answer is %d (round %d)", (i/2)%512, round)
		label := fmt.Sprintf("the answer is %d (round %d)", i%7, round)
		q, p, l = append(q, prompt+resp), append(p, prompt), append(l, label)
		items = append(items, map[string]any{"prompt": prompt, "response": resp, "reference": label})
	}
	openrlhf, _ = json.Marshal(map[string]any{"query": q, "prompts": p, "labels": l})
	native, _ = json.Marshal(map[string]any{"defaults": map[string]any{"verifier": "string_match"}, "items": items})
	return openrlhf, native
}

func BenchmarkOpenRLHFvsNative(b *testing.B) {
	for _, path := range []string{"/compat/openrlhf", "/v1/score/batch"} {
		b.Run(strings.TrimPrefix(strings.ReplaceAll(path, "/", "_"), "_"), func(b *testing.B) {
			v := newEnv(b, func(c *compat.Config) { c.OpenRLHF.Verifier = "string_match" })
			bodies := make([][]byte, b.N)
			for i := range bodies {
				o, n := benchBodies(i)
				bodies[i] = o
				if path != "/compat/openrlhf" {
					bodies[i] = n
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(bodies[i])))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				v.e.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(b.N*1024)/b.Elapsed().Seconds(), "rollouts/s")
		})
	}
}

// TestOpenRLHFThroughput holds the OpenRLHF endpoint to at least 80% of the
// native batch endpoint's throughput on 1,024 rollouts with half
// duplicates. Calls alternate between the two so that noise from other
// processes hits both alike; the best of three rounds counts.
func TestOpenRLHFThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("throughput comparison skipped in -short mode")
	}
	v := newEnv(t, func(c *compat.Config) { c.OpenRLHF.Verifier = "string_match" })
	post := func(path string, body []byte) time.Duration {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		start := time.Now()
		v.e.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return d
	}
	best := 0.0
	round := 0
	for r := 0; r < 3 && best < 0.8; r++ {
		var compatTime, nativeTime time.Duration
		for i := 0; i < 15; i++ {
			round++
			o, n := benchBodies(round)
			if i%2 == 0 {
				compatTime += post("/compat/openrlhf", o)
				nativeTime += post("/v1/score/batch", n)
			} else {
				nativeTime += post("/v1/score/batch", n)
				compatTime += post("/compat/openrlhf", o)
			}
		}
		ratio := nativeTime.Seconds() / compatTime.Seconds()
		t.Logf("round %d: OpenRLHF %v, native batch %v for 15 calls of 1,024 rollouts: %.0f%% of native throughput", r+1, compatTime, nativeTime, 100*ratio)
		best = max(best, ratio)
	}
	if best < 0.8 {
		t.Errorf("OpenRLHF endpoint reached %.0f%% of the native batch throughput, below the 80%% floor", 100*best)
	}
}
