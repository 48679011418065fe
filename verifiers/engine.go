package verifiers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// ErrOverloaded is returned by Engine.Run when every worker is busy and the
// wait queue is full. Clients get 503 with Retry-After.
var ErrOverloaded = errors.New("overloaded: task queue is full")

// TaskError is a failure of a task at scoring time: it timed out, panicked or
// returned an error. Such results are never cached.
type TaskError struct {
	Kind string // "timeout", "panic" or "error"
	Err  error
}

func (e *TaskError) Error() string { return e.Kind + ": " + e.Err.Error() }
func (e *TaskError) Unwrap() error { return e.Err }

// EngineConfig sizes an Engine.
type EngineConfig struct {
	// Concurrency is how many tasks run at once (default 1).
	Concurrency int
	// QueueSize is how many tasks may wait for a worker before Run answers
	// ErrOverloaded (default 64 per worker).
	QueueSize int
	// Timeout is the longest a task may run; requests may ask for less.
	Timeout time.Duration
	// Logger receives panic reports (default slog.Default()).
	Logger *slog.Logger
	// Observe, if set, is called after every execution with the verifier
	// name, its duration and the failure kind ("" on success).
	Observe func(verifier string, d time.Duration, failure string)
}

// Engine runs tasks with a deadline, panic isolation and bounded concurrency.
type Engine struct {
	cfg     EngineConfig
	slots   chan struct{}
	waiting atomic.Int64
	logged  sync.Map // verifier name -> struct{}: stacks are logged once per verifier
}

// NewEngine returns an Engine for cfg.
func NewEngine(cfg EngineConfig) *Engine {
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 64 * cfg.Concurrency
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Engine{cfg: cfg, slots: make(chan struct{}, cfg.Concurrency)}
}

// Concurrency returns how many tasks run at once.
func (e *Engine) Concurrency() int { return e.cfg.Concurrency }

// Timeout returns the server's task deadline.
func (e *Engine) Timeout() time.Duration { return e.cfg.Timeout }

// Run scores in with t under the engine's limits. timeout, when positive and
// shorter than the engine's, shortens the deadline. A timeout, panic or error
// of the task comes back as a *TaskError; ErrOverloaded and ctx's error mean
// the task did not run.
func (e *Engine) Run(ctx context.Context, verifier string, t Task, in Input, timeout time.Duration) (Result, error) {
	if err := e.acquire(ctx); err != nil {
		return Result{}, err
	}
	defer func() { <-e.slots }()

	if timeout <= 0 || timeout > e.cfg.Timeout {
		timeout = e.cfg.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	start := time.Now()
	type outcome struct {
		res Result
		err error
	}
	// The task runs in its own goroutine so that a task that ignores its
	// context still cannot hold the caller past the deadline. Such a task
	// keeps running in the background until it returns; well-behaved tasks
	// check ctx.
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				e.reportPanic(verifier, p)
				done <- outcome{err: &TaskError{Kind: "panic", Err: fmt.Errorf("verifier %s panicked: %v", verifier, p)}}
			}
		}()
		res, err := t.Score(ctx, in)
		if err != nil {
			kind := "error"
			if errors.Is(err, context.DeadlineExceeded) {
				kind = "timeout"
			}
			err = &TaskError{Kind: kind, Err: err}
		}
		done <- outcome{res, err}
	}()

	var out outcome
	select {
	case out = <-done:
	case <-ctx.Done():
		kind := "timeout"
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			kind = "canceled"
		}
		out = outcome{err: &TaskError{Kind: kind, Err: fmt.Errorf("verifier %s: %w after %s", verifier, ctx.Err(), timeout)}}
	}
	if e.cfg.Observe != nil {
		failure := ""
		var te *TaskError
		if errors.As(out.err, &te) {
			failure = te.Kind
		}
		e.cfg.Observe(verifier, time.Since(start), failure)
	}
	return out.res, out.err
}

func (e *Engine) acquire(ctx context.Context) error {
	select {
	case e.slots <- struct{}{}:
		return nil
	default:
	}
	if e.waiting.Add(1) > int64(e.cfg.QueueSize) {
		e.waiting.Add(-1)
		return ErrOverloaded
	}
	defer e.waiting.Add(-1)
	select {
	case e.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) reportPanic(verifier string, p any) {
	if _, seen := e.logged.LoadOrStore(verifier, struct{}{}); seen {
		e.cfg.Logger.Warn("verifier panicked", "verifier", verifier, "panic", fmt.Sprint(p))
		return
	}
	e.cfg.Logger.Error("verifier panicked (stack logged once per verifier)", "verifier", verifier, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
}
