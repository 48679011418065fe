package scoring

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/referee/referee/cache"
	"github.com/referee/referee/internal/problem"
	"github.com/referee/referee/rubric"
	"github.com/referee/referee/verifiers"
)

// Config wires a Scorer.
type Config struct {
	Registry *verifiers.Registry
	Engine   *verifiers.Engine
	Cache    *cache.Cache
	// Rubrics are the named rubrics (from REFEREE_RUBRICS).
	Rubrics []rubric.Definition
	// PreparedEntries bounds the LRU of prepared tasks (default 4096).
	PreparedEntries int
	// PreparedBytes bounds the estimated memory of the prepared tasks
	// (default DefaultPreparedBytes).
	PreparedBytes int64
	// InlineRubrics bounds the LRU of compiled inline rubrics (default 1024).
	InlineRubrics int
	Logger        *slog.Logger
}

// Scorer runs the scoring flow. It is safe for concurrent use.
type Scorer struct {
	engine     *verifiers.Engine
	cache      *cache.Cache
	logger     *slog.Logger
	verifiers  map[string]*verifierInfo
	compiler   *rubric.Compiler
	named      map[string]*compiledRubric
	namedDefs  []rubric.Definition
	inline     *lru.Cache[string, inlineEntry]
	prepared   *preparedLRU
	prepFlight singleflight.Group
}

type verifierInfo struct {
	v    verifiers.Verifier
	spec verifiers.Spec
	id   string
}

type preparedTask struct {
	task verifiers.Task
	err  error
}

type compiledRubric struct {
	r        *rubric.Rubric
	label    string // "rubric:name"
	identity []byte // canonical definition, part of the rubric's result key
	comps    []component
	onError  float64
}

type component struct {
	name        string
	field       string // "rubric.components.<name>", where its errors point
	info        *verifierInfo
	canonRef    []byte // nil: inherit the request's reference
	canonParams []byte
	ref, params json.RawMessage
	inheritsRef bool
}

type inlineEntry struct {
	r   *compiledRubric
	err error
}

