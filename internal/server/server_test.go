package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/referee/referee/cache"
	"github.com/referee/referee/internal/metrics"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/internal/server"
	"github.com/referee/referee/openapi"
	"github.com/referee/referee/rubric"
	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/regex"
	"github.com/referee/referee/verifiers/stringmatch"
)

func newHandler(t *testing.T, deps ...server.Dependency) http.Handler {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := verifiers.NewRegistry(stringmatch.New(), regex.New())
	m := metrics.New()
	sc, err := scoring.New(scoring.Config{
		Registry: reg,
		Engine:   verifiers.NewEngine(verifiers.EngineConfig{Concurrency: 2, Timeout: time.Second, Logger: quiet, Observe: m.ObserveTask}),
		Cache:    cache.New(cache.Config{Entries: 100000, TTL: time.Minute, Stats: m}),
		Rubrics: []rubric.Definition{{Name: "fmt", Components: map[string]rubric.Component{
			"f": {Verifier: "regex", Params: json.RawMessage(`{"pattern":"^<a>"}`)}}, Score: "f"}},
		Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := openapi.Docs()
	if err != nil {
		t.Fatal(err)
	}
	return server.New(server.Config{Scorer: sc, Registry: reg, Metrics: m, Logger: quiet, MaxBody: 1 << 20, MaxBatch: 300,
		OpenAPI: openapi.Spec, Docs: docs, Dependencies: deps, Version: "test"})
}

func specRouter(t *testing.T) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://referee.test"}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestResponsesMatchSpec sends real requests through the handlers and
// validates each request and response against openapi.yaml, so the spec and
// the code cannot drift apart.
func TestResponsesMatchSpec(t *testing.T) {
	t.Parallel()
	h := newHandler(t, server.Dependency{Name: "redis", Status: func(context.Context) (string, string) { return "degraded", "connection refused" }})
	router := specRouter(t)
	tests := []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/v1/score", `{"id":"1","verifier":"string_match","reference":"a","response":"a"}`, 200},
		{"POST", "/v1/score", `{"verifier":"string_match","reference":"a","response":"a"}`, 200},
		{"POST", "/score", `{"rubric":"fmt","response":"<a>x"}`, 200},
		{"POST", "/v1/score", `{"rubric":{"components":{"x":{"verifier":"regex","params":{"pattern":"a"}}},"score":"x*0.5"},"response":"a"}`, 200},
		{"POST", "/v1/score", `{"verifier":"nope","response":"a"}`, 400},
		{"POST", "/v1/score", `{"verifier":"string_match","reference":"a","params":{"mode":"x"},"response":"a"}`, 422},
		{"POST", "/v1/score", `{"rubric":{"components":{"x":{"verifier":"regex","params":{"pattern":"a"}}},"score":"x +"},"response":"a"}`, 422},
		{"POST", "/v1/score/batch", `{"defaults":{"verifier":"string_match","reference":"a"},"items":[{"response":"a"},{"response":"b"},{"response":"a"},{"verifier":"nope","response":"x"}]}`, 200},
		{"POST", "/score/batch", `{"items":[{"verifier":"regex","params":{"pattern":"("},"response":"a"}]}`, 200},
		{"POST", "/v1/score/batch", `{"items":[` + strings.Repeat(`{"response":"a"},`, 300) + `{"response":"a"}]}`, 413},
		{"GET", "/v1/verifiers", ``, 200},
		{"GET", "/v1/rubrics", ``, 200},
		{"GET", "/healthz", ``, 200},
		{"GET", "/readyz", ``, 200},
		{"GET", "/openapi.yaml", ``, 200},
		{"GET", "/docs", ``, 200},
		{"GET", "/metrics", ``, 200},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.body, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := httptest.NewRequest(tt.method, "http://referee.test"+tt.path, body)
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("route not in spec: %v", err)
			}
			ctx := context.Background()
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if tt.body != "" {
				req.Body = io.NopCloser(strings.NewReader(tt.body))
				if tt.status < 400 {
					if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
						t.Errorf("request does not match the spec: %v", err)
					}
				}
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
				Options: &openapi3filter.Options{IncludeResponseStatus: true,
					// kin-openapi decodes neither HTML nor YAML documents as strings;
					// their content types are still checked.
					ExcludeResponseBody: tt.path == "/docs" || tt.path == "/openapi.yaml"}}
			out.SetBodyBytes(rec.Body.Bytes())
			if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
				t.Errorf("response does not match the spec: %v\n%s", err, bytes.TrimSpace(rec.Body.Bytes()))
			}
		})
	}
}

func TestReadyzReportsDegradedAsReady(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		state      string
		status     int
		bodyStatus string
	}{{"ok", 200, "ok"}, {"degraded", 200, "degraded"}, {"down", 503, "unavailable"}} {
		h := newHandler(t, server.Dependency{Name: "redis", Status: func(context.Context) (string, string) { return tc.state, "x" }})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		var body struct {
			Status       string
			Dependencies map[string]struct{ State string }
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tc.status || body.Status != tc.bodyStatus || body.Dependencies["redis"].State != tc.state {
			t.Errorf("redis %s: %d %s", tc.state, rec.Code, rec.Body)
		}
	}
}

