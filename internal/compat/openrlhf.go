package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/referee/referee/internal/jsonbody"
	"github.com/referee/referee/internal/problem"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/verifiers"
)

// openRLHFRequest is what OpenRLHF's remote reward model client posts.
// Unknown fields are ignored: OpenRLHF versions add fields, and a trainer
// must not break on an upgrade.
type openRLHFRequest struct {
	Query   []string          `json:"query"`
	Prompts []string          `json:"prompts"`
	Labels  []json.RawMessage `json:"labels"`
}

type openRLHFHandler struct {
	cfg   *Config
	route OpenRLHF
}

// maxItemErrors bounds the field errors listed in one problem.
const maxItemErrors = 10

func (h *openRLHFHandler) serve(c echo.Context) error {
	route, err := h.effective(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, h.cfg.MaxBody)
	if err != nil {
		return err
	}
	var req openRLHFRequest
	if err := jsonbody.Decode(body, &req, false); err != nil {
		return err
	}
	if req.Query == nil {
		return problem.Field("query", "is required: the list of prompt+response texts")
	}
	n := len(req.Query)
	if req.Prompts != nil && len(req.Prompts) != n {
		return problem.Field("prompts", "has %d entries but query has %d; they must be the same length", len(req.Prompts), n)
	}
	if req.Labels != nil && len(req.Labels) != n {
		return problem.Field("labels", "has %d entries but query has %d; they must be the same length (or send null labels)", len(req.Labels), n)
	}

	defaults := &scoring.Request{Verifier: route.Verifier, Params: route.Params}
	if route.Rubric != "" {
		defaults.Rubric, _ = json.Marshal(route.Rubric)
	}
	items := make([]scoring.Request, n)
	// One backing array for the item responses: a batch of 1,024 rollouts
	// should not cost 1,024 small allocations.
	responses := make([]string, n)
	for i, q := range req.Query {
		prompt := ""
		if req.Prompts != nil {
			prompt = req.Prompts[i]
		}
		responses[i] = stripPrompt(q, prompt)
		items[i].Response = &responses[i]
		if req.Prompts != nil {
			items[i].Prompt = &req.Prompts[i]
		}
		if req.Labels != nil {
			ref, err := labelReference(req.Labels[i], route.Labels)
			if err != nil {
				return problem.Field(fmt.Sprintf("labels[%d]", i), "%v", err)
			}
			items[i].Reference = ref
		}
	}
	// OpenRLHF sends a whole rollout batch and cannot split it, so any size
	// (within REFEREE_MAX_BODY) is scored, in chunks of REFEREE_MAX_BATCH.
	// A duplicate in a later chunk is found in the cache.
	results := make([]scoring.Result, 0, n)
	for start := 0; start < n; start += h.cfg.MaxBatch {
		end := min(start+h.cfg.MaxBatch, n)
		part, _, err := h.cfg.Scorer.ScoreBatch(c.Request().Context(), defaults, items[start:end])
		if err != nil {
			return err
		}
		results = append(results, part...)
	}
	if err := requestErrors(results, req.Labels == nil); err != nil {
		return err
	}
	return writeJSON(c, encodeOpenRLHF(results))
}

// effective merges the query parameters into the route's defaults.
func (h *openRLHFHandler) effective(c echo.Context) (OpenRLHF, error) {
	r := h.route
	q := c.QueryParams()
	v, rb := q.Get("verifier"), q.Get("rubric")
	switch {
	case v != "" && rb != "":
		return r, problem.Field("verifier", "give ?verifier= or ?rubric=, not both")
	case v != "":
		r.Verifier, r.Rubric = v, ""
	case rb != "":
		r.Verifier, r.Rubric, r.Params = "", rb, nil
	}
	if p := q.Get("params"); p != "" {
		if !json.Valid([]byte(p)) {
			return r, problem.Field("params", "the params query parameter is not valid JSON")
		}
		r.Params = json.RawMessage(p)
	}
	if l := q.Get("labels"); l != "" {
		if err := checkLabels(l); err != nil {
			return r, problem.Field("labels", "%v", err)
		}
		r.Labels = l
	}
	if r.Verifier == "" && r.Rubric == "" {
		return r, problem.Field("verifier", "no verifier or rubric for %s: configure one (REFEREE_OPENRLHF_VERIFIER or REFEREE_OPENRLHF_RUBRIC) or pass ?verifier=NAME or ?rubric=NAME", r.Path)
	}
	return r, nil
}

