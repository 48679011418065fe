package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/referee/referee/internal/compat"
	"github.com/referee/referee/internal/server"
	"github.com/referee/referee/openapi"
	"github.com/referee/referee/rubric"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, rest, err := parseConfig("referee serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", rest)
	}
	cfg.resolve()
	logger := newLogger(cfg, stderr)
	logger.Info("referee starting", append([]any{"version", version}, cfg.Effective()...)...)
	if cfg.CitationAllowPrivate {
		logger.Warn("!!! REFEREE_CITATION_ALLOW_PRIVATE is on: live citation fetches may reach loopback and private addresses. This is for tests only; never run it in production. !!!")
	}
	// A soft memory limit makes the GC work harder near it instead of
	// letting the heap double past the live cache: the default keeps a full
	// cache of default size under 200 MB resident.
	debug.SetMemoryLimit(cfg.MemoryLimit)
	a, err := newApp(cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	docs, err := openapi.Docs()
	if err != nil {
		return err
	}
	e := server.New(server.Config{
		Scorer:           a.scorer,
		Registry:         a.registry,
		Metrics:          a.metrics,
		Logger:           logger,
		APIKeys:          cfg.APIKeys,
		MaxBody:          cfg.MaxBody,
		MaxInflightBytes: cfg.MaxInflight,
		MaxBatch:         cfg.MaxBatch,
		Dependencies:     a.dependencies,
		OpenAPI:          openapi.Spec,
		Docs:             docs,
		Validator:        a.validator,
		Version:          version,
	})
	// The compatibility endpoints (OpenRLHF, OpenAI graders) share the API's
	// keys and limits and call the same scorer.
	openRLHF := compat.OpenRLHF{Verifier: cfg.OpenRLHFVerifier, Rubric: cfg.OpenRLHFRubric, Labels: cfg.OpenRLHFLabels}
	if cfg.OpenRLHFParams != "" {
		openRLHF.Params = json.RawMessage(cfg.OpenRLHFParams)
	}
	var routes []compat.OpenRLHF
	for _, p := range cfg.OpenRLHFPaths {
		r := openRLHF
		r.Path = p
		routes = append(routes, r)
	}
	if err := compat.Register(e, compat.Config{
		Scorer:   a.scorer,
		Lookup:   a.registry.Lookup,
		Compiler: rubric.NewCompiler(256),
		Auth:     server.RequireKey(cfg.APIKeys),
		MaxBody:  cfg.MaxBody,
		MaxBatch: cfg.MaxBatch,
		OpenRLHF: openRLHF,
		Routes:   routes,
	}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if cfg.PprofAddr != "" {
		stop, err := servePprof(cfg.PprofAddr, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		// A body that trickles in holds a goroutine and a buffer; two
		// minutes is room for REFEREE_MAX_BODY over a slow link. There is
		// no write timeout: a task may run as long as its deadline allows.
		ReadTimeout: 2 * time.Minute,
		IdleTimeout: 120 * time.Second,
	}
	logger.Info("listening", "addr", ln.Addr().String(), "verifiers", a.registry.Names())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let in-flight requests finish within the grace period.
	logger.Info("shutting down", "grace", cfg.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// The grace period ran out: close what is left and still exit 0,
		// since a deliberate stop is not a failure; the log says who was cut.
		logger.Warn("grace period over; closing remaining connections", "err", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}
