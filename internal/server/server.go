// Package server is referee's HTTP API: echo routes, middleware and the one
// error handler that turns every error into RFC 9457 problem details.
package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/semaphore"

	"github.com/referee/referee/internal/jsonbody"
	"github.com/referee/referee/internal/metrics"
	"github.com/referee/referee/internal/problem"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/internal/validation"
	"github.com/referee/referee/rubric"
	"github.com/referee/referee/verifiers"
)

// Dependency is something /readyz reports on. Status returns "ok",
// "degraded" (scoring goes on without it) or "down" (the service cannot
// score), with a human detail.
type Dependency struct {
	Name   string
	Status func(ctx context.Context) (state, detail string)
}

// Config configures the HTTP API.
type Config struct {
	Scorer   *scoring.Scorer
	Registry *verifiers.Registry
	Metrics  *metrics.Metrics
	Logger   *slog.Logger
	// APIKeys, when non-empty, are required as "Authorization: Bearer KEY"
	// on every /v1 route and its /score aliases.
	APIKeys []string
	// MaxBody bounds a request body in bytes.
	MaxBody int64
	// MaxBatch bounds the items of a batch.
	MaxBatch int
	// Dependencies are reported by /readyz.
	Dependencies []Dependency
	// OpenAPI is the spec served at /openapi.yaml; Docs the page at /docs.
	OpenAPI []byte
	Docs    []byte
	// Validator validates request structs (shared with the scoring flow).
	Validator *validation.Validator
	// Version is reported by /healthz.
	Version string
	// RetryAfter is the Retry-After value sent with 503 (seconds).
	RetryAfter int
	// MaxInflightBytes bounds the request bodies held at once, counted by
	// Content-Length (MaxBody when unknown); 0 means 32 × MaxBody. A POST
	// beyond it is answered 503 with Retry-After before its body is read.
	MaxInflightBytes int64
}

// Server holds the handlers' state.
type Server struct {
	cfg       Config
	keys      [][32]byte
	validator *validation.Validator
	bufs      sync.Pool // *bytes.Buffer for request bodies
	outs      sync.Pool // *[]byte for encoded responses
	inflight  *semaphore.Weighted
}

// New returns the echo instance serving the API.
func New(cfg Config) *echo.Echo {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 1
	}
	if cfg.Validator == nil {
		cfg.Validator = validation.New()
	}
	if cfg.MaxInflightBytes <= 0 {
		cfg.MaxInflightBytes = 32 * cfg.MaxBody
	}
	cfg.MaxInflightBytes = max(cfg.MaxInflightBytes, cfg.MaxBody)
	s := &Server{cfg: cfg, validator: cfg.Validator, inflight: semaphore.NewWeighted(cfg.MaxInflightBytes)}
	s.bufs.New = func() any { return new(bytes.Buffer) }
	s.outs.New = func() any { b := make([]byte, 0, 4096); return &b }
	for _, k := range cfg.APIKeys {
		s.keys = append(s.keys, sha256.Sum256([]byte(k)))
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Validator = s.validator
	e.HTTPErrorHandler = s.handleError
	e.Use(s.observe, s.recoverPanics, s.admitBody)

	auth := s.requireKey
	e.POST("/v1/score", s.score, auth)
	e.POST("/score", s.score, auth)
	e.POST("/v1/score/batch", s.scoreBatch, auth)
	e.POST("/score/batch", s.scoreBatch, auth)
	// Every GET route answers HEAD too (RFC 9110 §9.3.2), which health
	// probes use; net/http drops the body.
	get := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		e.GET(path, h, m...)
		e.HEAD(path, h, m...)
	}
	get("/v1/verifiers", s.listVerifiers, auth)
	get("/v1/rubrics", s.listRubrics, auth)
	get("/healthz", s.healthz)
	get("/readyz", s.readyz)
	get("/metrics", echo.WrapHandler(promhttp.HandlerFor(cfg.Metrics.Registry, promhttp.HandlerOpts{})))
	get("/openapi.yaml", func(c echo.Context) error { return c.Blob(http.StatusOK, "application/yaml", cfg.OpenAPI) })
	get("/docs", func(c echo.Context) error { return c.HTMLBlob(http.StatusOK, cfg.Docs) })
	return e
}

