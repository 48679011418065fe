// Package verifiers defines the model every referee verifier follows: a
// Verifier turns a (reference, params) pair into a prepared Task once, and the
// Task then scores many responses. It also holds the Registry of verifiers and
// the Engine that runs tasks with a deadline, panic isolation and bounded
// concurrency.
//
// A verifier package imports only this package and libraries.
package verifiers

import (
	"context"
	"encoding/json"
)

// Verifier is a named, versioned scoring function. Implementations must be
// safe for concurrent use; Prepare is called once per distinct
// (reference, params) pair and its Task is shared by every response of a group.
type Verifier interface {
	// Spec describes the verifier. It must be constant for the life of the value.
	Spec() Spec
	// Prepare validates and compiles a reference and params. An error caused by
	// the task author (bad reference or params) should be, or wrap, an
	// *InvalidError so clients get a 422 naming the field.
	Prepare(reference, params json.RawMessage) (Task, error)
}

// Task is a prepared reference that scores responses. Score must be safe for
// concurrent use, deterministic, and bounded in time and memory. Garbage from
// the model is not an error: it scores 0 with a reason in the details.
type Task interface {
	Score(ctx context.Context, in Input) (Result, error)
}

// Input is what a task scores: the rollout's prompt and the model's response.
type Input struct {
	Prompt   string
	Response string
}

// Result is a task's verdict. Score is in [0,1] for built-in verifiers;
// Details explains it with stable, documented keys and must be valid JSON
// (or empty).
type Result struct {
	Score   float64
	Details json.RawMessage
	// Transient marks a result that depends on a passing condition outside
	// the input (a live fetch that timed out or was rate limited): it is
	// returned but never cached, so the next identical rollout asks again.
	Transient bool
}

// Spec describes a verifier for clients, docs and validation. It is the single
// source for GET /v1/verifiers.
type Spec struct {
	// Name is the registry name, e.g. "string_match".
	Name string `json:"name"`
	// Version changes whenever scoring changes; it is part of every cache key.
	Version string `json:"version"`
	// Description is a short human summary.
	Description string `json:"description"`
	// ReadsPrompt tells the cache whether the prompt is part of the key.
	ReadsPrompt bool `json:"reads_prompt"`
	// ReferenceSchema is a JSON Schema of the reference ("{}" if unused).
	ReferenceSchema json.RawMessage `json:"reference_schema"`
	// ParamsSchema is a JSON Schema of the params object.
	ParamsSchema json.RawMessage `json:"params_schema"`
	// Examples are worked requests with their expected scores.
	Examples []Example `json:"examples"`
}

// Example is one documented request and its expected score.
type Example struct {
	Name      string          `json:"name"`
	Prompt    string          `json:"prompt,omitempty"`
	Response  string          `json:"response"`
	Reference json.RawMessage `json:"reference,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Score     float64         `json:"score"`
}

// ID returns "name@version", the form results report.
func (s Spec) ID() string { return s.Name + "@" + s.Version }

// Quick is implemented by tasks whose Score always returns within
// microseconds by construction: bounded input, linear work, no I/O, no
// blocking. The engine runs them in the caller's goroutine instead of
// handing them to a runner, which is most of the cost of a cheap task;
// panics are still isolated. Only mark a task Quick when no input can make
// it slow, since the engine cannot interrupt it at the deadline.
type Quick interface {
	Quick()
}

// QuickInput is implemented by tasks that are Quick for some inputs only:
// those small enough that the task's work, bounded by the input's size,
// takes microseconds. The engine runs the task inline when QuickFor
// reports true, and on a runner with a deadline otherwise.
type QuickInput interface {
	QuickFor(in Input) bool
}

// Closer is implemented by verifiers that hold resources (open files,
// clients) to release at shutdown.
type Closer interface {
	Close() error
}

// Checker is implemented by verifiers with dependencies worth reporting on
// /readyz (a snapshot, a remote service). Check returns nil when healthy.
type Checker interface {
	Check(ctx context.Context) error
}