// New builds a Scorer. It compiles the named rubrics and fails on the first
// invalid one.
func New(cfg Config) (*Scorer, error) {
	if cfg.PreparedEntries <= 0 {
		cfg.PreparedEntries = 4096
	}
	if cfg.InlineRubrics <= 0 {
		cfg.InlineRubrics = 1024
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Scorer{
		engine:    cfg.Engine,
		cache:     cfg.Cache,
		logger:    cfg.Logger,
		verifiers: make(map[string]*verifierInfo),
		compiler:  rubric.NewCompiler(cfg.InlineRubrics),
		named:     make(map[string]*compiledRubric),
	}
	for _, v := range cfg.Registry.All() {
		spec := v.Spec()
		s.verifiers[spec.Name] = &verifierInfo{v: v, spec: spec, id: spec.ID()}
	}
	if cfg.PreparedBytes <= 0 {
		cfg.PreparedBytes = DefaultPreparedBytes
	}
	s.prepared = newPreparedLRU(cfg.PreparedEntries, cfg.PreparedBytes)
	s.inline, _ = lru.New[string, inlineEntry](cfg.InlineRubrics)
	for _, def := range cfg.Rubrics {
		cr, err := s.compileRubric(def, "rubrics."+def.Name, "rubric:"+def.Name)
		if err != nil {
			return nil, fmt.Errorf("rubric %q: %w", def.Name, err)
		}
		s.named[def.Name] = cr
		s.namedDefs = append(s.namedDefs, def)
	}
	return s, nil
}

// Rubrics returns the named rubric definitions, sorted by name.
func (s *Scorer) Rubrics() []rubric.Definition { return s.namedDefs }

func (s *Scorer) compileRubric(def rubric.Definition, field, label string) (*compiledRubric, error) {
	r, err := s.compiler.Compile(def, field, func(n string) bool { _, ok := s.verifiers[n]; return ok })
	if err != nil {
		return nil, err
	}
	cr := &compiledRubric{r: r, label: label}
	if def.OnError != nil {
		cr.onError = *def.OnError
	}
	for _, name := range r.Names() {
		c := def.Components[name]
		comp := component{name: name, field: "rubric.components." + name, info: s.verifiers[c.Verifier], ref: c.Reference, params: c.Params}
		if comp.canonParams, err = cache.Canonical(c.Params); err != nil {
			return nil, verifiers.Invalidf(field+".components."+name+".params", "%v", err)
		}
		if len(bytes.TrimSpace(c.Reference)) == 0 {
			comp.inheritsRef = true
		} else if comp.canonRef, err = cache.Canonical(c.Reference); err != nil {
			return nil, verifiers.Invalidf(field+".components."+name+".reference", "%v", err)
		}
		cr.comps = append(cr.comps, comp)
	}
	ident, _ := json.Marshal(def)
	if cr.identity, err = cache.Canonical(ident); err != nil {
		return nil, err
	}
	return cr, nil
}

// job is one verifier execution: a task and a response. Identical jobs in a
// batch share one job.
type job struct {
	info     *verifierInfo
	ref      json.RawMessage
	params   json.RawMessage
	taskKey  cache.Key
	key      cache.Key
	in       verifiers.Input
	useCache bool
	timeout  time.Duration
	prep     *prepSlot // shared by the jobs of a batch that inherit its defaults

	res     verifiers.Result
	err     error
	tier    cache.Tier
	shared  bool
	elapsed time.Duration
}

// item is the plan for one request.
type item struct {
	req     *Request
	err     error
	onError float64
	job     int // verifier request: index into jobs; -1 for rubrics
	rubric  *compiledRubric
	comps   []int
	key     cache.Key
	dup     bool // shares its job(s) with an earlier item
}

// batch holds the plan of one call.
type batch struct {
	jobs   []*job
	index  map[jobKey]int // built once jobs outgrow a linear search
	items  []item
	store  []job   // backing of jobs, allocated in chunks
	scores []Score // backing of the results' Scores
}

type jobKey struct {
	key      cache.Key
	useCache bool
}

// linearJobs is how many jobs are de-duplicated by comparing keys one by
// one: for a group of 16 that is cheaper than hashing into a map.
const linearJobs = 32

// findJob returns the index of the job planned for k, if there is one.
func (b *batch) findJob(k jobKey) (int, bool) {
	if b.index != nil {
		i, ok := b.index[k]
		return i, ok
	}
	for i, o := range b.jobs {
		if o.key == k.key && o.useCache == k.useCache {
			return i, true
		}
	}
	return 0, false
}

// addJob returns the index of the job for k, and false when it is new: the
// caller then fills *j.
func (b *batch) addJob(k jobKey) (i int, dup bool, j *job) {
	if i, ok := b.findJob(k); ok {
		return i, true, nil
	}
	if len(b.store) == cap(b.store) {
		b.store = make([]job, 0, max(cap(b.items)/2, 1))
	}
	b.store = append(b.store, job{key: k.key, useCache: k.useCache})
	j = &b.store[len(b.store)-1]
	b.jobs = append(b.jobs, j)
	i = len(b.jobs) - 1
	switch {
	case b.index != nil:
		b.index[k] = i
	case len(b.jobs) > linearJobs:
		b.index = make(map[jobKey]int, 2*len(b.jobs))
		for n, o := range b.jobs {
			b.index[jobKey{o.key, o.useCache}] = n
		}
	}
	return i, false, j
}

// Score scores one request. Errors that are the client's fault (400, 422)
// and overload (503) are returned as errors; failures of the verifier at
// run time are in Result.Error with the on_error reward.
func (s *Scorer) Score(ctx context.Context, req *Request) (Result, error) {
	start := time.Now()
	b := &batch{}
	s.plan(b, req, nil)
	it := &b.items[0]
	if it.err != nil {
		return Result{}, it.err
	}
	s.execute(ctx, b)
	res := s.assemble(it, b)
	if res.Error != nil && isRequestError(it, b) {
		return Result{}, firstError(it, b)
	}
	res.ElapsedUS = time.Since(start).Microseconds()
	return res, nil
}

// isRequestError reports whether an item failed for a reason that a single
// request answers with an HTTP error rather than an embedded one.
func isRequestError(it *item, b *batch) bool {
	err := firstError(it, b)
	if err == nil {
		return false
	}
	var te *verifiers.TaskError
	return !errors.As(err, &te)
}

func firstError(it *item, b *batch) error {
	if it.err != nil {
		return it.err
	}
	if it.job >= 0 {
		return b.jobs[it.job].err
	}
	for n, ji := range it.comps {
		if err := b.jobs[ji].err; err != nil {
			return componentError(&it.rubric.comps[n], err)
		}
	}
	return nil
}

// ScoreBatch scores items, sharing defaults, computing identical items once
// and looking every key up in one call per cache tier. One bad item gets its
// own error and never fails the others. It returns ErrOverloaded only when
// no item could be scored because the service is overloaded.
func (s *Scorer) ScoreBatch(ctx context.Context, defaults *Request, items []Request) ([]Result, Stats, error) {
	start := time.Now()
	b := &batch{items: make([]item, 0, len(items)), scores: make([]Score, 0, len(items))}
	var d *defaultsPlan
	if defaults != nil {
		d = s.planDefaults(defaults)
	}
	for i := range items {
		s.plan(b, &items[i], d)
	}
	hits, computed := s.execute(ctx, b)
	results := make([]Result, len(b.items))
	st := Stats{Items: len(items), CacheHits: hits, Computed: computed}
	overloaded := 0
	for i := range b.items {
		it := &b.items[i]
		results[i] = s.assemble(it, b)
		if !it.dup && it.err == nil {
			st.Unique++
		}
		if results[i].Error != nil {
			st.Errors++
			if results[i].Error.Status == 503 {
				overloaded++
			}
		}
	}
	if len(items) > 0 && overloaded == len(items) {
		return nil, st, verifiers.ErrOverloaded
	}
	st.ElapsedUS = time.Since(start).Microseconds()
	return results, st, nil
}

// defaultsPlan is the batch defaults with their canonical forms computed once.
type defaultsPlan struct {
	req         *Request
	canonRef    []byte
	canonParams []byte
	err         error
	// tasks memoizes, by verifier, the task of the items that inherit both
	// reference and params: a GRPO group shares one key and one Prepare.
	tasks map[*verifierInfo]sharedTask
}

// sharedTask is a batch's task for the items that inherit its defaults.
type sharedTask struct {
	key  cache.Key
	prep *prepSlot
}

// prepSlot prepares a batch's shared task once for all its jobs, sparing
// each of them a look-up in the scorer-wide LRU.
type prepSlot struct {
	mu   sync.Mutex
	done bool
	task verifiers.Task
	err  error
}

func (p *prepSlot) get(s *Scorer, j *job) (verifiers.Task, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done {
		p.task, p.err = s.prepare(j)
		p.done = true
	}
	return p.task, p.err
}

func (d *defaultsPlan) shared(info *verifierInfo) sharedTask {
	if t, ok := d.tasks[info]; ok {
		return t
	}
	t := sharedTask{key: cache.TaskKey(info.spec.Name, info.spec.Version, d.canonRef, d.canonParams), prep: &prepSlot{}}
	if d.tasks == nil {
		d.tasks = make(map[*verifierInfo]sharedTask, 1)
	}
	d.tasks[info] = t
	return t
}

func (s *Scorer) planDefaults(d *Request) *defaultsPlan {
	p := &defaultsPlan{req: d}
	var err error
	if p.canonRef, err = cache.Canonical(d.Reference); err != nil {
		p.err = problem.Field("defaults.reference", "%v", err)
	} else if p.canonParams, err = cache.Canonical(d.Params); err != nil {
		p.err = problem.Field("defaults.params", "%v", err)
	}
	return p
}

// merge fills the fields an item leaves out from the defaults and reports
// which canonical forms it inherits.
func merge(req *Request, d *defaultsPlan) (inheritRef, inheritParams bool) {
	if d == nil {
		return false, false
	}
	dr := d.req
	if req.Verifier == "" && len(req.Rubric) == 0 {
		req.Verifier, req.Rubric = dr.Verifier, dr.Rubric
	}
	if req.Prompt == nil {
		req.Prompt = dr.Prompt
	}
	if len(req.Reference) == 0 {
		req.Reference, inheritRef = dr.Reference, true
	}
	if len(req.Params) == 0 {
		req.Params, inheritParams = dr.Params, true
	}
	if dr.Options != nil {
		if req.Options == nil {
			req.Options = dr.Options
		} else {
			o := *req.Options
			if o.Cache == nil {
				o.Cache = dr.Options.Cache
			}
			if o.TimeoutMS == nil {
				o.TimeoutMS = dr.Options.TimeoutMS
			}
			if o.OnError == nil {
				o.OnError = dr.Options.OnError
			}
			req.Options = &o
		}
	}
	return inheritRef, inheritParams
}

func (s *Scorer) plan(b *batch, req *Request, d *defaultsPlan) {
	b.items = append(b.items, item{req: req, job: -1})
	it := &b.items[len(b.items)-1]
	inheritRef, inheritParams := merge(req, d)
	if d != nil && d.err != nil && (inheritRef || inheritParams) {
		it.err = d.err
		return
	}
	if err := s.check(req); err != nil {
		it.err = err
		return
	}
	useCache := req.Options == nil || req.Options.Cache == nil || *req.Options.Cache
	var timeout time.Duration
	if req.Options != nil && req.Options.TimeoutMS != nil {
		timeout = time.Duration(*req.Options.TimeoutMS) * time.Millisecond
	}
	if req.Options != nil && req.Options.OnError != nil {
		it.onError = *req.Options.OnError
	}
	prompt := ""
	if req.Prompt != nil {
		prompt = *req.Prompt
	}
	in := verifiers.Input{Prompt: prompt, Response: *req.Response}

	var canonRef []byte
	var err error
	if inheritRef && d != nil {
		canonRef = d.canonRef
	} else if canonRef, err = cache.Canonical(req.Reference); err != nil {
		it.err = problem.Field("reference", "%v", err)
		return
	}

	if req.Verifier != "" {
		info := s.verifiers[req.Verifier]
		var canonParams []byte
		if inheritParams && d != nil {
			canonParams = d.canonParams
		} else if canonParams, err = cache.Canonical(req.Params); err != nil {
			it.err = problem.Field("params", "%v", err)
			return
		}
		var taskKey cache.Key
		var prep *prepSlot
		if inheritRef && inheritParams {
			t := d.shared(info)
			taskKey, prep = t.key, t.prep
		} else {
			taskKey = cache.TaskKey(info.spec.Name, info.spec.Version, canonRef, canonParams)
		}
		it.key = cache.ResultKey(taskKey, in.Response, info.spec.ReadsPrompt, prompt)
		var j *job
		if it.job, it.dup, j = b.addJob(jobKey{it.key, useCache}); j != nil {
			j.info, j.ref, j.params, j.in, j.timeout = info, req.Reference, req.Params, in, timeout
			j.taskKey, j.prep = taskKey, prep
		}
		return
	}

	cr, err := s.resolveRubric(req.Rubric)
	if err != nil {
		it.err = err
		return
	}
	if len(bytes.TrimSpace(req.Params)) > 0 && !bytes.Equal(bytes.TrimSpace(req.Params), []byte("null")) && !inheritParams {
		it.err = problem.Field("params", "is not used with a rubric; give params per component")
		return
	}
	it.rubric = cr
	if req.Options == nil || req.Options.OnError == nil {
		it.onError = cr.onError
	}
	parts := make([][]byte, 0, len(cr.comps)+1)
	parts = append(parts, cr.identity)
	allDup := true
	for _, c := range cr.comps {
		ref, cref := c.ref, c.canonRef
		if c.inheritsRef {
			ref, cref = req.Reference, canonRef
		}
		taskKey := cache.TaskKey(c.info.spec.Name, c.info.spec.Version, cref, c.canonParams)
		key := cache.ResultKey(taskKey, in.Response, c.info.spec.ReadsPrompt, prompt)
		ji, dup, j := b.addJob(jobKey{key, useCache})
		if j != nil {
			j.info, j.ref, j.params, j.in, j.timeout, j.taskKey = c.info, ref, c.params, in, timeout, taskKey
		}
		allDup = allDup && dup
		it.comps = append(it.comps, ji)
		parts = append(parts, key[:])
	}
	it.dup = allDup
	it.key = cache.Derive("referee/rubric/v1", parts...)
}

// check validates a request's shape: the limits its struct tags declare,
// exactly one of verifier and rubric, a response, a known verifier. The
// tags' rules are checked by hand here because this runs for every item of
// every batch, where reflection-based validation cost more than scoring;
// TestCheckMatchesValidator holds the two in agreement.
func (s *Scorer) check(req *Request) error {
	switch {
	case req.Err != nil:
		return req.Err
	case len(req.ID) > 256:
		return problem.Field("id", "must be at most 256 characters")
	case len(req.Verifier) > 128:
		return problem.Field("verifier", "must be at most 128 characters")
	case req.Options != nil && req.Options.TimeoutMS != nil && *req.Options.TimeoutMS < 1:
		return problem.Field("options.timeout_ms", "must be at least 1")
	case req.Options != nil && req.Options.TimeoutMS != nil && *req.Options.TimeoutMS > 3600000:
		return problem.Field("options.timeout_ms", "must be at most 3600000")
	}
	hasRubric := len(bytes.TrimSpace(req.Rubric)) > 0 && !bytes.Equal(bytes.TrimSpace(req.Rubric), []byte("null"))
	switch {
	case req.Response == nil:
		return problem.Field("response", "is required: the model's response as a string")
	case req.Verifier != "" && hasRubric:
		return problem.Field("verifier", "give exactly one of verifier and rubric, not both")
	case req.Verifier == "" && !hasRubric:
		return problem.Field("verifier", "give exactly one of verifier and rubric")
	}
	if req.Verifier != "" {
		if _, ok := s.verifiers[req.Verifier]; !ok {
			return problem.Field("verifier", "unknown verifier %q (see GET /v1/verifiers)", req.Verifier)
		}
	}
	return nil
}

// resolveRubric finds a named rubric or compiles an inline one (cached by
// its canonical JSON).
func (s *Scorer) resolveRubric(raw json.RawMessage) (*compiledRubric, error) {
	raw = bytes.TrimSpace(raw)
	switch raw[0] {
	case '"':
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return nil, problem.Field("rubric", "%v", err)
		}
		cr, ok := s.named[name]
		if !ok {
			return nil, problem.Field("rubric", "unknown rubric %q (see GET /v1/rubrics)", name)
		}
		return cr, nil
	case '{':
	default:
		return nil, problem.Field("rubric", "want a rubric name or an inline rubric object")
	}
	canon, err := cache.Canonical(raw)
	if err != nil {
		return nil, problem.Field("rubric", "%v", err)
	}
	if e, ok := s.inline.Get(string(canon)); ok {
		return e.r, e.err
	}
	var def rubric.Definition
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&def); err != nil {
		// Point at the rubric's own field (rubric.score), in the words
		// the request decoder uses, not Go's type names.
		pe := problem.FromJSON(err)
		if len(pe.Errors) == 0 {
			return nil, problem.Field("rubric", "%s", pe.Detail)
		}
		for i := range pe.Errors {
			pe.Errors[i].Field = "rubric." + pe.Errors[i].Field
		}
		return nil, pe
	}
	cr, err := s.compileRubric(def, "rubric", "rubric:inline")
	s.inline.Add(string(canon), inlineEntry{cr, err})
	return cr, err
}

