package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/referee/referee/cache"
	"github.com/referee/referee/internal/metrics"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/internal/server"
	"github.com/referee/referee/internal/validation"
	"github.com/referee/referee/rubric"
	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/exact"
	"github.com/referee/referee/verifiers/netconfig"
	"github.com/referee/referee/verifiers/regex"
	"github.com/referee/referee/verifiers/stringmatch"
)

// newRegistry wires every verifier: one line each.
func newRegistry(cfg Config, logger *slog.Logger) (*verifiers.Registry, error) {
	reg := verifiers.NewRegistry()
	reg.Register(stringmatch.New())
	reg.Register(regex.New())
	reg.Register(exact.New())
	reg.Register(netconfig.New())
	return reg, nil
}

// app is the wired service, shared by serve and the in-process score command.
type app struct {
	registry     *verifiers.Registry
	metrics      *metrics.Metrics
	scorer       *scoring.Scorer
	validator    *validation.Validator
	dependencies []server.Dependency
	closers      []func() error
}

func newApp(cfg Config, logger *slog.Logger) (*app, error) {
	a := &app{metrics: metrics.New(), validator: validation.New()}
	reg, err := newRegistry(cfg, logger)
	if err != nil {
		return nil, err
	}
	a.registry = reg
	for _, v := range reg.All() {
		if c, ok := v.(verifiers.Closer); ok {
			a.closers = append(a.closers, c.Close)
		}
		if ch, ok := v.(verifiers.Checker); ok {
			name := "verifier:" + v.Spec().Name
			a.dependencies = append(a.dependencies, server.Dependency{Name: name, Status: func(ctx context.Context) (string, string) {
				if err := ch.Check(ctx); err != nil {
					return "degraded", err.Error()
				}
				return "ok", ""
			}})
		}
	}
	var defs []rubric.Definition
	if cfg.Rubrics != "" {
		if defs, err = rubric.LoadFile(cfg.Rubrics); err != nil {
			return nil, err
		}
	}
	engine := verifiers.NewEngine(verifiers.EngineConfig{
		Concurrency: cfg.Concurrency,
		QueueSize:   cfg.QueueSize,
		Timeout:     cfg.TaskTimeout,
		Logger:      logger,
		Observe:     a.metrics.ObserveTask,
	})
	cc := cache.Config{Entries: cfg.CacheEntries, TTL: cfg.CacheTTL, Stats: a.metrics}
	if cfg.RedisURL != "" {
		r, err := cache.NewRedis(cache.RedisConfig{
			URL:        cfg.RedisURL,
			Prefix:     cfg.CachePrefix,
			TTL:        cfg.CacheTTL,
			Registerer: a.metrics.Registry,
			Logger:     logger,
		})
		if err != nil {
			return nil, fmt.Errorf("redis tier: %w", err)
		}
		cc.Remote = r
		a.closers = append(a.closers, r.Close)
		a.dependencies = append(a.dependencies, server.Dependency{Name: "redis", Status: func(context.Context) (string, string) { return r.Status() }})
	}
	c := cache.New(cc)
	a.scorer, err = scoring.New(scoring.Config{
		Registry:        reg,
		Engine:          engine,
		Cache:           c,
		Rubrics:         defs,
		PreparedEntries: cfg.PreparedEntries,
		Logger:          logger,
	})
	if err != nil {
		return nil, fmt.Errorf("rubrics: %w", err)
	}
	return a, nil
}

func (a *app) Close() error {
	var errs []error
	for _, c := range a.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
