// Package remote is the remote verifier kind: a verifier whose scoring runs
// in an HTTP service written in any language, behind referee's cache,
// de-duplication, deadlines, retries, circuit breaker and metrics.
//
// The protocol (version 1) is three calls under the configured base URL:
//
//	POST <url>/score    {"reference": any, "params": object|null, "prompt": string, "response": string}
//	                    -> 200 {"score": number, "details": object}
//	POST <url>/prepare  {"reference": any, "params": object|null}            (only with prepare: true)
//	                    -> 200 when valid; 422 {"errors": [{"field": "reference", "message": "..."}]} when not
//	GET  <url>/healthz  -> 200 when healthy (reported on referee's /readyz)
//
// "prompt" is sent only when the verifier is configured to read it (it is
// then part of the cache key). Scoring must be deterministic and free of
// side effects: referee caches results and retries calls that failed
// transiently (connection errors, timeouts, 429, 502, 503, 504).
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	"github.com/referee/referee/verifiers"
)

// Defaults of Config.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultConcurrency     = 16
	DefaultRetries         = 2
	DefaultBackoff         = 50 * time.Millisecond
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 10 * time.Second
)

// Limits on what crosses the wire.
const (
	maxReferenceBytes = 4 << 20
	maxResponseBytes  = 1 << 20 // the remote's answer
	maxBackoff        = 2 * time.Second
)

// Config configures one remote verifier.
type Config struct {
	// Name is the registry name; Version is part of every cache key, so
	// bump it whenever the remote's scoring changes.
	Name    string `yaml:"name"`
	URL     string `yaml:"url"`
	Version string `yaml:"version"`
	// Description is shown on /v1/verifiers.
	Description string `yaml:"description"`
	// Timeout bounds one HTTP attempt (default 10s). The engine's task
	// deadline (REFEREE_TASK_TIMEOUT) bounds all attempts together.
	Timeout time.Duration `yaml:"timeout"`
	// Concurrency bounds the calls in flight to the service (default 16).
	Concurrency int `yaml:"concurrency"`
	// Retries is how many times a transient failure is retried (default 2;
	// -1 disables retries). Backoff is the first wait, doubled each time
	// (default 50ms, at most 2s, with jitter).
	Retries int           `yaml:"retries"`
	Backoff time.Duration `yaml:"backoff"`
	// ReadsPrompt sends the prompt and makes it part of the cache key
	// (default true; set false for a better hit rate when the service
	// ignores the prompt).
	ReadsPrompt *bool `yaml:"reads_prompt"`
	// Prepare validates each distinct (reference, params) with
	// POST <url>/prepare, so a bad reference is a 422 for the client.
	Prepare bool `yaml:"prepare"`
	// BreakerFailures consecutive failures open the circuit for
	// BreakerCooldown (defaults 5 and 10s); then one probe call decides.
	BreakerFailures int           `yaml:"breaker_failures"`
	BreakerCooldown time.Duration `yaml:"breaker_cooldown"`
	// Headers are sent with every call (for example Authorization).
	Headers map[string]string `yaml:"headers"`
	// ReferenceSchema and ParamsSchema document the task for /v1/verifiers
	// (JSON Schema; default: anything, and an object).
	ReferenceSchema json.RawMessage `yaml:"-"`
	ParamsSchema    json.RawMessage `yaml:"-"`

	// Registerer receives the metrics (nil: none). Several remote
	// verifiers share one set of metrics, labelled by verifier.
	Registerer prometheus.Registerer `yaml:"-"`
	// Client is the HTTP client (default: a client with pooled connections).
	Client *http.Client `yaml:"-"`
}

// Verifier is a remote verifier. It is safe for concurrent use.
type Verifier struct {
	cfg         Config
	spec        verifiers.Spec
	base        string
	readsPrompt bool
	client      *http.Client
	slots       chan struct{}
	breaker     *gobreaker.CircuitBreaker[verifiers.Result]
	m           *metrics
}

var (
	_ verifiers.Verifier = (*Verifier)(nil)
	_ verifiers.Checker  = (*Verifier)(nil)
	_ verifiers.Closer   = (*Verifier)(nil)
)