// sequentialBelow is the largest number of misses computed without workers.
const sequentialBelow = 32

// execute looks every cached job up in one call, then computes the misses
// in parallel. It returns how many jobs were cache hits and how many ran.
func (s *Scorer) execute(ctx context.Context, b *batch) (hits, computed int) {
	var lookup []int
	for i, j := range b.jobs {
		if j.useCache {
			lookup = append(lookup, i)
		}
	}
	if len(lookup) > 0 {
		keys := make([]cache.Key, len(lookup))
		for n, i := range lookup {
			keys[n] = b.jobs[i].key
		}
		// Lookup also takes the cross-replica leases of every miss in the
		// same round trip, so unseen items do not each pay for their own.
		vals, tiers := s.cache.Lookup(ctx, keys)
		for n, i := range lookup {
			if vals[n] == nil {
				continue
			}
			j := b.jobs[i]
			if res, err := decodeResult(vals[n]); err == nil {
				j.res, j.tier = res, tiers[n]
				hits++
			}
		}
	}
	var todo []*job
	for _, j := range b.jobs {
		if j.tier == cache.TierNone {
			todo = append(todo, j)
		}
	}
	// Small groups run in the request's goroutine: requests in parallel
	// already keep every core busy, and hand-offs to workers would cost more
	// than cheap tasks. Large batches spread over the engine's concurrency.
	// Work shared through the cache's in-flight de-duplication must not die
	// with the first caller's connection: identical requests that joined it
	// would inherit a "canceled". The engine's deadline still bounds it.
	detached := context.WithoutCancel(ctx)
	if len(todo) <= sequentialBelow {
		for _, j := range todo {
			s.run(ctx, detached, j)
		}
	} else {
		workers := min(len(todo), s.engine.Concurrency())
		var wg sync.WaitGroup
		next := make(chan *job)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					s.run(ctx, detached, j)
				}
			}()
		}
		for _, j := range todo {
			next <- j
		}
		close(next)
		wg.Wait()
	}
	for _, j := range todo {
		if !j.shared && j.err == nil {
			computed++
		}
	}
	return hits, computed
}

