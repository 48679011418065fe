package remote_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/remote"
)

// service is a scripted remote verifier.
type service struct {
	*httptest.Server
	calls    atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
	mu       sync.Mutex
	bodies   []map[string]any
	// answer returns the status and body of the n-th call (from 1).
	answer func(n int64, path string, body map[string]any) (int, string)
}

func newService(t *testing.T, answer func(n int64, path string, body map[string]any) (int, string)) *service {
	t.Helper()
	s := &service{answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.WriteHeader(http.StatusOK)
			return
		}
		n := s.calls.Add(1)
		in := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for {
			m := s.maxIn.Load()
			if in <= m || s.maxIn.CompareAndSwap(m, in) {
				break
			}
		}
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		s.mu.Lock()
		s.bodies = append(s.bodies, body)
		s.mu.Unlock()
		status, out := s.answer(n, r.URL.Path, body)
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "0")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, out)
	}))
	t.Cleanup(s.Close)
	return s
}

func ok(score string) func(int64, string, map[string]any) (int, string) {
	return func(int64, string, map[string]any) (int, string) {
		return 200, `{"score":` + score + `,"details":{"why":"x"}}`
	}
}

func newVerifier(t *testing.T, cfg remote.Config) *remote.Verifier {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "py"
	}
	if cfg.Version == "" {
		cfg.Version = "1"
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Millisecond
	}
	v, err := remote.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Close() })
	return v
}

func score(t *testing.T, v *remote.Verifier, ctx context.Context, ref, params string, in verifiers.Input) (verifiers.Result, error) {
	t.Helper()
	task, err := v.Prepare(json.RawMessage(ref), json.RawMessage(params))
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return task.Score(ctx, in)
}

