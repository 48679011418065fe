package server_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkBatchGroup16 is one GRPO group of 16 (8 distinct responses, each
// twice) through the whole handler, every group a new reference.
func BenchmarkBatchGroup16(b *testing.B) {
	h := newHandler(&testing.T{})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var sb strings.Builder
		fmt.Fprintf(&sb, `{"defaults":{"verifier":"string_match","reference":"%d"},"items":[`, i)
		for j := 0; j < 16; j++ {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"response":"%d"}`, i*100+j%8)
		}
		sb.WriteString("]}")
		req := httptest.NewRequest("POST", "/v1/score/batch", strings.NewReader(sb.String()))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(b.N*16)/b.Elapsed().Seconds(), "rollouts/s")
}

// BenchmarkScoreMiss is one /v1/score request with a distinct response.
func BenchmarkScoreMiss(b *testing.B) {
	h := newHandler(&testing.T{})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		body := fmt.Sprintf(`{"verifier":"string_match","reference":"the reference answer","response":"resp-%d"}`, i)
		req := httptest.NewRequest("POST", "/v1/score", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}

// BenchmarkBatch256Hits is a batch of 256 items that are all memory hits.
func BenchmarkBatch256Hits(b *testing.B) {
	h := newHandler(&testing.T{})
	var sb strings.Builder
	sb.WriteString(`{"defaults":{"verifier":"string_match","reference":"the reference"},"items":[`)
	for j := 0; j < 256; j++ {
		if j > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":"%d","response":"response number %d"}`, j, j)
	}
	sb.WriteString("]}")
	body := sb.String()
	do := func() {
		req := httptest.NewRequest("POST", "/v1/score/batch", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
	do()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		do()
	}
}
