package scoring

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/referee/referee/cache"
	"github.com/referee/referee/internal/problem"
	"github.com/referee/referee/internal/validation"
	"github.com/referee/referee/rubric"
	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/regex"
	"github.com/referee/referee/verifiers/stringmatch"
)

// probe is a test verifier: it scores 1 when the response equals the
// reference string, panics on "panic", sleeps on "sleep", and counts
// Prepare and Score calls.
type probe struct {
	prepares, scores atomic.Int64
}

func (p *probe) Spec() verifiers.Spec {
	return verifiers.Spec{Name: "probe", Version: "1", ReadsPrompt: true}
}

func (p *probe) Prepare(ref, _ json.RawMessage) (verifiers.Task, error) {
	p.prepares.Add(1)
	var s string
	if err := json.Unmarshal(ref, &s); err != nil {
		return nil, verifiers.Invalidf("reference", "want a string")
	}
	if s == "plain-error" {
		return nil, errors.New("a verifier bug returned a plain error")
	}
	return probeTask{p, s}, nil
}

type probeTask struct {
	p   *probe
	ref string
}

func (t probeTask) Score(ctx context.Context, in verifiers.Input) (verifiers.Result, error) {
	t.p.scores.Add(1)
	switch in.Response {
	case "panic":
		panic("probe panic")
	case "sleep":
		select {
		case <-time.After(5 * time.Second):
		case <-ctx.Done():
			return verifiers.Result{}, ctx.Err()
		}
	case "spin":
		time.Sleep(300 * time.Millisecond) // ignores ctx
	case "transient":
		return verifiers.Result{Score: 0.5, Details: json.RawMessage(`{}`), Transient: true}, nil
	}
	score := 0.0
	if in.Response == t.ref {
		score = 1
	}
	return verifiers.Result{Score: score, Details: json.RawMessage(`{"prompt":` + quote(in.Prompt) + `}`)}, nil
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func newScorer(t *testing.T, rubrics ...rubric.Definition) (*Scorer, *probe) {
	t.Helper()
	p := &probe{}
	reg := verifiers.NewRegistry(p, stringmatch.New(), regex.New())
	s, err := New(Config{
		Registry: reg,
		Engine:   verifiers.NewEngine(verifiers.EngineConfig{Concurrency: 4, Timeout: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}),
		Cache:    cache.New(cache.Config{Entries: 1000, TTL: time.Minute}),
		Rubrics:  rubrics,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func str(s string) *string { return &s }

func TestScoreAndCache(t *testing.T) {
	t.Parallel()
	s, p := newScorer(t)
	ctx := context.Background()
	req := func() *Request {
		return &Request{ID: "a", Verifier: "probe", Reference: json.RawMessage(`"42"`), Response: str("42"), Prompt: str("q")}
	}
	r1, err := s.Score(ctx, req())
	if err != nil {
		t.Fatal(err)
	}
	if r1.Reward != 1 || r1.Cached || r1.Verifier != "probe@1" || r1.ID != "a" || len(r1.Scores) != 1 || r1.Scores[0] != (Score{"probe", 1}) || r1.Key.IsZero() {
		t.Fatalf("first result = %+v", r1)
	}
	if string(r1.Details) != `{"prompt":"q"}` {
		t.Errorf("details = %s", r1.Details)
	}
	r2, _ := s.Score(ctx, req())
	if !r2.Cached || r2.Key != r1.Key || r2.Reward != 1 || string(r2.Details) != string(r1.Details) {
		t.Fatalf("second result = %+v, want a cache hit identical to the first", r2)
	}
	// Reference written with other white space: same key.
	r3req := req()
	r3req.Reference = json.RawMessage(` "42" `)
	if r3, _ := s.Score(ctx, r3req); r3.Key != r1.Key {
		t.Error("white space in the reference changed the key")
	}
	// The prompt is part of the key because probe reads it.
	r4req := req()
	r4req.Prompt = str("other")
	if r4, _ := s.Score(ctx, r4req); r4.Key == r1.Key || r4.Cached {
		t.Error("prompt ignored by a verifier that reads it")
	}
	// cache:false computes again.
	no := false
	r5req := req()
	r5req.Options = &Options{Cache: &no}
	if r5, _ := s.Score(ctx, r5req); r5.Cached {
		t.Error("cache:false served a cached result")
	}
	if got := p.scores.Load(); got != 3 {
		t.Errorf("Score ran %d times, want 3 (first, other prompt, cache:false)", got)
	}
	if got := p.prepares.Load(); got != 1 {
		t.Errorf("Prepare ran %d times, want 1", got)
	}
}

func TestScoreRequestErrors(t *testing.T) {
	t.Parallel()
	s, _ := newScorer(t)
	tests := []struct {
		name   string
		req    Request
		status int
		field  string
	}{
		{"missing response", Request{Verifier: "probe", Reference: json.RawMessage(`"x"`)}, 400, "response"},
		{"neither", Request{Response: str("x")}, 400, "verifier"},
		{"both", Request{Verifier: "probe", Rubric: json.RawMessage(`"r"`), Response: str("x")}, 400, "verifier"},
		{"unknown verifier", Request{Verifier: "nope", Response: str("x")}, 400, "verifier"},
		{"unknown rubric", Request{Rubric: json.RawMessage(`"nope"`), Response: str("x")}, 400, "rubric"},
		{"invalid reference", Request{Verifier: "probe", Reference: json.RawMessage(`5`), Response: str("x")}, 422, "reference"},
		{"plain Prepare error is still 422", Request{Verifier: "probe", Reference: json.RawMessage(`"plain-error"`), Response: str("x")}, 422, "reference"},
		{"invalid params", Request{Verifier: "string_match", Reference: json.RawMessage(`"x"`), Params: json.RawMessage(`{"mode":"?"}`), Response: str("x")}, 422, "params.mode"},
		{"bad expression", Request{Rubric: json.RawMessage(`{"components":{"a":{"verifier":"regex","params":{"pattern":"x"}}},"score":"a +"}`), Response: str("x")}, 422, "rubric.score"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Score(context.Background(), &tt.req)
			d := problem.From(err)
			if err == nil || d.Status != tt.status || len(d.Errors) == 0 || d.Errors[0].Field != tt.field {
				t.Fatalf("err = %v (%+v), want %d naming %q", err, d, tt.status, tt.field)
			}
		})
	}
}

func TestScoreRuntimeFailures(t *testing.T) {
	t.Parallel()
	s, _ := newScorer(t)
	ctx := context.Background()
	onErr := -1.0
	for _, resp := range []string{"panic", "sleep", "spin"} {
		req := &Request{Verifier: "probe", Reference: json.RawMessage(`"x"`), Response: str(resp), Options: &Options{OnError: &onErr}}
		start := time.Now()
		r, err := s.Score(ctx, req)
		if err != nil {
			t.Fatalf("%s: err %v, want an embedded error", resp, err)
		}
		if r.Error == nil || r.Reward != -1 {
			t.Fatalf("%s: result %+v, want error and on_error reward", resp, r)
		}
		if time.Since(start) > time.Second {
			t.Errorf("%s: took %v, past the 200ms deadline", resp, time.Since(start))
		}
		// Failures are never cached.
		if r2, _ := s.Score(ctx, req); r2.Cached {
			t.Errorf("%s: a failed result was cached", resp)
		}
	}
}

func TestBatch(t *testing.T) {
	t.Parallel()
	s, p := newScorer(t)
	defaults := &Request{Verifier: "probe", Reference: json.RawMessage(`"4"`), Prompt: str("2+2?")}
	items := []Request{
		{ID: "0", Response: str("4")},
		{ID: "1", Response: str("5")},
		{ID: "2", Response: str("4")},
		{ID: "3"}, // missing response
		{ID: "4", Response: str("4"), Reference: json.RawMessage(`7`)},
		{ID: "5", Response: str("panic")},
		{ID: "6", Response: str("x"), Verifier: "string_match", Reference: json.RawMessage(`"x"`)},
	}
	res, st, err := s.ScoreBatch(context.Background(), defaults, items)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		reward float64
		status int
	}{{1, 0}, {0, 0}, {1, 0}, {0, 400}, {0, 422}, {0, 500}, {1, 0}}
	for i, w := range want {
		got := res[i]
		status := 0
		if got.Error != nil {
			status = got.Error.Status
		}
		if got.ID != items[i].ID || got.Reward != w.reward || status != w.status {
			t.Errorf("item %d: id %q reward %v status %d, want reward %v status %d (%+v)", i, got.ID, got.Reward, status, w.reward, w.status, got.Error)
		}
	}
	if !res[2].Cached || res[0].Key != res[2].Key {
		t.Error("duplicate item 2 was not shared with item 0")
	}
	if st.Items != 7 || st.Unique != 5 || st.Computed != 3 || st.Errors != 3 || st.CacheHits != 0 {
		t.Errorf("stats = %+v, want items 7 unique 5 computed 3 errors 3", st)
	}
	if p.prepares.Load() != 2 { // "4" and the invalid 7
		t.Errorf("Prepare ran %d times, want 2", p.prepares.Load())
	}
	// Second call: every good item is a hit, in one look-up.
	_, st2, _ := s.ScoreBatch(context.Background(), defaults, []Request{{Response: str("4")}, {Response: str("5")}})
	if st2.CacheHits != 2 || st2.Computed != 0 {
		t.Errorf("second batch stats = %+v, want 2 hits", st2)
	}
}

func TestRubric(t *testing.T) {
	t.Parallel()
	named := rubric.Definition{
		Name: "fmt_and_match",
		Components: map[string]rubric.Component{
			"correct": {Verifier: "string_match", Params: json.RawMessage(`{"mode":"contains"}`)},
			"format":  {Verifier: "regex", Params: json.RawMessage(`{"pattern":"^<answer>"}`)},
		},
		Score: "0.8*correct + 0.2*format",
	}
	s, _ := newScorer(t, named)
	ctx := context.Background()
	r, err := s.Score(ctx, &Request{Rubric: json.RawMessage(`"fmt_and_match"`), Reference: json.RawMessage(`"Paris"`), Response: str("<answer>Paris</answer>")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Reward != 1 || !slices.Equal(r.Scores, Scores{{"correct", 1}, {"format", 1}}) || r.Verifier != "rubric:fmt_and_match" {
		t.Fatalf("result = %+v", r)
	}
	var details map[string]json.RawMessage
	if err := json.Unmarshal(r.Details, &details); err != nil || details["correct"] == nil || details["format"] == nil {
		t.Fatalf("details = %s", r.Details)
	}
	// An inline rubric sharing the "format" component shares its cache entry.
	inline := `{"components":{"f":{"verifier":"regex","params":{"pattern":"^<answer>"}}},"score":"f"}`
	r2, err := s.Score(ctx, &Request{Rubric: json.RawMessage(inline), Reference: json.RawMessage(`"Paris"`), Response: str("<answer>Paris</answer>")})
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Cached || r2.Reward != 1 || r2.Verifier != "rubric:inline" {
		t.Errorf("inline rubric result = %+v, want the shared component served from cache", r2)
	}
	// A non-finite expression result is a scoring error, not a reward.
	bad := `{"components":{"f":{"verifier":"regex","params":{"pattern":"^z"}}},"score":"1/f"}`
	r3, err := s.Score(ctx, &Request{Rubric: json.RawMessage(bad), Response: str("a")})
	if err != nil || r3.Error == nil || r3.Reward != 0 || r3.Error.Status != 422 || !strings.HasSuffix(r3.Error.Type, "/rubric-error") {
		t.Errorf("1/0 rubric: result %+v err %v, want an embedded 422 rubric-error", r3, err)
	}
}

func TestOverloadedBatch(t *testing.T) {
	t.Parallel()
	p := &probe{}
	s, err := New(Config{
		Registry: verifiers.NewRegistry(p),
		Engine:   verifiers.NewEngine(verifiers.EngineConfig{Concurrency: 1, QueueSize: 1, Timeout: time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}),
		Cache:    cache.New(cache.Config{Entries: 10, TTL: time.Minute}),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Fill the one worker and the one queue place, then ask for more.
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		go s.Score(ctx, &Request{Verifier: "probe", Reference: json.RawMessage(`"x"`), Response: str("sleep"), Options: &Options{Cache: new(bool)}})
	}
	time.Sleep(50 * time.Millisecond)
	_, err = s.Score(ctx, &Request{Verifier: "probe", Reference: json.RawMessage(`"x"`), Response: str("y")})
	if !errors.Is(err, verifiers.ErrOverloaded) {
		t.Fatalf("err = %v, want ErrOverloaded", err)
	}
	if d := problem.From(err); d.Status != 503 {
		t.Errorf("status %d, want 503", d.Status)
	}
}

func TestNamedRubricErrorsFailStartup(t *testing.T) {
	t.Parallel()
	_, err := New(Config{
		Registry: verifiers.NewRegistry(regex.New()),
		Engine:   verifiers.NewEngine(verifiers.EngineConfig{}),
		Cache:    cache.New(cache.Config{Entries: 10, TTL: time.Minute}),
		Rubrics:  []rubric.Definition{{Name: "r", Components: map[string]rubric.Component{"a": {Verifier: "regex"}}, Score: "a +"}},
	})
	if err == nil || !strings.Contains(err.Error(), "rubrics.r.score") {
		t.Fatalf("err = %v, want the named rubric's field", err)
	}
}

// TestCheckMatchesValidator holds the hand-written checks of check() to the
// rules Request's struct tags declare.
func TestCheckMatchesValidator(t *testing.T) {
	t.Parallel()
	s, _ := newScorer(t)
	v := validation.New()
	zero, big, ok := 0, 3600001, 10
	long := strings.Repeat("x", 257)
	for _, req := range []Request{
		{ID: long, Verifier: "probe", Response: str("x")},
		{ID: long[:256], Verifier: "probe", Response: str("x")},
		{Verifier: strings.Repeat("v", 129), Response: str("x")},
		{Verifier: "probe", Response: str("x"), Options: &Options{TimeoutMS: &zero}},
		{Verifier: "probe", Response: str("x"), Options: &Options{TimeoutMS: &big}},
		{Verifier: "probe", Response: str("x"), Options: &Options{TimeoutMS: &ok}},
	} {
		tagErr := v.Validate(req)
		checkErr := s.check(&req)
		if (tagErr == nil) != (checkErr == nil) {
			t.Errorf("request %+v: validator says %v, check says %v", req, tagErr, checkErr)
			continue
		}
		if tagErr != nil && problem.From(tagErr).Errors[0].Field != problem.From(checkErr).Errors[0].Field {
			t.Errorf("validator names %v, check names %v", problem.From(tagErr).Errors, problem.From(checkErr).Errors)
		}
	}
}

func TestTransientResultsAreNotCached(t *testing.T) {
	t.Parallel()
	s, p := newScorer(t)
	req := func() *Request {
		return &Request{Verifier: "probe", Reference: json.RawMessage(`"x"`), Response: str("transient")}
	}
	for i := 0; i < 2; i++ {
		r, err := s.Score(context.Background(), req())
		if err != nil || r.Reward != 0.5 || r.Cached {
			t.Fatalf("call %d: %+v %v, want a fresh 0.5", i, r, err)
		}
	}
	if p.scores.Load() != 2 {
		t.Errorf("Score ran %d times, want 2", p.scores.Load())
	}
}

// A request that joins an identical computation started under a shorter
// timeout_ms is not failed by the other request's deadline.
func TestJoinerKeepsItsOwnDeadline(t *testing.T) {
	t.Parallel()
	p := &probe{}
	s, err := New(Config{
		Registry: verifiers.NewRegistry(p),
		Engine:   verifiers.NewEngine(verifiers.EngineConfig{Concurrency: 4, Timeout: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}),
		Cache:    cache.New(cache.Config{Entries: 1000, TTL: time.Minute}),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	short := 50
	shortErr := make(chan error, 1)
	go func() {
		_, err := s.Score(ctx, &Request{Verifier: "probe", Reference: json.RawMessage(`"x"`), Response: str("spin"), Options: &Options{TimeoutMS: &short}})
		shortErr <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the short request start the computation
	res, err := s.Score(ctx, &Request{Verifier: "probe", Reference: json.RawMessage(`"x"`), Response: str("spin")})
	if err != nil || res.Error != nil {
		t.Fatalf("the request with the default deadline failed: %v %+v", err, res.Error)
	}
	if err := <-shortErr; err != nil {
		t.Fatalf("short request: %v", err)
	}
}

// Joiners with the same deadline as the computation they joined do not run
// it again when it times out: one execution for all of them.
func TestJoinersWithTheSameDeadlineDoNotRetry(t *testing.T) {
	t.Parallel()
	p := &probe{}
	s, err := New(Config{
		Registry: verifiers.NewRegistry(p),
		Engine:   verifiers.NewEngine(verifiers.EngineConfig{Concurrency: 4, Timeout: 150 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}),
		Cache:    cache.New(cache.Config{Entries: 1000, TTL: time.Minute}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Score(context.Background(), &Request{Verifier: "probe", Reference: json.RawMessage(`"x"`), Response: str("spin")})
			if err != nil || res.Error == nil || res.Error.Status != 504 {
				t.Errorf("want a 504 in the result, got %v %+v", err, res.Error)
			}
		}()
		if i == 0 {
			// The others join late, with time left on their own clocks:
			// still no reason to run it again under the same deadline.
			time.Sleep(50 * time.Millisecond)
		}
	}
	wg.Wait()
	if n := p.scores.Load(); n != 1 {
		t.Errorf("%d executions for 4 identical requests with one deadline, want 1", n)
	}
}

// An invalid reference or params of a rubric component is reported at the
// component's path; a reference it inherits is the request's own field.
func TestRubricComponentErrorsNameTheComponent(t *testing.T) {
	t.Parallel()
	s, _ := newScorer(t)
	ctx := context.Background()
	tests := []struct {
		name, rubric, ref, field string
	}{
		{"own params", `{"components":{"a":{"verifier":"string_match","params":{"mode":"zz"}}},"score":"a"}`, `"x"`, "rubric.components.a.params.mode"},
		{"own reference", `{"components":{"a":{"verifier":"string_match","reference":5}},"score":"a"}`, `"x"`, "rubric.components.a.reference"},
		{"inherited reference", `{"components":{"a":{"verifier":"string_match"}},"score":"a"}`, `5`, "reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Score(ctx, &Request{Rubric: json.RawMessage(tt.rubric), Reference: json.RawMessage(tt.ref), Response: str("x")})
			ie, ok := verifiers.AsInvalid(err)
			if !ok || len(ie.Errors) == 0 || ie.Errors[0].Field != tt.field {
				t.Fatalf("err = %v, want an invalid field %s", err, tt.field)
			}
		})
	}
}

// A malformed inline rubric names its field, not a Go type.
func TestInlineRubricDecodeErrorsNameTheField(t *testing.T) {
	t.Parallel()
	s, _ := newScorer(t)
	for rub, field := range map[string]string{
		`{"components":{"a":{"verifier":"string_match"}},"score":5}`:         "rubric.score",
		`{"components":{"a":{"verifier":5}},"score":"a"}`:                    "rubric.components.verifier",
		`{"components":{"a":{"verifier":"string_match"}},"score":"a","x":1}`: "rubric.x",
	} {
		_, err := s.Score(context.Background(), &Request{Rubric: json.RawMessage(rub), Reference: json.RawMessage(`"x"`), Response: str("x")})
		var pe *problem.Error
		if !errors.As(err, &pe) || len(pe.Errors) != 1 || pe.Errors[0].Field != field || strings.Contains(pe.Errors[0].Message, "Go") {
			t.Errorf("%s: %v, want an error at %s", rub, err, field)
		}
	}
}

// A job shared by a rubric component and a plain request reports each its
// own field: the rubric's component path, the plain request's params.
func TestSharedJobErrorsKeepTheirItemsFields(t *testing.T) {
	t.Parallel()
	s, _ := newScorer(t)
	rub := json.RawMessage(`{"components":{"a":{"verifier":"string_match","params":{"mode":"zz"}}},"score":"a"}`)
	plain := Request{Verifier: "string_match", Params: json.RawMessage(`{"mode":"zz"}`), Reference: json.RawMessage(`"x"`), Response: str("x")}
	withRubric := Request{Rubric: rub, Reference: json.RawMessage(`"x"`), Response: str("x")}
	for _, order := range [][]Request{{withRubric, plain}, {plain, withRubric}} {
		results, _, err := s.ScoreBatch(context.Background(), nil, order)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range results {
			want := "params.mode"
			if order[i].Rubric != nil {
				want = "rubric.components.a.params.mode"
			}
			if r.Error == nil || len(r.Error.Errors) == 0 || r.Error.Errors[0].Field != want {
				t.Errorf("item %d (rubric %v): error %+v, want field %s", i, order[i].Rubric != nil, r.Error, want)
			}
		}
	}
}