// observe records metrics and a debug log line for every request.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		done := s.cfg.Metrics.Started()
		defer done()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || route == "/*" {
			route = "unmatched"
		}
		status := c.Response().Status
		d := time.Since(start)
		s.cfg.Metrics.Request(route, c.Request().Method, status, d)
		if s.cfg.Logger.Enabled(c.Request().Context(), slog.LevelDebug) {
			s.cfg.Logger.Debug("request", "method", c.Request().Method, "path", c.Request().URL.Path, "status", status, "elapsed", d)
		}
		return nil
	}
}

// recoverPanics turns a handler panic into a 500 problem; the process lives on.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.cfg.Logger.Error("handler panicked", "path", c.Request().URL.Path, "panic", fmt.Sprint(r))
				err = fmt.Errorf("handler panic: %v", r)
			}
		}()
		return next(c)
	}
}

// RequireKey returns middleware that requires "Authorization: Bearer KEY"
// with one of keys (compared in constant time); with no keys it lets every
// request through. Routes mounted outside this package use it to share the
// API's authentication.
func RequireKey(keys []string) echo.MiddlewareFunc {
	s := &Server{}
	for _, k := range keys {
		s.keys = append(s.keys, sha256.Sum256([]byte(k)))
	}
	return s.requireKey
}