func TestScoreRoundTrip(t *testing.T) {
	t.Parallel()
	noPrompt := false
	tests := []struct {
		name        string
		readsPrompt *bool
		wantPrompt  bool
	}{
		{"reads the prompt by default", nil, true},
		{"prompt not sent when not read", &noPrompt, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newService(t, ok("0.75"))
			v := newVerifier(t, remote.Config{URL: s.URL + "/", ReadsPrompt: tt.readsPrompt})
			if v.Spec().ReadsPrompt != tt.wantPrompt {
				t.Errorf("Spec().ReadsPrompt = %v", v.Spec().ReadsPrompt)
			}
			res, err := score(t, v, context.Background(), `{"answer":"42"}`, `{"strict":true}`, verifiers.Input{Prompt: "Q?", Response: "42"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Score != 0.75 || string(res.Details) != `{"why":"x"}` {
				t.Errorf("result %v %s", res.Score, res.Details)
			}
			b := s.bodies[0]
			if b["response"] != "42" || b["reference"].(map[string]any)["answer"] != "42" || b["params"].(map[string]any)["strict"] != true {
				t.Errorf("request body %v", b)
			}
			if _, has := b["prompt"]; has != tt.wantPrompt {
				t.Errorf("prompt sent: %v, want %v", has, tt.wantPrompt)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answer    func(int64, string, map[string]any) (int, string)
		wantScore float64
		wantErr   string
		wantCalls int64
	}{
		{"503 twice, then an answer", func(n int64, _ string, _ map[string]any) (int, string) {
			if n < 3 {
				return 503, `overloaded`
			}
			return 200, `{"score":1}`
		}, 1, "", 3},
		{"502 on every attempt", func(int64, string, map[string]any) (int, string) { return 502, `bad gateway` }, 0, "status 502", 3},
		{"429 is retried", func(n int64, _ string, _ map[string]any) (int, string) {
			if n == 1 {
				return 429, `slow down`
			}
			return 200, `{"score":0.5}`
		}, 0.5, "", 2},
		{"500 is a bug, not retried", func(int64, string, map[string]any) (int, string) { return 500, `Traceback` }, 0, "status 500: Traceback", 1},
		{"answer without a score", func(int64, string, map[string]any) (int, string) { return 200, `{"details":{}}` }, 0, `no finite "score"`, 1},
		{"answer not JSON", func(int64, string, map[string]any) (int, string) { return 200, `<html>` }, 0, "invalid JSON", 1},
		{"details not an object", func(int64, string, map[string]any) (int, string) { return 200, `{"score":1,"details":[1]}` }, 0, "not an object", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newService(t, tt.answer)
			v := newVerifier(t, remote.Config{URL: s.URL, BreakerFailures: 100})
			res, err := score(t, v, context.Background(), `"r"`, ``, verifiers.Input{Response: "x"})
			if tt.wantErr == "" && (err != nil || res.Score != tt.wantScore) {
				t.Errorf("got %v, %v; want %v", res.Score, err, tt.wantScore)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err %v, want it to mention %q", err, tt.wantErr)
			}
			if got := s.calls.Load(); got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestUnreachableIsRetried(t *testing.T) {
	t.Parallel()
	s := newService(t, ok("1"))
	url := s.URL
	s.Close()
	reg := prometheus.NewRegistry()
	v := newVerifier(t, remote.Config{URL: url, Retries: 3, Registerer: reg})
	_, err := score(t, v, context.Background(), `"r"`, ``, verifiers.Input{Response: "x"})
	if err == nil {
		t.Fatal("scoring against a closed port succeeded")
	}
	if got := metricSum(t, reg, "referee_remote_retries_total"); got != 3 {
		t.Errorf("retries %v, want 3", got)
	}
}

// metricSum sums every sample of a counter or gauge family.
func metricSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			total := 0.0
			for _, m := range mf.Metric {
				if m.Counter != nil {
					total += m.Counter.GetValue()
				}
				if m.Gauge != nil {
					total += m.Gauge.GetValue()
				}
			}
			return total
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestCircuitBreaker(t *testing.T) {
	t.Parallel()
	var healthy atomic.Bool
	s := newService(t, func(int64, string, map[string]any) (int, string) {
		if healthy.Load() {
			return 200, `{"score":1}`
		}
		return 500, `down`
	})
	reg := prometheus.NewRegistry()
	v := newVerifier(t, remote.Config{URL: s.URL, BreakerFailures: 3, BreakerCooldown: 100 * time.Millisecond, Registerer: reg})
	task, err := v.Prepare(json.RawMessage(`"r"`), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := task.Score(context.Background(), verifiers.Input{Response: "x"}); err == nil {
			t.Fatal("a failing service scored")
		}
	}
	_, err = task.Score(context.Background(), verifiers.Input{Response: "x"})
	if err == nil || !strings.Contains(err.Error(), "circuit open") {
		t.Fatalf("fourth call: %v, want the circuit open", err)
	}
	if got := s.calls.Load(); got != 3 {
		t.Errorf("%d calls reached the service, want 3 (the open circuit fails fast)", got)
	}
	if err := v.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "circuit open") {
		t.Errorf("Check: %v, want the open circuit reported", err)
	}
	if got := metricSum(t, reg, "referee_remote_breaker_state"); got != 2 {
		t.Errorf("breaker_state %v, want 2 (open)", got)
	}
	healthy.Store(true)
	time.Sleep(150 * time.Millisecond)
	if res, err := task.Score(context.Background(), verifiers.Input{Response: "x"}); err != nil || res.Score != 1 {
		t.Errorf("after the cool-down: %v, %v; want the probe to succeed", res.Score, err)
	}
	if err := v.Check(context.Background()); err != nil {
		t.Errorf("Check after recovery: %v", err)
	}
}

func TestPrepare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answer    func(int64, string, map[string]any) (int, string)
		wantField string // a 422 naming this field from Prepare
		wantScore float64
	}{
		{"valid", func(_ int64, path string, _ map[string]any) (int, string) {
			if path == "/prepare" {
				return 200, `{}`
			}
			return 200, `{"score":1}`
		}, "", 1},
		{"invalid with field errors", func(int64, string, map[string]any) (int, string) {
			return 422, `{"errors":[{"field":"reference.tests","message":"must be a list"}]}`
		}, "reference.tests", 0},
		{"invalid with a detail", func(int64, string, map[string]any) (int, string) { return 400, `{"detail":"no tests"}` }, "reference", 0},
		{"unreachable at prepare: validated on first score", func(n int64, path string, _ map[string]any) (int, string) {
			if path == "/prepare" && n <= 3 {
				return 503, `starting`
			}
			if path == "/prepare" {
				return 200, `{}`
			}
			return 200, `{"score":0.5}`
		}, "", 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newService(t, tt.answer)
			v := newVerifier(t, remote.Config{URL: s.URL, Prepare: true})
			task, err := v.Prepare(json.RawMessage(`{"tests":"x"}`), nil)
			if tt.wantField != "" {
				ie, ok := verifiers.AsInvalid(err)
				if !ok || ie.Errors[0].Field != tt.wantField {
					t.Fatalf("Prepare: %v, want an invalid %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := task.Score(context.Background(), verifiers.Input{Response: "x"})
			if err != nil || res.Score != tt.wantScore {
				t.Errorf("Score: %v, %v; want %v", res.Score, err, tt.wantScore)
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := newService(t, func(int64, string, map[string]any) (int, string) { <-release; return 200, `{"score":1}` })
	defer close(release)
	v := newVerifier(t, remote.Config{URL: s.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := score(t, v, ctx, `"r"`, ``, verifiers.Input{Response: "x"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("returned after %v", d)
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	s := newService(t, func(int64, string, map[string]any) (int, string) {
		time.Sleep(20 * time.Millisecond)
		return 200, `{"score":1}`
	})
	v := newVerifier(t, remote.Config{URL: s.URL, Concurrency: 2})
	task, _ := v.Prepare(json.RawMessage(`"r"`), nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = task.Score(context.Background(), verifiers.Input{Response: "x"})
		}()
	}
	wg.Wait()
	if m := s.maxIn.Load(); m > 2 {
		t.Errorf("%d calls in flight at once, want at most 2", m)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  remote.Config
		want string
	}{
		{"no name", remote.Config{URL: "http://x", Version: "1"}, "name is required"},
		{"relative url", remote.Config{Name: "a", URL: "/score", Version: "1"}, "absolute"},
		{"ftp url", remote.Config{Name: "a", URL: "ftp://x", Version: "1"}, "absolute"},
		{"no version", remote.Config{Name: "a", URL: "http://x"}, "version is required"},
		{"negative timeout", remote.Config{Name: "a", URL: "http://x", Version: "1", Timeout: -1}, "negative"},
	}
	for _, tt := range tests {
		if _, err := remote.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	s := newService(t, ok("1"))
	yml := `
rubrics:
  ignored: {}
remote_verifiers:
  - name: unit_tests
    url: ` + s.URL + `
    version: "3"
    timeout: 250ms
    concurrency: 4
    reads_prompt: false
    headers: {Authorization: "Bearer ${TOKEN}"}
    reference_schema: {type: string}
  - name: rm
    url: ` + s.URL + `
    version: "1"
`
	reg := prometheus.NewRegistry()
	vs, err := remote.Parse([]byte(yml), func(k string) string { return map[string]string{"TOKEN": "t0k"}[k] }, reg)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Spec().Name != "unit_tests" || vs[0].Spec().Version != "3" || vs[0].Spec().ReadsPrompt {
		t.Fatalf("specs %+v", vs)
	}
	if string(vs[0].Spec().ReferenceSchema) != `{"type":"string"}` {
		t.Errorf("reference schema %s", vs[0].Spec().ReferenceSchema)
	}
	var auth string
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		_, _ = io.WriteString(w, `{"score":1}`)
	})
	task, _ := vs[0].Prepare(json.RawMessage(`"r"`), nil)
	if _, err := task.Score(context.Background(), verifiers.Input{Response: "x"}); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer t0k" {
		t.Errorf("Authorization %q", auth)
	}
	for _, bad := range []struct{ yml, want string }{
		{"remote_verifiers:\n  - {name: a, url: 'http://x', version: '1'}\n  - {name: a, url: 'http://x', version: '1'}\n", "used twice"},
		{"remote_verifiers:\n  - {name: a, url: 'http://x', version: '1', timeout: soon}\n", "parse"},
		{"remote_verifiers:\n  - {name: a, url: 'x', version: '1'}\n", "absolute"},
	} {
		if _, err := remote.Parse([]byte(bad.yml), nil, nil); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.yml, err, bad.want)
		}
	}
	if vs, err := remote.Parse([]byte("rubrics: {}\n"), nil, nil); err != nil || len(vs) != 0 {
		t.Errorf("a file without the section: %v, %v", vs, err)
	}
}
