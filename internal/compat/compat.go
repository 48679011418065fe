// Package compat serves endpoints that speak other tools' protocols, so
// trainers drop referee in without glue code: OpenRLHF's remote reward model
// (POST /compat/openrlhf) and OpenAI's reinforcement fine-tuning graders
// (POST /v1/fine_tuning/alpha/graders/run and /validate). Every endpoint
// translates its protocol into scoring requests and calls the one scoring
// flow in internal/scoring; none scores anything itself.
package compat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/referee/referee/internal/problem"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/rubric"
	"github.com/referee/referee/verifiers"
)

// DefaultOpenRLHFPath is where the OpenRLHF endpoint is always served.
const DefaultOpenRLHFPath = "/compat/openrlhf"

// Config configures the compatibility endpoints.
type Config struct {
	// Scorer is the scoring flow every endpoint calls.
	Scorer *scoring.Scorer
	// Lookup finds a registered verifier (verifiers.Registry.Lookup).
	Lookup func(name string) (verifiers.Verifier, bool)
	// Compiler compiles the formulas of multi graders (rubric.NewCompiler).
	Compiler *rubric.Compiler
	// Auth, when set, protects every endpoint (server.RequireKey).
	Auth echo.MiddlewareFunc
	// MaxBody bounds a request body in bytes (default 8 MiB).
	MaxBody int64
	// MaxBatch is the chunk size in which an OpenRLHF call is scored
	// (default 4096); a call may hold any number of queries within MaxBody.
	MaxBatch int
	// OpenRLHF holds the default scoring of /compat/openrlhf; Routes adds
	// further paths, each with its own defaults (for example one path per
	// reward in a multi-reward run).
	OpenRLHF OpenRLHF
	Routes   []OpenRLHF
}

// OpenRLHF says how an OpenRLHF path scores its queries. Query parameters
// (?verifier=, ?rubric=, ?labels=, ?params=) override it per call.
type OpenRLHF struct {
	// Path is the route (ignored for Config.OpenRLHF, which is always
	// DefaultOpenRLHFPath).
	Path string
	// Verifier or Rubric (a configured rubric's name) scores each rollout;
	// at most one is set.
	Verifier string
	Rubric   string
	// Params are the verifier's params (JSON object).
	Params json.RawMessage
	// Labels says how a label becomes the reference: "raw" (default, the
	// label's JSON value as sent: a string label is a string reference) or
	// "json" (a string label holds a JSON document, which is the reference).
	Labels string
}

// Register mounts the endpoints on e. It fails when the configuration is
// invalid or the grader verifiers (Verifiers) are not registered.
func Register(e *echo.Echo, cfg Config) error {
	if cfg.Scorer == nil || cfg.Lookup == nil {
		return errors.New("compat: Scorer and Lookup are required")
	}
	if cfg.Compiler == nil {
		cfg.Compiler = rubric.NewCompiler(256)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 8 << 20
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 4096
	}
	for _, v := range Verifiers() {
		if _, ok := cfg.Lookup(v.Spec().Name); !ok {
			return fmt.Errorf("compat: verifier %q is not registered; register compat.Verifiers()", v.Spec().Name)
		}
	}
	var mw []echo.MiddlewareFunc
	if cfg.Auth != nil {
		mw = append(mw, cfg.Auth)
	}
	def := cfg.OpenRLHF
	def.Path = DefaultOpenRLHFPath
	routes := append([]OpenRLHF{def}, cfg.Routes...)
	seen := map[string]bool{}
	for _, r := range routes {
		if !strings.HasPrefix(r.Path, "/") {
			return fmt.Errorf("compat: OpenRLHF path %q must start with /", r.Path)
		}
		if seen[r.Path] {
			return fmt.Errorf("compat: OpenRLHF path %q is configured twice", r.Path)
		}
		seen[r.Path] = true
		if r.Verifier != "" && r.Rubric != "" {
			return fmt.Errorf("compat: OpenRLHF path %s: set a verifier or a rubric, not both", r.Path)
		}
		if r.Verifier != "" {
			if _, ok := cfg.Lookup(r.Verifier); !ok {
				return fmt.Errorf("compat: OpenRLHF path %s: unknown verifier %q", r.Path, r.Verifier)
			}
		}
		if err := checkLabels(r.Labels); err != nil {
			return fmt.Errorf("compat: OpenRLHF path %s: %w", r.Path, err)
		}
		if len(r.Params) > 0 && !json.Valid(r.Params) {
			return fmt.Errorf("compat: OpenRLHF path %s: params are not valid JSON", r.Path)
		}
		h := &openRLHFHandler{cfg: &cfg, route: r}
		e.POST(r.Path, h.serve, mw...)
	}
	g := &graderHandler{cfg: &cfg}
	e.POST("/v1/fine_tuning/alpha/graders/run", g.run, mw...)
	e.POST("/v1/fine_tuning/alpha/graders/validate", g.validate, mw...)
	return nil
}

func checkLabels(mode string) error {
	switch mode {
	case "", "raw", "json":
		return nil
	}
	return fmt.Errorf("labels mode %q: want raw or json", mode)
}

// readBody reads a JSON body within limit.
func readBody(c echo.Context, limit int64) ([]byte, error) {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			fmt.Sprintf("Content-Type is %q; send application/json", ct))
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, problem.New(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
				fmt.Sprintf("the body is over the limit of %d bytes (REFEREE_MAX_BODY)", limit))
		}
		return nil, problem.BadRequest("reading the body: " + err.Error())
	}
	return b, nil
}

// writeJSON writes v with a 200.
func writeJSON(c echo.Context, b []byte) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}