func (s *Server) requireKey(next echo.HandlerFunc) echo.HandlerFunc {
	if len(s.keys) == 0 {
		return next
	}
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		// The scheme is case-insensitive (RFC 9110); the key is not.
		token, ok := "", len(h) > 7 && strings.EqualFold(h[:7], "Bearer ")
		if ok {
			token = h[7:]
		}
		if ok {
			// Comparing fixed-size digests in constant time hides both the
			// key's content and its length; every key is compared.
			sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
			match := 0
			for _, k := range s.keys {
				match |= subtle.ConstantTimeCompare(sum[:], k[:])
			}
			if match == 1 {
				return next(c)
			}
		}
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="referee"`)
		return problem.New(http.StatusUnauthorized, "unauthorized", "Unauthorized", "send Authorization: Bearer <API key>")
	}
}

// handleError is echo's HTTPErrorHandler: every error becomes problem+json.
// Echo's default would turn wrapped errors into 500s.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var d problem.Details
	var he *echo.HTTPError
	if errors.As(err, &he) {
		d = fromEcho(he)
		switch he.Code {
		case http.StatusNotFound:
			d.Detail = fmt.Sprintf("no route %s %s; see /docs", c.Request().Method, c.Request().URL.Path)
		case http.StatusMethodNotAllowed:
			d.Detail = fmt.Sprintf("%s is not allowed on %s; see /docs", c.Request().Method, c.Request().URL.Path)
		}
	} else {
		d = problem.From(err)
	}
	if d.Status >= 500 && d.Status != http.StatusServiceUnavailable {
		s.cfg.Logger.Error("request failed", "path", c.Request().URL.Path, "err", err)
	}
	if d.Status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", fmt.Sprint(s.cfg.RetryAfter))
	}
	writeProblem(c, d)
}

func writeProblem(c echo.Context, d problem.Details) {
	b, _ := json.Marshal(d)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(d.Status)
		return
	}
	_ = c.Blob(d.Status, "application/problem+json", b)
}

func fromEcho(he *echo.HTTPError) problem.Details {
	msg := fmt.Sprint(he.Message)
	title := http.StatusText(he.Code)
	typ := strings.ToLower(strings.ReplaceAll(title, " ", "-"))
	if title == "" {
		title, typ = "Error", "error"
	}
	return problem.Details{Type: problem.TypeBase + typ, Title: title, Status: he.Code, Detail: msg}
}

// admitBody bounds the request bytes held at once: every body is read
// whole into memory, and many large bodies together could otherwise
// exhaust it long before any one of them reaches REFEREE_MAX_BODY. It runs
// for every POST, the compatibility endpoints' included.
func (s *Server) admitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodPost {
			return next(c)
		}
		if ce := req.Header.Get(echo.HeaderContentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
			// The body would otherwise be read as JSON and fail as
			// malformed; RFC 9110 §15.5.16 asks for 415 and the codings
			// that are accepted.
			c.Response().Header().Set("Accept-Encoding", "identity")
			return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
				fmt.Sprintf("Content-Encoding %q is not supported: send the body uncompressed", ce))
		}
		n := req.ContentLength
		if n < 0 || n > s.cfg.MaxBody {
			// Unknown, or over the limit (the handler answers 413 without
			// reading it): count the most a handler will read.
			n = s.cfg.MaxBody
		}
		if !s.inflight.TryAcquire(n) {
			return problem.New(http.StatusServiceUnavailable, "overloaded", "Overloaded",
				fmt.Sprintf("this body of %d bytes would take the request bodies in flight past %d bytes (REFEREE_MAX_INFLIGHT_BYTES); retry after the Retry-After delay", n, s.cfg.MaxInflightBytes))
		}
		defer s.inflight.Release(n)
		return next(c)
	}
}

// readBody reads a JSON body within the size limit into a pooled buffer.
func (s *Server) readBody(c echo.Context) (*bytes.Buffer, error) {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			fmt.Sprintf("Content-Type is %q; send application/json", ct))
	}
	if req.ContentLength > s.cfg.MaxBody {
		return nil, tooLarge(s.cfg.MaxBody)
	}
	buf := s.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	_, err = buf.ReadFrom(http.MaxBytesReader(c.Response(), req.Body, s.cfg.MaxBody))
	if err != nil {
		s.putBuf(buf)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(s.cfg.MaxBody)
		}
		return nil, problem.BadRequest("reading the body: " + err.Error())
	}
	return buf, nil
}

func (s *Server) putBuf(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 { // don't keep huge buffers alive
		s.bufs.Put(b)
	}
}

func tooLarge(limit int64) error {
	return problem.New(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
		fmt.Sprintf("the body is over the limit of %d bytes (REFEREE_MAX_BODY)", limit))
}

func (s *Server) score(c echo.Context) error {
	buf, err := s.readBody(c)
	if err != nil {
		return err
	}
	defer s.putBuf(buf)
	var req scoring.Request
	if err := jsonbody.Decode(buf.Bytes(), &req, true); err != nil {
		return err
	}
	res, err := s.cfg.Scorer.Score(c.Request().Context(), &req)
	if err != nil {
		return err
	}
	return s.writeAppender(c, &res)
}

func (s *Server) scoreBatch(c echo.Context) error {
	buf, err := s.readBody(c)
	if err != nil {
		return err
	}
	defer s.putBuf(buf)
	n, counted := countItems(buf.Bytes())
	if counted && n > s.cfg.MaxBatch {
		return batchTooLarge(n, s.cfg.MaxBatch)
	}
	var req scoring.BatchRequest
	if counted {
		// The decoder fills the capacity it is given: one allocation
		// instead of a slice grown item by item.
		req.Items = make([]scoring.Request, 0, n)
	}
	if err := jsonbody.Decode(buf.Bytes(), &req, true); err != nil {
		if req, err = decodeItems(buf.Bytes(), err); err != nil {
			return err
		}
	}
	if err := c.Validate(&req); err != nil {
		return err
	}
	if len(req.Items) > s.cfg.MaxBatch {
		return batchTooLarge(len(req.Items), s.cfg.MaxBatch)
	}
	if req.Defaults != nil && req.Defaults.Response != nil {
		return problem.Field("defaults.response", "is not allowed: every item carries its own response")
	}
	s.cfg.Metrics.Batch(len(req.Items))
	results, st, err := s.cfg.Scorer.ScoreBatch(c.Request().Context(), req.Defaults, req.Items)
	if err != nil {
		return err
	}
	return s.writeAppender(c, &scoring.BatchResponse{Results: results, Stats: st})
}

// decodeItems decodes a batch whose one-pass decoding failed item by item,
// so that an item with a field of the wrong type gets its own error and
// the others are still scored. When the body itself is at fault (not JSON,
// not an object, bad defaults), it returns the first error, orig.
func decodeItems(body []byte, orig error) (scoring.BatchRequest, error) {
	var raw struct {
		Defaults *scoring.Request  `json:"defaults,omitempty"`
		Items    []json.RawMessage `json:"items"`
	}
	if err := jsonbody.Decode(body, &raw, true); err != nil {
		return scoring.BatchRequest{}, orig
	}
	req := scoring.BatchRequest{Defaults: raw.Defaults, Items: make([]scoring.Request, len(raw.Items))}
	for i, item := range raw.Items {
		if err := jsonbody.Decode(item, &req.Items[i], true); err != nil {
			// Keep the item's id, when it has a valid one, to match
			// its error to it.
			var id struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(item, &id)
			req.Items[i] = scoring.Request{ID: id.ID, Err: err}
		}
	}
	return req, nil
}

func batchTooLarge(n, limit int) error {
	e := problem.New(http.StatusRequestEntityTooLarge, "batch-too-large", "Batch too large",
		fmt.Sprintf("%d items, over the limit of %d (REFEREE_MAX_BATCH); split the batch", n, limit))
	e.Errors = []verifiers.FieldError{{Field: "items", Message: fmt.Sprintf("at most %d items", limit)}}
	return e
}

// appender is a value that encodes itself without reflection.
type appender interface {
	AppendJSON([]byte) ([]byte, error)
}

// writeAppender writes a 200 JSON response through a pooled buffer.
func (s *Server) writeAppender(c echo.Context, v appender) error {
	bp := s.outs.Get().(*[]byte)
	b, err := v.AppendJSON((*bp)[:0])
	if err != nil {
		return err
	}
	b = append(b, '\n')
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	err = c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
	if cap(b) <= 1<<20 {
		*bp = b
		s.outs.Put(bp)
	}
	return err
}

// writeJSON encodes v through a pooled buffer (echo's c.JSON streams
// through an encoder per call).
func (s *Server) writeJSON(c echo.Context, status int, v any) error {
	buf := s.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer s.putBuf(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	// An explicit length spares large results chunked encoding.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.Blob(status, echo.MIMEApplicationJSON, buf.Bytes())
}

func (s *Server) listVerifiers(c echo.Context) error {
	return s.writeJSON(c, http.StatusOK, map[string]any{"verifiers": s.cfg.Registry.Specs()})
}

func (s *Server) listRubrics(c echo.Context) error {
	defs := s.cfg.Scorer.Rubrics()
	if defs == nil {
		defs = []rubric.Definition{}
	}
	return s.writeJSON(c, http.StatusOK, map[string]any{
		"rubrics":   defs,
		"variables": []string{rubric.VarResponseLength, rubric.VarResponseWords},
		"functions": rubric.Functions,
	})
}

func (s *Server) healthz(c echo.Context) error {
	return s.writeJSON(c, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// readyz answers 200 while the service can score. A degraded dependency
// (Redis down: scoring goes on from memory) is reported, not failed.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	deps := map[string]map[string]string{}
	status, code := "ok", http.StatusOK
	for _, d := range s.cfg.Dependencies {
		state, detail := d.Status(ctx)
		deps[d.Name] = map[string]string{"state": state, "detail": detail}
		switch state {
		case "down":
			status, code = "unavailable", http.StatusServiceUnavailable
		case "degraded":
			if status == "ok" {
				status = "degraded"
			}
		}
	}
	if code != http.StatusOK {
		c.Response().Header().Set("Retry-After", fmt.Sprint(s.cfg.RetryAfter))
	}
	return s.writeJSON(c, code, map[string]any{"status": status, "dependencies": deps})
}