// run computes one job: through the cache's in-flight de-duplication when
// caching is on, directly otherwise.
// detached is ctx without its cancellation, for work that others may share.
func (s *Scorer) run(ctx, detached context.Context, j *job) {
	start := time.Now()
	defer func() { j.elapsed = time.Since(start) }()
	compute := func() ([]byte, bool, error) {
		res, err := s.compute(detached, j)
		if err != nil {
			return nil, false, err
		}
		return encodeResult(res), !res.Transient, nil
	}
	if !j.useCache {
		j.res, j.err = s.compute(ctx, j)
		return
	}
	val, joined, err := s.cache.Do(ctx, j.key, compute)
	j.shared = joined
	var te *verifiers.TaskError
	if joined && errors.As(err, &te) && te.Kind == "timeout" {
		// The computation this item joined ran under the deadline of the
		// request that started it. When that timeout_ms was shorter than
		// this item's, try again with what is left of this item's own
		// deadline, through the cache so that identical retries share one
		// computation.
		own := j.timeout
		if own <= 0 || own > s.engine.Timeout() {
			own = s.engine.Timeout()
		}
		if left := own - time.Since(start); te.Timeout > 0 && te.Timeout < own && left > 0 {
			j.timeout = left
			val, j.shared, err = s.cache.Do(ctx, j.key, compute)
		}
	}
	if err != nil {
		j.err = err
		return
	}
	j.res, j.err = decodeResult(val)
}

