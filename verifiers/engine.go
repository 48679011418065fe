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
	// Timeout is the deadline a task that timed out ran under.
	Timeout time.Duration
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
	work    chan *call // idle runners receive here
	waiting atomic.Int64
	logged  sync.Map // verifier name -> struct{}: stacks are logged once per verifier
	overrun sync.Map // verifier name -> struct{}: deadline overruns are logged once per verifier

	overrunning atomic.Int64
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
	return &Engine{cfg: cfg, slots: make(chan struct{}, cfg.Concurrency), work: make(chan *call)}
}

// Concurrency returns how many tasks run at once.
func (e *Engine) Concurrency() int { return e.cfg.Concurrency }

// Overrunning returns how many tasks are still running after Run gave up on
// them at their deadline. Each holds its slot until it ends, so a verifier
// that ignores its context shows here before it shows as lost capacity.
func (e *Engine) Overrunning() int { return int(e.overrunning.Load()) }

// Timeout returns the server's task deadline.
func (e *Engine) Timeout() time.Duration { return e.cfg.Timeout }

// Run scores in with t under the engine's limits. timeout, when positive and
// shorter than the engine's, shortens the deadline. A timeout, panic or error
// of the task comes back as a *TaskError; ErrOverloaded and ctx's error mean
// the task did not run.
func (e *Engine) Run(ctx context.Context, verifier string, t Task, in Input, timeout time.Duration) (Result, error) {
	inline := quick(t, in)
	if err := e.acquire(ctx); err != nil {
		return Result{}, err
	}

	start := time.Now()
	if inline {
		// A quick task cannot overrun, so it needs no timer of its own.
		defer func() { <-e.slots }()
		c := call{ctx: ctx, verifier: verifier, task: t, in: in}
		e.execute(&c)
		e.observe(verifier, start, c.err)
		return c.res, c.err
	}
	if timeout <= 0 || timeout > e.cfg.Timeout {
		timeout = e.cfg.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := callPool.Get().(*call)
	c.ctx, c.verifier, c.task, c.in = ctx, verifier, t, in
	// The runner gives the slot back when the task ends, not when Run
	// does: a task that overruns its deadline still occupies a core, and
	// handing its slot to the next task would let runaway tasks pile up
	// past the concurrency bound.
	c.slot = e.slots
	e.dispatch(c)
	var res Result
	var err error
	select {
	case <-c.done:
		res, err = c.res, c.err
		*c = call{done: c.done}
		callPool.Put(c)
	case <-ctx.Done():
		// Counted before the CAS, so that the runner's decrement, which
		// follows only a won CAS, never comes first.
		e.overrunning.Add(1)
		if !c.state.CompareAndSwap(callRunning, callAbandoned) {
			// Finished at the deadline: the runner is about to signal.
			e.overrunning.Add(-1)
			<-c.done
			res, err = c.res, c.err
			*c = call{done: c.done}
			callPool.Put(c)
			e.observe(verifier, start, err)
			return res, err
		}
		// The task overran. Its runner still owns c and will finish it in
		// the background (well-behaved tasks stop at ctx.Done()); c is not
		// reused.
		if _, seen := e.overrun.LoadOrStore(verifier, struct{}{}); !seen {
			e.cfg.Logger.Warn("verifier task overran its deadline; it keeps its slot until it ends (logged once per verifier, counted in referee_tasks_overrunning)",
				"verifier", verifier, "timeout", timeout)
		}
		kind := "timeout"
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			kind = "canceled"
		}
		err = &TaskError{Kind: kind, Err: fmt.Errorf("verifier %s: %w after %s", verifier, ctx.Err(), timeout), Timeout: timeout}
	}
	e.observe(verifier, start, err)
	return res, err
}

// quick reports whether t runs inline for in (see Quick and QuickInput).
// A QuickFor that panics means no: the task then runs on a runner, where
// Score's own panics are isolated too.
func quick(t Task, in Input) (inline bool) {
	if _, ok := t.(Quick); ok {
		return true
	}
	q, ok := t.(QuickInput)
	if !ok {
		return false
	}
	defer func() {
		if recover() != nil {
			inline = false
		}
	}()
	return q.QuickFor(in)
}

func (e *Engine) observe(verifier string, start time.Time, err error) {
	if e.cfg.Observe == nil {
		return
	}
	failure := ""
	if err != nil {
		failure = "error"
		var te *TaskError
		if errors.As(err, &te) {
			failure = te.Kind
		}
	}
	e.cfg.Observe(verifier, time.Since(start), failure)
}

// call is one task execution handed to a runner.
type call struct {
	ctx      context.Context
	verifier string
	task     Task
	in       Input
	res      Result
	err      error
	done     chan struct{}
	slot     chan struct{} // when set, released as the task ends
	state    atomic.Int32  // callRunning, then callFinished or callAbandoned
}

// States of a dispatched call: its runner finishing it and Run giving up
// on it at the deadline race, and exactly one of them wins.
const (
	callRunning int32 = iota
	callFinished
	callAbandoned
)

var callPool = sync.Pool{New: func() any { return &call{done: make(chan struct{}, 1)} }}

// runnerIdle is how long an idle runner waits for work before it exits.
const runnerIdle = 30 * time.Second

// dispatch hands c to an idle runner, or starts one. Tasks run on runner
// goroutines, not the caller's, so that a task that ignores its context
// cannot hold the caller past the deadline; runners are reused because a
// fresh goroutine per task (and growing its stack) cost more than scoring a
// cheap task.
func (e *Engine) dispatch(c *call) {
	select {
	case e.work <- c:
	default:
		go e.runner(c)
	}
}

func (e *Engine) runner(c *call) {
	idle := time.NewTimer(runnerIdle)
	defer idle.Stop()
	for {
		e.execute(c)
		idle.Reset(runnerIdle)
		select {
		case c = <-e.work:
		case <-idle.C:
			return
		}
	}
}

func (e *Engine) execute(c *call) {
	defer func() {
		if p := recover(); p != nil {
			e.reportPanic(c.verifier, p)
			c.res, c.err = Result{}, &TaskError{Kind: "panic", Err: fmt.Errorf("verifier %s panicked: %v", c.verifier, p)}
		}
		if c.slot != nil {
			<-c.slot
			if !c.state.CompareAndSwap(callRunning, callFinished) {
				e.overrunning.Add(-1) // Run gave up on it at its deadline
			}
		}
		if c.done != nil {
			c.done <- struct{}{}
		}
	}()
	res, err := c.task.Score(c.ctx, c.in)
	if err != nil {
		kind := "error"
		if errors.Is(err, context.DeadlineExceeded) {
			kind = "timeout"
		}
		err = &TaskError{Kind: kind, Err: err}
	}
	c.res, c.err = res, err
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
