package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/referee/referee/cache"
	"github.com/referee/referee/internal/compat"
	"github.com/referee/referee/internal/metrics"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/internal/server"
	"github.com/referee/referee/internal/validation"
	"github.com/referee/referee/rubric"
	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/citation"
	"github.com/referee/referee/verifiers/exact"
	"github.com/referee/referee/verifiers/iso20022"
	"github.com/referee/referee/verifiers/netconfig"
	"github.com/referee/referee/verifiers/regex"
	"github.com/referee/referee/verifiers/remote"
	"github.com/referee/referee/verifiers/stringmatch"
)

// newRegistry wires every verifier: one line each. shared is the result
// cache, for verifiers that keep outcomes of their own (nil: in-process only);
// promReg receives the remote verifiers' metrics (nil: none).
func newRegistry(cfg Config, logger *slog.Logger, shared *cache.Cache, promReg prometheus.Registerer) (*verifiers.Registry, error) {
	reg := verifiers.NewRegistry()
	reg.Register(stringmatch.New())
	reg.Register(regex.New())
	reg.Register(exact.New())
	reg.Register(netconfig.New())
	reg.Register(iso20022.New())
	cit, err := citation.New(citation.Config{SnapshotDir: cfg.Snapshot, Mode: cfg.CitationMode, AllowPrivate: cfg.CitationAllowPrivate, Cache: sharedCache(shared)})
	if err != nil {
		return nil, fmt.Errorf("citation: %w", err)
	}
	reg.Register(cit)
	for _, v := range compat.Verifiers() {
		reg.Register(v)
	}
	if cfg.RemoteVerifiers != "" {
		rvs, err := remote.LoadFile(cfg.RemoteVerifiers, os.Getenv, promReg)
		if err != nil {
			return nil, err
		}
		for _, v := range rvs {
			reg.Register(v)
		}
	}
	return reg, nil
}

// sharedCache adapts the result cache to the string-keyed, per-entry-TTL
// cache the citation fetcher wants, so a fleet fetches a URL at most once
// per TTL. A value carries its own expiry (never later than the cache's
// TTL), since the tiers have one TTL for all entries.
func sharedCache(c *cache.Cache) citation.Cache {
	if c == nil {
		return nil
	}
	return fetchCache{c}
}

type fetchCache struct{ c *cache.Cache }

func (f fetchCache) key(k string) cache.Key {
	return cache.Derive("referee/citation-fetch/v1", []byte(k))
}

func (f fetchCache) Get(ctx context.Context, key string) ([]byte, bool) {
	vals, _ := f.c.Get(ctx, []cache.Key{f.key(key)})
	v := vals[0]
	if len(v) < 8 || time.Now().Unix() > int64(binary.BigEndian.Uint64(v[:8])) {
		return nil, false
	}
	return v[8:], true
}

func (f fetchCache) Set(ctx context.Context, key string, v []byte, ttl time.Duration) {
	b := make([]byte, 8+len(v))
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().Add(ttl).Unix()))
	copy(b[8:], v)
	f.c.Set(ctx, []cache.Entry{{Key: f.key(key), Value: b}})
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
	cc := cache.Config{Entries: cfg.CacheEntries, TTL: cfg.CacheTTL, Stats: a.metrics}
	if cfg.RedisURL != "" {
		// go-redis logs through a process-wide logger; route it through slog,
		// rate-limited, or it prints a dial error every second while Redis is down.
		redis.SetLogger(cache.GoRedisLogger(logger.With("component", "go-redis"), 10*time.Second))
		r, err := cache.NewRedis(cache.RedisConfig{
			URL:        cfg.RedisURL,
			Prefix:     cfg.CachePrefix,
			TTL:        cfg.CacheTTL,
			Registerer: a.metrics.Registry,
			Logger:     logger.With("component", "redis"),
		})
		if err != nil {
			return nil, fmt.Errorf("redis tier: %w", err)
		}
		cc.Remote = r
		a.closers = append(a.closers, r.Close)
		a.dependencies = append(a.dependencies, server.Dependency{Name: "redis", Status: func(context.Context) (string, string) { return r.Status() }})
	}
	c := cache.New(cc)
	reg, err := newRegistry(cfg, logger, c, a.metrics.Registry)
	if err != nil {
		a.Close()
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
	a.metrics.TasksOverrunning(engine.Overrunning)
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
