package verifiers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type funcTask func(ctx context.Context, in Input) (Result, error)

func (f funcTask) Score(ctx context.Context, in Input) (Result, error) { return f(ctx, in) }

func quietEngine(cfg EngineConfig) *Engine {
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return NewEngine(cfg)
}

func TestEngineRun(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	observed := map[string]int{}
	e := quietEngine(EngineConfig{Concurrency: 2, Timeout: 100 * time.Millisecond, Observe: func(_ string, _ time.Duration, f string) {
		mu.Lock()
		observed[f]++
		mu.Unlock()
	}})
	ctx := context.Background()
	tests := []struct {
		name    string
		task    funcTask
		timeout time.Duration
		kind    string
		score   float64
	}{
		{"ok", func(context.Context, Input) (Result, error) { return Result{Score: 0.5}, nil }, 0, "", 0.5},
		{"error", func(context.Context, Input) (Result, error) { return Result{}, errors.New("bad") }, 0, "error", 0},
		{"panic", func(context.Context, Input) (Result, error) { panic("boom") }, 0, "panic", 0},
		{"cooperative timeout", func(ctx context.Context, _ Input) (Result, error) { <-ctx.Done(); return Result{}, ctx.Err() }, 0, "timeout", 0},
		{"runaway task", func(context.Context, Input) (Result, error) { time.Sleep(time.Second); return Result{Score: 1}, nil }, 0, "timeout", 0},
		{"shorter request deadline", func(ctx context.Context, _ Input) (Result, error) { <-ctx.Done(); return Result{}, ctx.Err() }, 10 * time.Millisecond, "timeout", 0},
	}
	for _, tt := range tests {
		start := time.Now()
		res, err := e.Run(ctx, "v", tt.task, Input{}, tt.timeout)
		el := time.Since(start)
		var te *TaskError
		switch {
		case tt.kind == "" && (err != nil || res.Score != tt.score):
			t.Errorf("%s: %v %v", tt.name, res, err)
		case tt.kind != "" && (!errors.As(err, &te) || te.Kind != tt.kind):
			t.Errorf("%s: err %v, want kind %s", tt.name, err, tt.kind)
		}
		if el > 300*time.Millisecond {
			t.Errorf("%s: took %v, past the deadline", tt.name, el)
		}
		if tt.timeout > 0 && el > 80*time.Millisecond {
			t.Errorf("%s: took %v, the request asked for %v", tt.name, el, tt.timeout)
		}
	}
	mu.Lock()
	if observed[""] != 1 || observed["panic"] != 1 || observed["timeout"] != 3 {
		t.Errorf("observed %v", observed)
	}
	mu.Unlock()
	// The engine still works after a panic and a runaway task.
	if res, err := e.Run(ctx, "v", funcTask(func(context.Context, Input) (Result, error) { return Result{Score: 1}, nil }), Input{}, 0); err != nil || res.Score != 1 {
		t.Errorf("after failures: %v %v", res, err)
	}
}

func TestEngineOverload(t *testing.T) {
	t.Parallel()
	e := quietEngine(EngineConfig{Concurrency: 1, QueueSize: 1, Timeout: time.Second})
	release := make(chan struct{})
	block := funcTask(func(context.Context, Input) (Result, error) { <-release; return Result{}, nil })
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ { // one runs, one waits in the queue
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = e.Run(context.Background(), "v", block, Input{}, 0) }()
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := e.Run(context.Background(), "v", block, Input{}, 0); !errors.Is(err, ErrOverloaded) {
		t.Errorf("third task: %v, want ErrOverloaded", err)
	}
	close(release)
	wg.Wait()
}

func BenchmarkEngineRun(b *testing.B) {
	e := quietEngine(EngineConfig{Concurrency: 2, Timeout: time.Second})
	task := funcTask(func(context.Context, Input) (Result, error) { return Result{Score: 1}, nil })
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = e.Run(context.Background(), "v", task, Input{}, 0)
	}
}

type quickTask struct{ funcTask }

func (quickTask) Quick() {}

func TestEngineQuickTasksAreIsolated(t *testing.T) {
	t.Parallel()
	e := quietEngine(EngineConfig{Concurrency: 1, Timeout: time.Second})
	_, err := e.Run(context.Background(), "q", quickTask{func(context.Context, Input) (Result, error) { panic("quick boom") }}, Input{}, 0)
	var te *TaskError
	if !errors.As(err, &te) || te.Kind != "panic" {
		t.Fatalf("err = %v, want a panic TaskError", err)
	}
	res, err := e.Run(context.Background(), "q", quickTask{func(context.Context, Input) (Result, error) { return Result{Score: 1}, nil }}, Input{}, 0)
	if err != nil || res.Score != 1 {
		t.Fatalf("after a panic: %v %v", res, err)
	}
}