func TestVerifierExamplesScoreAsDocumented(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/verifiers", nil))
	var list struct{ Verifiers []verifiers.Spec }
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Verifiers {
		if len(s.Examples) == 0 || !json.Valid(s.ReferenceSchema) || !json.Valid(s.ParamsSchema) {
			t.Errorf("%s: a verifier needs examples and JSON Schemas", s.Name)
		}
		for _, ex := range s.Examples {
			body, _ := json.Marshal(map[string]any{"verifier": s.Name, "reference": ex.Reference, "params": ex.Params, "prompt": ex.Prompt, "response": ex.Response})
			req := httptest.NewRequest("POST", "/v1/score", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var res scoring.Result
			_ = json.Unmarshal(rec.Body.Bytes(), &res)
			if rec.Code != 200 || res.Reward != ex.Score {
				t.Errorf("%s example %q: %d reward %v, want %v: %s", s.Name, ex.Name, rec.Code, res.Reward, ex.Score, rec.Body)
			}
		}
	}
}

// Bodies in flight are bounded in bytes: while one body of unknown length
// (counted at MaxBody) is being read, a second POST over the budget gets a
// 503 with Retry-After, without its body being read; once the first ends,
// POSTs are admitted again.
func TestInflightBodyBudget(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := verifiers.NewRegistry(stringmatch.New())
	m := metrics.New()
	sc, err := scoring.New(scoring.Config{
		Registry: reg,
		Engine:   verifiers.NewEngine(verifiers.EngineConfig{Concurrency: 1, Timeout: time.Second, Logger: quiet}),
		Cache:    cache.New(cache.Config{Entries: 100, TTL: time.Minute}),
		Logger:   quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(server.Config{Scorer: sc, Registry: reg, Metrics: m, Logger: quiet, MaxBody: 4096, MaxInflightBytes: 6000, MaxBatch: 10, Version: "test"})
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := `{"verifier":"string_match","reference":"a","response":"a"}`
	pr, pw := io.Pipe()
	slow := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/score", pr) // no Content-Length: counted at MaxBody
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	if _, err := pw.Write([]byte(body[:10])); err != nil {
		t.Fatal(err)
	}
	post := func() *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/score", strings.NewReader(strings.Repeat(" ", 2500)+body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.ReadAll(resp.Body)
		return resp
	}
	// 4096 held by the slow body; 2,558 more would pass 6,000.
	var resp *http.Response
	for deadline := time.Now().Add(5 * time.Second); ; {
		if resp = post(); resp.StatusCode == http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond) // the slow request is not in its handler yet
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("over the budget: status %d, Retry-After %q, %s; want a 503 problem with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
	}
	if _, err := pw.Write([]byte(body[10:])); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if code := <-slow; code != http.StatusOK {
		t.Fatalf("the slow request: status %d, want 200", code)
	}
	if resp := post(); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the slow body ended: status %d, want 200", resp.StatusCode)
	}
}

// An item with a field of the wrong type or an unknown field gets its own
// error; the other items of its batch are scored.
func TestBatchItemDecodeErrorsStayInTheirItem(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	body := `{"defaults":{"verifier":"string_match","reference":"a"},"items":[
		{"id":"ok","response":"a"},
		{"id":"typed","response":5},
		{"id":"unknown","response":"a","options":{"cachex":true}},
		7,
		{"id":"also-ok","response":"b"}]}`
	req := httptest.NewRequest("POST", "/v1/score/batch", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
	}
	var out struct {
		Results []struct {
			ID     string  `json:"id"`
			Reward float64 `json:"reward"`
			Error  *struct {
				Status int `json:"status"`
				Errors []struct {
					Field string `json:"field"`
				} `json:"errors"`
			} `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id     string
		reward float64
		status int
		field  string
	}{
		{"ok", 1, 0, ""},
		{"typed", 0, 400, "response"},
		{"unknown", 0, 400, "cachex"},
		{"", 0, 400, ""},
		{"also-ok", 0, 0, ""},
	}
	if len(out.Results) != len(want) {
		t.Fatalf("%d results, want %d: %s", len(out.Results), len(want), rec.Body)
	}
	for i, w := range want {
		r := out.Results[i]
		status, field := 0, ""
		if r.Error != nil {
			status = r.Error.Status
			if len(r.Error.Errors) > 0 {
				field = r.Error.Errors[0].Field
			}
		}
		if r.ID != w.id || r.Reward != w.reward || status != w.status || (w.field != "" && !strings.HasSuffix(field, w.field)) {
			t.Errorf("item %d: id %q reward %v status %d field %q; want id %q reward %v status %d field %q",
				i, r.ID, r.Reward, status, field, w.id, w.reward, w.status, w.field)
		}
	}
}

// Health probes may use HEAD: every GET route answers it, without a body.
func TestHeadOnGetRoutes(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newHandler(t, server.Dependency{Name: "redis", Status: func(context.Context) (string, string) { return "down", "x" }}))
	defer srv.Close()
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503, "/metrics": 200, "/v1/verifiers": 200, "/docs": 200} {
		resp, err := http.Head(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || len(b) != 0 {
			t.Errorf("HEAD %s: %d with %d body bytes, want %d and none", path, resp.StatusCode, len(b), want)
		}
	}
}

// A compressed body is refused as such (415 with the accepted coding), not
// read as malformed JSON.
func TestContentEncodingIsRefused(t *testing.T) {
	t.Parallel()
	h := newHandler(t)
	for _, ce := range []string{"gzip", "br", "identity"} {
		req := httptest.NewRequest("POST", "/v1/score", strings.NewReader(`{"verifier":"string_match","reference":"a","response":"a"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", ce)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		want, accept := 415, "identity"
		if ce == "identity" {
			want, accept = 200, ""
		}
		if rec.Code != want || rec.Header().Get("Accept-Encoding") != accept {
			t.Errorf("Content-Encoding %s: %d Accept-Encoding %q, want %d %q", ce, rec.Code, rec.Header().Get("Accept-Encoding"), want, accept)
		}
	}
}