// validJSON checks a verifier's details before they are cached and sent:
// goccy's validator took a third of encoding/json's time on typical details,
// and FuzzValidJSON holds the two in agreement.
func validJSON(b []byte) bool { return gojson.Valid(b) }

func (s *Scorer) compute(ctx context.Context, j *job) (verifiers.Result, error) {
	var task verifiers.Task
	var err error
	if j.prep != nil {
		task, err = j.prep.get(s, j)
	} else {
		task, err = s.prepare(j)
	}
	if err != nil {
		return verifiers.Result{}, err
	}
	res, err := s.engine.Run(ctx, j.info.spec.Name, task, j.in, j.timeout)
	if err != nil {
		return verifiers.Result{}, err
	}
	if math.IsNaN(res.Score) || math.IsInf(res.Score, 0) {
		return verifiers.Result{}, &verifiers.TaskError{Kind: "error", Err: fmt.Errorf("verifier %s returned a non-finite score", j.info.id)}
	}
	if len(res.Details) == 0 {
		res.Details = json.RawMessage("{}")
	} else if !validJSON(res.Details) {
		return verifiers.Result{}, &verifiers.TaskError{Kind: "error", Err: fmt.Errorf("verifier %s returned invalid JSON details", j.info.id)}
	}
	return res, nil
}