// New validates cfg and returns the verifier. It makes no network call.
func New(cfg Config) (*Verifier, error) {
	if cfg.Name == "" {
		return nil, errors.New("remote verifier: name is required")
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("remote verifier %q: %s", cfg.Name, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fail("url %q: want an absolute http:// or https:// URL", cfg.URL)
	}
	if cfg.Version == "" {
		return nil, fail("version is required: it is part of every cache key, bump it when the scoring changes")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.BreakerFailures == 0 {
		cfg.BreakerFailures = DefaultBreakerFailures
	}
	if cfg.BreakerCooldown == 0 {
		cfg.BreakerCooldown = DefaultBreakerCooldown
	}
	if cfg.Timeout < 0 || cfg.Concurrency < 0 || cfg.Backoff < 0 || cfg.BreakerFailures < 0 || cfg.BreakerCooldown < 0 {
		return nil, fail("timeout, concurrency, backoff and breaker settings must not be negative")
	}
	if len(cfg.ReferenceSchema) == 0 {
		cfg.ReferenceSchema = json.RawMessage(`{}`)
	}
	if len(cfg.ParamsSchema) == 0 {
		cfg.ParamsSchema = json.RawMessage(`{"type":"object"}`)
	}
	if !json.Valid(cfg.ReferenceSchema) || !json.Valid(cfg.ParamsSchema) {
		return nil, fail("reference_schema and params_schema must be JSON")
	}
	v := &Verifier{
		cfg:         cfg,
		base:        strings.TrimSuffix(cfg.URL, "/"),
		readsPrompt: cfg.ReadsPrompt == nil || *cfg.ReadsPrompt,
		client:      cfg.Client,
		slots:       make(chan struct{}, cfg.Concurrency),
	}
	if v.client == nil {
		v.client = &http.Client{Transport: &http.Transport{
			Proxy:               nil, // loopback and cluster-internal services: never through a proxy
			MaxIdleConns:        cfg.Concurrency,
			MaxIdleConnsPerHost: cfg.Concurrency,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	desc := cfg.Description
	if desc == "" {
		desc = "Remote verifier at " + v.base
	}
	v.spec = verifiers.Spec{
		Name: cfg.Name, Version: cfg.Version, Description: desc, ReadsPrompt: v.readsPrompt,
		ReferenceSchema: cfg.ReferenceSchema, ParamsSchema: cfg.ParamsSchema,
	}
	if v.m, err = newMetrics(cfg.Registerer); err != nil {
		return nil, fail("metrics: %v", err)
	}
	v.m.state.WithLabelValues(cfg.Name).Set(0)
	v.breaker = gobreaker.NewCircuitBreaker[verifiers.Result](gobreaker.Settings{
		Name:        cfg.Name,
		MaxRequests: 1,
		Timeout:     cfg.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= uint32(cfg.BreakerFailures) },
		// Only the service's own failures count: a request it rejected
		// (4xx) shows it is up, and a caller that went away says nothing.
		IsSuccessful: func(err error) bool {
			var ce *callError
			return err == nil || (errors.As(err, &ce) && !ce.serverFault)
		},
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(name string, _, to gobreaker.State) {
			v.m.state.WithLabelValues(name).Set(float64(to))
		},
	})
	return v, nil
}

// Spec implements verifiers.Verifier.
func (v *Verifier) Spec() verifiers.Spec { return v.spec }

// Close releases idle connections.
func (v *Verifier) Close() error {
	v.client.CloseIdleConnections()
	return nil
}

// Check reports the circuit breaker and, when it is closed, the service's
// /healthz, for /readyz.
func (v *Verifier) Check(ctx context.Context) error {
	if st := v.breaker.State(); st == gobreaker.StateOpen {
		return fmt.Errorf("circuit open after %d consecutive failures", v.cfg.BreakerFailures)
	}
	ctx, cancel := context.WithTimeout(ctx, min(v.cfg.Timeout, 2*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.base+"/healthz", nil)
	if err != nil {
		return err
	}
	v.setHeaders(req)
	resp, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s/healthz: %w", v.base, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/healthz: status %d", v.base, resp.StatusCode)
	}
	return nil
}

type task struct {
	v         *Verifier
	reference json.RawMessage
	params    json.RawMessage
	// validated is false when /prepare could not be reached: the first
	// Score validates instead, so a transient failure is not remembered
	// with the prepared task.
	mu        sync.Mutex
	validated bool
}

// Prepare implements verifiers.Verifier. It checks sizes and shapes, and
// asks the service to validate the task when configured to.
func (v *Verifier) Prepare(reference, params json.RawMessage) (verifiers.Task, error) {
	if len(reference) > maxReferenceBytes {
		return nil, verifiers.Invalidf("reference", "is %d bytes, over the limit of %d", len(reference), maxReferenceBytes)
	}
	p := bytes.TrimSpace(params)
	if len(p) > 0 && !bytes.Equal(p, []byte("null")) && p[0] != '{' {
		return nil, verifiers.Invalidf("params", "want an object")
	}
	t := &task{v: v, reference: nonEmpty(reference), params: nonEmpty(params), validated: !v.cfg.Prepare}
	if v.cfg.Prepare {
		ctx, cancel := context.WithTimeout(context.Background(), v.cfg.Timeout*time.Duration(v.cfg.Retries+1))
		defer cancel()
		err := t.validate(ctx)
		if _, invalid := verifiers.AsInvalid(err); invalid {
			return nil, err
		}
	}
	return t, nil
}

func nonEmpty(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// validate calls /prepare once it succeeds or answers definitively.
func (t *task) validate(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.validated {
		return nil
	}
	body, _ := json.Marshal(struct {
		Reference json.RawMessage `json:"reference"`
		Params    json.RawMessage `json:"params"`
	}{t.reference, t.params})
	_, err := t.v.breaker.Execute(func() (verifiers.Result, error) {
		_, err := t.v.call(ctx, "/prepare", body)
		return verifiers.Result{}, err
	})
	var ce *callError
	if err == nil || (errors.As(err, &ce) && ce.invalid != nil) {
		t.validated = true
	}
	if ce != nil && ce.invalid != nil {
		return ce.invalid
	}
	return err
}

// Score implements verifiers.Task.
func (t *task) Score(ctx context.Context, in verifiers.Input) (verifiers.Result, error) {
	if err := t.validate(ctx); err != nil {
		return verifiers.Result{}, err
	}
	req := scoreRequest{Reference: t.reference, Params: t.params, Response: in.Response}
	if t.v.readsPrompt {
		req.Prompt = &in.Prompt
	}
	body, err := json.Marshal(req)
	if err != nil {
		return verifiers.Result{}, err
	}
	res, err := t.v.breaker.Execute(func() (verifiers.Result, error) {
		b, err := t.v.call(ctx, "/score", body)
		if err != nil {
			return verifiers.Result{}, err
		}
		return decodeScore(b)
	})
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		t.v.m.requests.WithLabelValues(t.v.cfg.Name, "circuit_open").Inc()
		return verifiers.Result{}, fmt.Errorf("remote verifier %s: circuit open after %d consecutive failures; calls resume after %s", t.v.cfg.Name, t.v.cfg.BreakerFailures, t.v.cfg.BreakerCooldown)
	case err != nil:
		return verifiers.Result{}, err
	}
	return res, nil
}

type scoreRequest struct {
	Reference json.RawMessage `json:"reference"`
	Params    json.RawMessage `json:"params"`
	Prompt    *string         `json:"prompt,omitempty"`
	Response  string          `json:"response"`
}

type scoreResponse struct {
	Score   *float64        `json:"score"`
	Details json.RawMessage `json:"details"`
}

func decodeScore(b []byte) (verifiers.Result, error) {
	var r scoreResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return verifiers.Result{}, &callError{msg: fmt.Sprintf("the service answered invalid JSON: %v", err), serverFault: true}
	}
	if r.Score == nil || math.IsNaN(*r.Score) || math.IsInf(*r.Score, 0) {
		return verifiers.Result{}, &callError{msg: "the service's answer has no finite \"score\"", serverFault: true}
	}
	d := bytes.TrimSpace(r.Details)
	if len(d) == 0 || bytes.Equal(d, []byte("null")) {
		d = []byte("{}")
	} else if d[0] != '{' {
		return verifiers.Result{}, &callError{msg: "the service's \"details\" is not an object", serverFault: true}
	}
	return verifiers.Result{Score: *r.Score, Details: json.RawMessage(d)}, nil
}

// callError is a failed call to the service.
type callError struct {
	msg         string
	status      int
	retryable   bool // transient: worth another attempt
	serverFault bool // counts against the circuit breaker
	invalid     error
	retryAfter  time.Duration
}

func (e *callError) Error() string { return e.msg }

// call POSTs body to path with retries on transient failures, and returns
// the 200 answer's body.
func (v *Verifier) call(ctx context.Context, path string, body []byte) ([]byte, error) {
	wait := v.cfg.Backoff
	for attempt := 0; ; attempt++ {
		b, err := v.attempt(ctx, path, body)
		var ce *callError
		if err == nil || !errors.As(err, &ce) || !ce.retryable || attempt >= v.cfg.Retries || ctx.Err() != nil {
			return b, err
		}
		d := min(wait, maxBackoff)
		d = d/2 + rand.N(d/2+1) // jitter, so replicas do not retry in step
		d = max(d, ce.retryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return nil, err // no time left for another attempt
		}
		v.m.retries.WithLabelValues(v.cfg.Name).Inc()
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, err
		}
		wait *= 2
	}
}

func (v *Verifier) attempt(ctx context.Context, path string, body []byte) ([]byte, error) {
	select {
	case v.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-v.slots }()
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, v.cfg.Timeout)
	defer cancel()
	b, outcome, err := v.do(actx, path, body)
	if err != nil && ctx.Err() != nil {
		// The caller's deadline or cancellation, not this attempt's.
		err, outcome = fmt.Errorf("remote verifier %s: %w", v.cfg.Name, ctx.Err()), "canceled"
	}
	v.m.requests.WithLabelValues(v.cfg.Name, outcome).Inc()
	v.m.duration.WithLabelValues(v.cfg.Name).Observe(time.Since(start).Seconds())
	return b, err
}