// stripPrompt returns the response part of an OpenRLHF query, which is the
// decoded prompt followed by the response. When the prompt is not a prefix
// (a tokenizer added a BOS token or changed white space), the text after the
// first occurrence of the prompt is the response; when the prompt does not
// occur at all, the whole query is.
func stripPrompt(query, prompt string) string {
	if prompt == "" {
		return query
	}
	if r, ok := strings.CutPrefix(query, prompt); ok {
		return r
	}
	if i := strings.Index(query, prompt); i >= 0 {
		return query[i+len(prompt):]
	}
	if p := strings.TrimSpace(prompt); p != "" {
		if i := strings.Index(query, p); i >= 0 {
			return query[i+len(p):]
		}
	}
	return query
}

// labelReference maps one label to a reference. A null label means no
// reference.
func labelReference(label json.RawMessage, mode string) (json.RawMessage, error) {
	label = bytes.TrimSpace(label)
	if len(label) == 0 || bytes.Equal(label, []byte("null")) {
		return nil, nil
	}
	if mode != "json" || label[0] != '"' {
		return label, nil
	}
	var s string
	if err := json.Unmarshal(label, &s); err != nil {
		return nil, err
	}
	if !json.Valid([]byte(s)) {
		return nil, fmt.Errorf("labels=json but the label is not a JSON document: %.80q", s)
	}
	return json.RawMessage(s), nil
}

// requestErrors fails the whole call when an item was rejected for a reason
// that is the caller's fault (a 4xx: bad label, bad params, unknown
// verifier). A trainer must hear about bad data loudly, not train on zero
// rewards. Failures of the verifier at scoring time (deadline, panic) are
// not request errors: those items get the on_error reward and a 1 in
// extra_logs.referee_error.
func requestErrors(results []scoring.Result, noLabels bool) error {
	var first *problem.Details
	var errs []verifiers.FieldError
	failed := 0
	for i := range results {
		e := results[i].Error
		if e == nil || e.Status >= 500 {
			continue
		}
		failed++
		if first == nil {
			first = e
		}
		if len(errs) < maxItemErrors {
			field := fmt.Sprintf("query[%d]", i)
			if e.Status == http.StatusUnprocessableEntity {
				field = fmt.Sprintf("labels[%d]", i)
			}
			errs = append(errs, verifiers.FieldError{Field: field, Message: e.Detail})
		}
	}
	if first == nil {
		return nil
	}
	detail := fmt.Sprintf("%d of %d queries were rejected; the first: %s", failed, len(results), first.Detail)
	if noLabels && first.Status == http.StatusUnprocessableEntity {
		detail = "labels are missing and the verifier needs a reference: send labels (OpenRLHF --label_key). " + detail
	}
	return &problem.Error{Status: first.Status, Type: strings.TrimPrefix(first.Type, problem.TypeBase), Title: first.Title, Detail: detail, Errors: errs}
}

// encodeOpenRLHF writes {"rewards","scores","extra_logs"} by hand: this is
// the per-rollout path of a training run.
func encodeOpenRLHF(results []scoring.Result) []byte {
	names := map[string]bool{}
	for i := range results {
		for _, sc := range results[i].Scores {
			names[sc.Name] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)

	b := make([]byte, 0, 64+len(results)*(24+8*len(sorted)))
	b = append(b, `{"rewards":`...)
	b = appendFloats(b, results, func(r *scoring.Result) float64 { return r.Reward })
	// scores are what OpenRLHF's dynamic filtering reads; they equal the
	// rewards.
	b = append(b, `,"scores":`...)
	b = appendFloats(b, results, func(r *scoring.Result) float64 { return r.Reward })
	b = append(b, `,"extra_logs":{`...)
	for _, name := range sorted {
		nb, _ := json.Marshal(name)
		b = append(b, nb...)
		b = append(b, ':')
		b = appendFloats(b, results, func(r *scoring.Result) float64 { v, _ := r.Scores.Get(name); return v })
		b = append(b, ',')
	}
	b = append(b, `"referee_cached":`...)
	b = appendFloats(b, results, func(r *scoring.Result) float64 { return b2f(r.Cached) })
	b = append(b, `,"referee_error":`...)
	b = appendFloats(b, results, func(r *scoring.Result) float64 { return b2f(r.Error != nil) })
	return append(b, "}}\n"...)
}

func appendFloats(b []byte, results []scoring.Result, f func(*scoring.Result) float64) []byte {
	b = append(b, '[')
	for i := range results {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, f(&results[i]), 'g', -1, 64)
	}
	return append(b, ']')
}

func b2f(v bool) float64 {
	if v {
		return 1
	}
	return 0
}