// componentError points the fields of a rubric component's invalid
// reference or params at the component: rubric.components.a.params.mode,
// not params.mode. A reference the component inherits is the request's.
// It applies per item, since a job may be shared with a plain request.
func componentError(c *component, err error) error {
	ie, ok := verifiers.AsInvalid(err)
	if !ok {
		return err
	}
	out := &verifiers.InvalidError{Errors: make([]verifiers.FieldError, len(ie.Errors))}
	for i, fe := range ie.Errors {
		if !(c.inheritsRef && (fe.Field == "reference" || strings.HasPrefix(fe.Field, "reference.") || strings.HasPrefix(fe.Field, "reference["))) {
			fe.Field = c.field + "." + fe.Field
		}
		out.Errors[i] = fe
	}
	return out
}

// prepare returns the job's prepared task from the LRU, preparing it once
// even when many jobs of a group ask at the same moment.
func (s *Scorer) prepare(j *job) (verifiers.Task, error) {
	if p, ok := s.prepared.Get(j.taskKey); ok {
		return p.task, p.err
	}
	v, _, _ := s.prepFlight.Do(string(j.taskKey[:]), func() (any, error) {
		if p, ok := s.prepared.Get(j.taskKey); ok {
			return p, nil
		}
		p := s.safePrepare(j)
		s.prepared.Add(j.taskKey, p, preparedCost(j.ref, j.params))
		return p, nil
	})
	p := v.(preparedTask)
	return p.task, p.err
}