// sizedTask is quick for short responses only.
type sizedTask struct{ funcTask }

func (sizedTask) QuickFor(in Input) bool { return len(in.Response) <= 4 }

// A QuickInput task runs inline for the inputs it calls quick (so it is not
// cut at the deadline) and on a runner with a deadline for the others.
func TestEngineQuickForChoosesPerInput(t *testing.T) {
	t.Parallel()
	e := quietEngine(EngineConfig{Concurrency: 1, Timeout: time.Second})
	slow := sizedTask{func(context.Context, Input) (Result, error) {
		time.Sleep(60 * time.Millisecond)
		return Result{Score: 1}, nil
	}}
	res, err := e.Run(context.Background(), "s", slow, Input{Response: "tiny"}, 10*time.Millisecond)
	if err != nil || res.Score != 1 {
		t.Fatalf("quick input: %v, %v; want it run inline to the end", res, err)
	}
	_, err = e.Run(context.Background(), "s", slow, Input{Response: "not tiny"}, 10*time.Millisecond)
	var te *TaskError
	if !errors.As(err, &te) || te.Kind != "timeout" {
		t.Fatalf("large input: err = %v, want a timeout at the deadline", err)
	}
}

// A task that overruns its deadline keeps its slot until it really ends:
// its caller gets the timeout on time, but runaway tasks never run more at
// once than the engine's concurrency.
func TestEngineOverrunKeepsItsSlot(t *testing.T) {
	t.Parallel()
	e := quietEngine(EngineConfig{Concurrency: 1, QueueSize: 8, Timeout: 20 * time.Millisecond})
	var running, most atomic.Int32
	runaway := funcTask(func(context.Context, Input) (Result, error) {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(100 * time.Millisecond) // ignores its context
		running.Add(-1)
		return Result{Score: 1}, nil
	})
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var te *TaskError
			if _, err := e.Run(context.Background(), "v", runaway, Input{}, 0); !errors.As(err, &te) || te.Kind != "timeout" {
				t.Errorf("err = %v, want a timeout", err)
			}
		}()
	}
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Errorf("%d runaway tasks ran at once on an engine of concurrency 1", m)
	}
	// Each waited for the slot of the one before: about 2 x 100 ms + 20 ms.
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("three runaway tasks done in %v: a slot was handed on before its task ended", el)
	}
}

// Overrunning counts the tasks Run gave up on that still run, and each is
// logged once per verifier, so a verifier that ignores its deadline is seen
// before it shows as lost capacity.
func TestEngineCountsOverrunningTasks(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	e := NewEngine(EngineConfig{Concurrency: 4, Timeout: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	release := make(chan struct{})
	stuck := funcTask(func(context.Context, Input) (Result, error) {
		<-release // ignores its context
		return Result{Score: 1}, nil
	})
	prompt := funcTask(func(ctx context.Context, _ Input) (Result, error) {
		<-ctx.Done() // stops at its deadline, as a task should
		return Result{}, ctx.Err()
	})
	for i := 0; i < 2; i++ {
		if _, err := e.Run(context.Background(), "stuck", stuck, Input{}, 0); err == nil {
			t.Fatal("a task that never ends returned no error")
		}
	}
	if _, err := e.Run(context.Background(), "prompt", prompt, Input{}, 0); err == nil {
		t.Fatal("a task that stops at its deadline returned no error")
	}
	// The well-behaved task ended just after its deadline: its runner may
	// still be finishing.
	waitFor(t, func() bool { return e.Overrunning() == 2 })
	stuckWarnings := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "overran its deadline") && strings.Contains(line, "verifier=stuck") {
			stuckWarnings++
		}
	}
	if n := stuckWarnings; n != 1 {
		t.Errorf("%d overrun warnings for one verifier, want 1:\n%s", n, logs.String())
	}
	close(release)
	waitFor(t, func() bool { return e.Overrunning() == 0 })
}

// waitFor polls cond for up to 2 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 2s")
		}
		time.Sleep(time.Millisecond)
	}
}

// panickyQuick panics in QuickFor.
type panickyQuick struct{ funcTask }

func (panickyQuick) QuickFor(Input) bool { panic("QuickFor bug") }

// A QuickFor that panics neither leaks the slot nor fails the task: it runs
// on a runner instead.
func TestEngineQuickForPanics(t *testing.T) {
	t.Parallel()
	e := quietEngine(EngineConfig{Concurrency: 1, QueueSize: 1, Timeout: time.Second})
	task := panickyQuick{func(context.Context, Input) (Result, error) { return Result{Score: 1}, nil }}
	for i := 0; i < 3; i++ { // a leaked slot would make the second call wait until its context ends
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		res, err := e.Run(ctx, "p", task, Input{}, 0)
		cancel()
		if err != nil || res.Score != 1 {
			t.Fatalf("call %d: %v %v", i, res, err)
		}
	}
}