func (v *Verifier) setHeaders(req *http.Request) {
	for k, val := range v.cfg.Headers {
		req.Header.Set(k, val)
	}
}

func (v *Verifier) do(ctx context.Context, path string, body []byte) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, "error", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	v.setHeaders(req)
	resp, err := v.client.Do(req)
	if err != nil {
		// Connection refused or reset, or this attempt's timeout: transient.
		return nil, "unreachable", &callError{msg: fmt.Sprintf("remote verifier %s: POST %s: %v", v.cfg.Name, path, err), retryable: true, serverFault: true}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, "unreachable", &callError{msg: fmt.Sprintf("remote verifier %s: reading the answer: %v", v.cfg.Name, err), retryable: true, serverFault: true}
	}
	if len(b) > maxResponseBytes {
		return nil, "error", &callError{msg: fmt.Sprintf("remote verifier %s: the answer is over %d bytes", v.cfg.Name, maxResponseBytes), serverFault: true}
	}
	ce := &callError{status: resp.StatusCode}
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
		return b, "ok", nil
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity:
		ce.invalid = invalidFrom(b)
		ce.msg = fmt.Sprintf("remote verifier %s: %v", v.cfg.Name, ce.invalid)
		return nil, "invalid", ce
	case s == http.StatusTooManyRequests || s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout:
		ce.retryable, ce.serverFault = true, s != http.StatusTooManyRequests
		ce.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	default:
		ce.serverFault = s >= 500
	}
	ce.msg = fmt.Sprintf("remote verifier %s: POST %s: status %d: %s", v.cfg.Name, path, resp.StatusCode, snippet(b))
	return nil, "http_" + strconv.Itoa(resp.StatusCode), ce
}

