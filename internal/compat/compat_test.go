package compat_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/referee/referee/cache"
	"github.com/referee/referee/internal/compat"
	"github.com/referee/referee/internal/metrics"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/internal/server"
	"github.com/referee/referee/rubric"
	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/regex"
	"github.com/referee/referee/verifiers/stringmatch"
)

// slow is a verifier whose task outlives any deadline, for run-time errors.
type slow struct{}

func (slow) Spec() verifiers.Spec {
	return verifiers.Spec{Name: "slow", Version: "1", ReferenceSchema: json.RawMessage(`{}`), ParamsSchema: json.RawMessage(`{}`)}
}
func (slow) Prepare(_, _ json.RawMessage) (verifiers.Task, error) { return slowTask{}, nil }

type slowTask struct{}

func (slowTask) Score(ctx context.Context, _ verifiers.Input) (verifiers.Result, error) {
	<-ctx.Done()
	return verifiers.Result{}, ctx.Err()
}

type env struct {
	e      *echo.Echo
	scorer *scoring.Scorer
	reg    *verifiers.Registry
}

func newEnv(t testing.TB, mutate func(*compat.Config)) *env {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := verifiers.NewRegistry(stringmatch.New(), regex.New(), slow{})
	for _, v := range compat.Verifiers() {
		reg.Register(v)
	}
	m := metrics.New()
	sc, err := scoring.New(scoring.Config{
		Registry: reg,
		Engine:   verifiers.NewEngine(verifiers.EngineConfig{Concurrency: 2, Timeout: 200 * time.Millisecond, Logger: quiet, Observe: m.ObserveTask}),
		Cache:    cache.New(cache.Config{Entries: 10000, TTL: time.Minute, Stats: m}),
		Rubrics: []rubric.Definition{{Name: "answer_and_format", Components: map[string]rubric.Component{
			"correct": {Verifier: "string_match", Params: json.RawMessage(`{"mode":"contains"}`)},
			"format":  {Verifier: "regex", Params: json.RawMessage(`{"pattern":"^<answer>.*</answer>$"}`)},
		}, Score: "0.8*correct + 0.2*format"}},
		Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := server.New(server.Config{Scorer: sc, Registry: reg, Metrics: m, Logger: quiet, MaxBody: 1 << 20, MaxBatch: 2048})
	cfg := compat.Config{
		Scorer:   sc,
		Lookup:   reg.Lookup,
		Compiler: rubric.NewCompiler(64),
		MaxBody:  1 << 20,
		MaxBatch: 2048,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	if err := compat.Register(e, cfg); err != nil {
		t.Fatal(err)
	}
	return &env{e: e, scorer: sc, reg: reg}
}

type reply struct {
	status int
	ctype  string
	body   map[string]any
	raw    string
}

func (v *env) post(t testing.TB, path, body string, headers ...string) reply {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	v.e.ServeHTTP(rec, req)
	r := reply{status: rec.Code, ctype: rec.Header().Get("Content-Type"), raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), &r.body); err != nil {
		t.Fatalf("%s: body is not a JSON object: %v\n%s", path, err, rec.Body.String())
	}
	if r.status >= 400 && r.ctype != "application/problem+json" {
		t.Errorf("%s: error with Content-Type %q, want application/problem+json", path, r.ctype)
	}
	return r
}

// floats reads a JSON array of numbers.
func floats(t testing.TB, v any) []float64 {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("want an array, got %T %v", v, v)
	}
	out := make([]float64, len(a))
	for i, x := range a {
		out[i] = x.(float64)
	}
	return out
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// problemField returns the field of a problem's first error.
func problemField(r reply) string {
	errs, _ := r.body["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].(map[string]any)["field"].(string)
}
