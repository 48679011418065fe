// Package scoring is the scoring flow: cache look-up, prepare, run, rubric,
// store. It is the only place that combines the cache, the verifiers and
// rubrics; the HTTP handlers, the CLI and the compatibility endpoints all
// call it.
package scoring

import (
	"encoding/json"

	"github.com/referee/referee/cache"
	"github.com/referee/referee/internal/problem"
)

// Request is one rollout to score (the body of POST /v1/score and an item of
// a batch).
type Request struct {
	ID        string          `json:"id,omitempty" validate:"max=256"`
	Verifier  string          `json:"verifier,omitempty" validate:"max=128"`
	Rubric    json.RawMessage `json:"rubric,omitempty"`
	Prompt    *string         `json:"prompt,omitempty"`
	Response  *string         `json:"response"`
	Reference json.RawMessage `json:"reference,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Options   *Options        `json:"options,omitempty"`

	// Err, when set, is why the item could not be decoded (a field of the
	// wrong type, an unknown field). The item is answered with it as its
	// error, and the rest of its batch is scored.
	Err error `json:"-"`
}

// Options tune how one request is scored.
type Options struct {
	// Cache false bypasses every cache tier for this request (default true).
	Cache *bool `json:"cache,omitempty"`
	// TimeoutMS shortens the task deadline; it is capped by the server's.
	TimeoutMS *int `json:"timeout_ms,omitempty" validate:"omitempty,min=1,max=3600000"`
	// OnError is the reward reported when scoring fails at run time
	// (deadline, panic); default 0, or the rubric's on_error.
	OnError *float64 `json:"on_error,omitempty"`
}

// BatchRequest is the body of POST /v1/score/batch.
type BatchRequest struct {
	Defaults *Request  `json:"defaults,omitempty"`
	Items    []Request `json:"items" validate:"required"`
}

// Result is the outcome of one request.
type Result struct {
	ID       string          `json:"id,omitempty"`
	Reward   float64         `json:"reward"`
	Scores   Scores          `json:"scores"`
	Details  json.RawMessage `json:"details"`
	Cached   bool            `json:"cached"`
	Verifier string          `json:"verifier"`
	// Key is the result's cache key, in hex on the wire; zero (empty on the
	// wire) when the request was refused before a key existed.
	Key cache.Key `json:"key"`
	// ElapsedUS is the time spent on this item in microseconds (for a batch
	// item that was shared with an identical one, the shared computation's).
	ElapsedUS int64            `json:"elapsed_us"`
	Error     *problem.Details `json:"error,omitempty"`
}

// Stats summarizes a batch.
type Stats struct {
	Items     int   `json:"items"`
	Unique    int   `json:"unique"`
	CacheHits int   `json:"cache_hits"`
	Computed  int   `json:"computed"`
	Errors    int   `json:"errors"`
	ElapsedUS int64 `json:"elapsed_us"`
}

// BatchResponse is the body answered by POST /v1/score/batch.
type BatchResponse struct {
	Results []Result `json:"results"`
	Stats   Stats    `json:"stats"`
}