// invalidFrom reads a 400/422 body: {"errors":[{"field","message"}]} (as
// referee's problem documents have it) or {"detail": "..."} or
// {"error": "..."}.
func invalidFrom(b []byte) error {
	var body struct {
		Errors []verifiers.FieldError `json:"errors"`
		Detail string                 `json:"detail"`
		Error  string                 `json:"error"`
	}
	_ = json.Unmarshal(b, &body)
	if len(body.Errors) > 0 {
		return verifiers.Invalid(body.Errors...)
	}
	msg := body.Detail
	if msg == "" {
		msg = body.Error
	}
	if msg == "" {
		msg = "rejected by the remote verifier: " + snippet(b)
	}
	return verifiers.Invalidf("reference", "%s", msg)
}

func parseRetryAfter(h string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s > 0 {
		return min(time.Duration(s)*time.Second, 30*time.Second)
	}
	return 0
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// metrics are shared by every remote verifier on one registerer.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	retries  *prometheus.CounterVec
	state    *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "referee_remote_requests_total", Help: "Calls to remote verifiers by outcome (ok, invalid, unreachable, http_<status>, canceled, circuit_open).",
		}, []string{"verifier", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "referee_remote_request_duration_seconds", Help: "Latency of one call to a remote verifier.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"verifier"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "referee_remote_retries_total", Help: "Retries of transient remote verifier failures.",
		}, []string{"verifier"}),
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "referee_remote_breaker_state", Help: "Circuit breaker of a remote verifier: 0 closed, 1 half-open, 2 open.",
		}, []string{"verifier"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.requests, err = register(reg, m.requests)
	if err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.retries, err = register(reg, m.retries); err != nil {
		return nil, err
	}
	if m.state, err = register(reg, m.state); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// its name, so several remote verifiers share one metric family.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}
