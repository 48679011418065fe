package citation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/citation"
	"github.com/referee/referee/verifiers/citation/fetch"
)

// liveSite serves pages for live-mode tests and tracks concurrency.
type liveSite struct {
	*httptest.Server
	inFlight, maxInFlight, hits atomic.Int32
}

func newLiveSite(t *testing.T, delay time.Duration) *liveSite {
	t.Helper()
	s := &liveSite{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for {
			m := s.maxInFlight.Load()
			if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(delay)
		switch {
		case r.URL.Path == "/gone":
			w.WriteHeader(http.StatusGone)
		case r.URL.Path == "/busy":
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		case r.URL.Path == "/moved":
			http.Redirect(w, r, "/page/moved-here", http.StatusMovedPermanently)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, "<html><body><h1>Page %s</h1><p>The museum opened in 1793 with 537 paintings.</p></body></html>", r.URL.Path)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func newLiveVerifier(t *testing.T, mode string, perHost int) *citation.Verifier {
	t.Helper()
	v, err := citation.New(citation.Config{
		SnapshotDir:  snapDir,
		Mode:         mode,
		AllowPrivate: true,
		Fetch:        fetch.Config{PerHostConcurrency: perHost, PerHostRate: 1000, PerHostBurst: 1000},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

type detailsT struct {
	Snapshot  string `json:"snapshot"`
	Live      bool   `json:"live"`
	Citations []struct {
		URL       string `json:"url"`
		Status    string `json:"status"`
		Source    string `json:"source"`
		Supported *bool  `json:"supported"`
		Reason    string `json:"reason"`
	} `json:"citations"`
}

func score(t *testing.T, v *citation.Verifier, params, response string) (float64, detailsT) {
	t.Helper()
	task, err := v.Prepare(nil, json.RawMessage(params))
	if err != nil {
		t.Fatal(err)
	}
	res, err := task.Score(context.Background(), verifiers.Input{Response: response})
	if err != nil {
		t.Fatal(err)
	}
	var d detailsT
	if err := json.Unmarshal(res.Details, &d); err != nil {
		t.Fatal(err)
	}
	return res.Score, d
}

func TestLiveMode(t *testing.T) {
	s := newLiveSite(t, 0)
	v := newLiveVerifier(t, citation.ModeLive, 2)
	resp := fmt.Sprintf("The museum opened in 1793 with 537 paintings [1]. It closed [2]. It moved [3].\n\n[1]: %[1]s/page/a\n[2]: %[1]s/gone\n[3]: %[1]s/moved", s.URL)
	got, d := score(t, v, `{}`, resp)
	want := []struct{ status, source string }{{"ok", "live"}, {"broken", "live"}, {"ok", "live"}}
	for i, w := range want {
		if c := d.Citations[i]; c.Status != w.status || c.Source != w.source {
			t.Errorf("citation %d = %+v, want %s from %s", i, c, w.status, w.source)
		}
	}
	if !d.Live || d.Snapshot == "" {
		t.Errorf("details live=%v snapshot=%q; want live true and the snapshot id echoed", d.Live, d.Snapshot)
	}
	if *d.Citations[0].Supported != true {
		t.Errorf("live page text did not support the claim: %+v", d.Citations[0])
	}
	// reachable 2/3, supported 2/3 ([3] "It moved" lands on a page whose
	// heading says "moved-here"), fabricated 1/3:
	// (0.3*2/3 + 0.5*2/3)/0.8 - 0.5/3 = 0.5
	if abs(got-0.5) > 1e-9 {
		t.Errorf("score = %v, want 0.5", got)
	}
	// A second answer is served from the fetch cache.
	hits := s.hits.Load()
	_, d = score(t, v, `{}`, resp)
	if d.Citations[0].Source != "cache" || d.Citations[1].Source != "cache" {
		t.Errorf("second scoring sources: %+v", d.Citations)
	}
	if s.hits.Load() != hits {
		t.Errorf("second scoring reached the site %d more times", s.hits.Load()-hits)
	}
	// A 503 is unknown and never cached; the host then rests for its
	// Retry-After, so an uncached page of it is unknown too, unfetched.
	_, d = score(t, v, `{}`, "It was busy [1]. More [2].\n\n[1]: "+s.URL+"/busy\n[2]: "+s.URL+"/page/new")
	if d.Citations[0].Status != "unknown" || d.Citations[0].Source != "live" {
		t.Errorf("503: %+v", d.Citations[0])
	}
}

func TestSnapshotThenLive(t *testing.T) {
	s := newLiveSite(t, 0)
	v := newLiveVerifier(t, citation.ModeSnapshot, 2)
	resp := "The Eiffel Tower is 330 metres tall [1]. The museum opened in 1793 with 537 paintings [2].\n\n[1]: https://en.wikipedia.org/wiki/Eiffel_Tower\n[2]: " + s.URL + "/page/x"
	// The server's default is snapshot: the local page is not fetched.
	_, d := score(t, v, `{}`, resp)
	if d.Citations[1].Status != "unknown" || s.hits.Load() != 0 {
		t.Errorf("snapshot mode fetched: %+v, %d hits", d.Citations[1], s.hits.Load())
	}
	// params.mode asks for the live web for what the snapshot lacks.
	got, d := score(t, v, `{"mode":"snapshot_then_live"}`, resp)
	if d.Citations[0].Source != "snapshot" || d.Citations[1].Source != "live" || got != 1 {
		t.Errorf("snapshot_then_live: score %v, %+v", got, d.Citations)
	}
}

// TestLiveModeNeverExceedsPerHostConcurrency scores a GRPO group of 16
// answers, each citing 12 pages of one host, at once: the host never sees
// more than the configured 3 concurrent requests.
func TestLiveModeNeverExceedsPerHostConcurrency(t *testing.T) {
	s := newLiveSite(t, 5*time.Millisecond)
	v := newLiveVerifier(t, citation.ModeLive, 3)
	task, err := v.Prepare(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		var b strings.Builder
		for i := range 12 {
			fmt.Fprintf(&b, "The museum opened in 1793 with 537 paintings (%s/page/%d-%d).\n", s.URL, g%4, i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := task.Score(context.Background(), verifiers.Input{Response: b.String()})
			if err != nil || res.Score != 1 {
				t.Errorf("answer %d: score %v, err %v, %s", g, res.Score, err, res.Details)
			}
		}()
	}
	wg.Wait()
	if m := s.maxInFlight.Load(); m > 3 {
		t.Errorf("max concurrent requests to the host = %d, want at most 3", m)
	}
	if h := s.hits.Load(); h != 48 {
		t.Errorf("the host got %d requests, want 48 (4 distinct answers x 12 pages, each fetched once)", h)
	}
}

func TestModeConfig(t *testing.T) {
	if _, err := citation.New(citation.Config{Mode: "offline"}); err == nil {
		t.Error("New accepted an unknown mode")
	}
	if _, err := citation.New(citation.Config{SnapshotDir: t.TempDir()}); err == nil {
		t.Error("New accepted a directory without a snapshot")
	}
	v, err := citation.New(citation.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Check(context.Background()); err != nil {
		t.Errorf("Check without a snapshot: %v", err)
	}
	_, d := score(t, v, `{}`, "See https://example.org/x for the details.")
	if d.Snapshot != "" || d.Citations[0].Status != "unknown" || d.Citations[0].Reason != "no snapshot is configured" {
		t.Errorf("no snapshot: %+v", d)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