// safePrepare isolates a panicking Prepare: it is a verifier bug, reported
// as that item's error, and never takes the process down.
func (s *Scorer) safePrepare(j *job) (p preparedTask) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("verifier Prepare panicked", "verifier", j.info.id, "panic", fmt.Sprint(r))
			p = preparedTask{err: &verifiers.TaskError{Kind: "panic", Err: fmt.Errorf("verifier %s panicked in Prepare: %v", j.info.id, r)}}
		}
	}()
	task, err := j.info.v.Prepare(j.ref, j.params)
	if err != nil {
		if _, ok := verifiers.AsInvalid(err); !ok {
			// Prepare fails only on the task author's input (DESIGN.md): an
			// error that is not an InvalidError is still a 422, never a 500.
			err = &verifiers.InvalidError{Errors: []verifiers.FieldError{{Field: "reference", Message: err.Error()}}}
		}
		return preparedTask{err: err}
	}
	if task == nil {
		err = &verifiers.TaskError{Kind: "error", Err: fmt.Errorf("verifier %s prepared a nil task", j.info.id)}
	}
	return preparedTask{task: task, err: err}
}

// assemble turns an item's plan and its jobs' outcomes into a Result.
func (s *Scorer) assemble(it *item, b *batch) Result {
	r := Result{}
	if it.req != nil {
		r.ID = it.req.ID
	}
	if it.err != nil {
		return s.failed(r, it, it.err)
	}
	r.Key = it.key
	if it.job >= 0 {
		j := b.jobs[it.job]
		r.Verifier = j.info.id
		r.ElapsedUS = j.elapsed.Microseconds()
		if j.err != nil {
			return s.failed(r, it, j.err)
		}
		r.Reward = j.res.Score
		b.scores = append(b.scores, Score{j.info.spec.Name, j.res.Score})
		n := len(b.scores)
		r.Scores = b.scores[n-1 : n : n]
		r.Details = j.res.Details
		r.Cached = j.tier != cache.TierNone || j.shared || it.dup
		return r
	}
	cr := it.rubric
	r.Verifier = cr.label
	r.Scores = make(Scores, 0, len(cr.comps))
	var details bytes.Buffer
	details.WriteByte('{')
	cached := true
	var firstErr error
	for n, ji := range it.comps {
		j := b.jobs[ji]
		name := cr.comps[n].name
		if n > 0 {
			details.WriteByte(',')
		}
		nb, _ := json.Marshal(name)
		details.Write(nb)
		details.WriteByte(':')
		r.ElapsedUS = max(r.ElapsedUS, j.elapsed.Microseconds())
		if j.err != nil {
			err := componentError(&cr.comps[n], j.err)
			if firstErr == nil {
				firstErr = fmt.Errorf("component %s: %w", name, err)
			}
			pb, _ := json.Marshal(map[string]any{"error": problem.From(err)})
			details.Write(pb)
			continue
		}
		r.Scores = append(r.Scores, Score{name, j.res.Score})
		details.Write(j.res.Details)
		cached = cached && (j.tier != cache.TierNone || j.shared || it.dup)
	}
	details.WriteByte('}')
	r.Details = details.Bytes()
	if firstErr != nil {
		r.Reward, r.Error = it.onError, ptr(problem.From(firstErr))
		return r
	}
	resp := it.req.Response
	reward, err := cr.r.Eval(r.Scores.Map(), rubric.Vars{ResponseLength: utf8.RuneCountInString(*resp), ResponseWords: len(strings.Fields(*resp))})
	if err != nil {
		// The expression, not a verifier, failed for this response (1/x
		// at x = 0): the task author's to fix, so a 422 of its own type.
		r.Reward, r.Error = it.onError, ptr(problem.From(problem.New(http.StatusUnprocessableEntity, "rubric-error", "Rubric expression failed", err.Error())))
		return r
	}
	r.Reward, r.Cached = reward, cached
	return r
}

func (s *Scorer) failed(r Result, it *item, err error) Result {
	r.Reward = it.onError
	r.Scores = Scores{}
	r.Details = json.RawMessage("{}")
	r.Error = ptr(problem.From(err))
	return r
}

func ptr[T any](v T) *T { return &v }

// Cached values are [version][score as float64 bits, little endian][details].
const encodingVersion = 1

func encodeResult(r verifiers.Result) []byte {
	b := make([]byte, 9+len(r.Details))
	b[0] = encodingVersion
	binary.LittleEndian.PutUint64(b[1:9], math.Float64bits(r.Score))
	copy(b[9:], r.Details)
	return b
}

var errBadEncoding = errors.New("cached value has an unknown encoding")

func decodeResult(b []byte) (verifiers.Result, error) {
	if len(b) < 9 || b[0] != encodingVersion {
		return verifiers.Result{}, errBadEncoding
	}
	return verifiers.Result{
		Score:   math.Float64frombits(binary.LittleEndian.Uint64(b[1:9])),
		Details: json.RawMessage(b[9:]),
	}, nil
}
