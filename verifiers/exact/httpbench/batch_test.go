// Package httpbench_test measures exact_answer end to end through the HTTP
// batch handler. It lives apart from package exact so the verifier itself
// imports only the verifiers package; only this benchmark sees the server.
package httpbench_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/referee/referee/cache"
	"github.com/referee/referee/internal/metrics"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/internal/server"
	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/exact"
)

func newHandler(b *testing.B) http.Handler {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := verifiers.NewRegistry(exact.New())
	m := metrics.New()
	sc, err := scoring.New(scoring.Config{
		Registry: reg,
		Engine:   verifiers.NewEngine(verifiers.EngineConfig{Concurrency: 4, Timeout: time.Second, Logger: quiet, Observe: m.ObserveTask}),
		Cache:    cache.New(cache.Config{Entries: 1 << 16, TTL: time.Minute, Stats: m}),
		Logger:   quiet,
	})
	if err != nil {
		b.Fatal(err)
	}
	return server.New(server.Config{Scorer: sc, Registry: reg, Metrics: m, Logger: quiet, MaxBody: 4 << 20, MaxBatch: 256, Version: "bench"})
}

// reasoning is a page of MATH-style reasoning before the boxed answer.
var reasoning = strings.Repeat(`There are $6 \times 6 = 36$ equally likely outcomes. The prime sums are $2, 3, 5, 7$ and $11$, `+
	`occurring in $1 + 2 + 4 + 6 + 2 = 15$ ways. `, 6)

// groupBody is one GRPO group: 16 responses (8 distinct answers, each twice)
// sharing a new reference, so every group is a cache miss.
func groupBody(g int) []byte {
	type item struct {
		Response string `json:"response"`
	}
	body := struct {
		Defaults map[string]any `json:"defaults"`
		Items    []item         `json:"items"`
	}{Defaults: map[string]any{
		"verifier":  "exact_answer",
		"prompt":    fmt.Sprintf("Problem %d: what is the probability that the sum of two dice is prime?", g),
		"reference": fmt.Sprintf(`\frac{%d}{12}`, g%11+1),
	}}
	for j := 0; j < 16; j++ {
		body.Items = append(body.Items, item{Response: fmt.Sprintf(`%s[group %d] So the answer is $\boxed{\dfrac{%d}{12}}$.`, reasoning, g, j%8+1)})
	}
	raw, _ := json.Marshal(body)
	return raw
}

// BenchmarkBatchGroup16 posts groups of 16 MATH-style rollouts to
// /v1/score/batch from parallel clients and reports rollouts per second.
func BenchmarkBatchGroup16(b *testing.B) {
	h := newHandler(b)
	bodies := make([][]byte, 512)
	for i := range bodies {
		bodies[i] = groupBody(i)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.SetBytes(int64(len(bodies[0])))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			// A group index unique to this iteration keeps every group a
			// cache miss: the reference changes with the body's prompt.
			body := bodies[int(i)%len(bodies)]
			if i >= int64(len(bodies)) {
				body = []byte(strings.Replace(string(body), `"prompt":"Problem `, fmt.Sprintf(`"prompt":"Run %d problem `, i), 1))
			}
			req := httptest.NewRequest(http.MethodPost, "/v1/score/batch", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N*16)/b.Elapsed().Seconds(), "rollouts/s")
}
