// Package citation is the citation verifier: it extracts the citations of
// a search agent's answer, checks that each cited page exists and says
// what the answer claims, and scores the answer. Pages come first from the
// rollout's own browse log, then from a frozen local snapshot of the web,
// and from the live web only when the mode allows it. See README.md.
package citation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/citation/fetch"
	"github.com/referee/referee/verifiers/citation/snapshot"
	"github.com/referee/referee/verifiers/citation/urlkey"
)

// Modes say where pages may come from after the browse log.
const (
	ModeSnapshot         = "snapshot"           // the snapshot only (deterministic)
	ModeLive             = "live"               // the live web only
	ModeSnapshotThenLive = "snapshot_then_live" // the live web for pages the snapshot lacks
)

// Sources of a citation's status.
const (
	sourceVisited  = "visited"
	sourceSnapshot = "snapshot"
	sourceLive     = "live"
	sourceCache    = "cache"
	sourceNone     = "none" // nothing was looked up (invalid URL, no snapshot)
)

// Cache is the shared store of live fetch outcomes (the lead adapts the
// service's cache to it). nil keeps outcomes in process only.
type Cache = fetch.Cache

// Config is the server-side configuration of the verifier.
type Config struct {
	// SnapshotDir is the snapshot directory (REFEREE_SNAPSHOT); empty means
	// no snapshot, so snapshot look-ups answer unknown.
	SnapshotDir string
	// Mode is the default mode (REFEREE_CITATION_MODE); default snapshot.
	Mode string
	// AllowPrivate lets live fetches reach loopback and private addresses
	// (REFEREE_CITATION_ALLOW_PRIVATE=1). Tests only; the server should say
	// so loudly at start.
	AllowPrivate bool
	// Cache shares live fetch outcomes across replicas.
	Cache Cache
	// UserAgent for live fetches; default fetch.DefaultUserAgent.
	UserAgent string
	// PageCacheSize is how many prepared page texts stay in memory; default 512.
	PageCacheSize int
	// Fetch tunes live fetching (limits, timeouts); its UserAgent,
	// AllowPrivate and Cache are taken from the fields above.
	Fetch fetch.Config
}

// Verifier is the citation verifier. It holds an open snapshot and an HTTP
// client; Close releases them.
type Verifier struct {
	mode    string
	snap    *snapshot.Snapshot
	fetcher *fetch.Fetcher
	pages   *lru.Cache[string, *doc]
	sf      singleflight.Group
	spec    verifiers.Spec
}

var (
	_ verifiers.Verifier = (*Verifier)(nil)
	_ verifiers.Closer   = (*Verifier)(nil)
	_ verifiers.Checker  = (*Verifier)(nil)
)

// New opens the snapshot (when configured) and prepares the fetcher.
func New(cfg Config) (*Verifier, error) {
	switch cfg.Mode {
	case "":
		cfg.Mode = ModeSnapshot
	case ModeSnapshot, ModeLive, ModeSnapshotThenLive:
	default:
		return nil, fmt.Errorf("citation: unknown mode %q (want snapshot, live or snapshot_then_live)", cfg.Mode)
	}
	if cfg.PageCacheSize <= 0 {
		cfg.PageCacheSize = 512
	}
	v := &Verifier{mode: cfg.Mode}
	if cfg.SnapshotDir != "" {
		s, err := snapshot.Open(cfg.SnapshotDir)
		if err != nil {
			return nil, fmt.Errorf("citation: %w", err)
		}
		v.snap = s
	}
	fc := cfg.Fetch
	fc.UserAgent, fc.AllowPrivate, fc.Cache = cfg.UserAgent, cfg.AllowPrivate, cfg.Cache
	v.fetcher = fetch.New(fc)
	v.pages, _ = lru.New[string, *doc](cfg.PageCacheSize)
	v.spec = spec(cfg.Mode, v.SnapshotID())
	return v, nil
}

// Close releases the snapshot and idle connections.
func (v *Verifier) Close() error {
	v.fetcher.Close()
	if v.snap != nil {
		return v.snap.Close()
	}
	return nil
}

// Check reports whether the configured snapshot is usable.
func (v *Verifier) Check(context.Context) error {
	if v.snap != nil && v.snap.Len() == 0 {
		return errors.New("citation: snapshot is empty")
	}
	return nil
}

// SnapshotID is the open snapshot's id, or "" without one.
func (v *Verifier) SnapshotID() string {
	if v.snap == nil {
		return ""
	}
	return v.snap.ID()
}

// Spec implements verifiers.Verifier.
func (v *Verifier) Spec() verifiers.Spec { return v.spec }

// Limits of a reference and params.
const (
	maxListItems   = 1000
	maxVisited     = 10000
	maxVisitedText = 64 << 20
)

// reference is the task author's reference; every field is optional.
type reference struct {
	Required     []string `json:"required"`
	Forbidden    []string `json:"forbidden"`
	MinCitations int      `json:"min_citations"`
}

// Weights of the score; see README.md.
type Weights struct {
	Reachable  *float64 `json:"reachable"`
	Supported  *float64 `json:"supported"`
	Required   *float64 `json:"required"`
	Fabricated *float64 `json:"fabricated"`
	Duplicate  *float64 `json:"duplicate"`
	Overcited  *float64 `json:"overcited"`
}

type params struct {
	Mode            string            `json:"mode"`
	Visited         []json.RawMessage `json:"visited"`
	RequireVisited  bool              `json:"require_visited"`
	ClaimThreshold  *float64          `json:"claim_threshold"`
	Window          *int              `json:"window"`
	MaxPerSentence  *int              `json:"max_per_sentence"`
	Weights         Weights           `json:"weights"`
	CheckSupport    *bool             `json:"check_support"`
	MissingIsBroken bool              `json:"missing_is_broken"`
}

// visitedPage is one entry of the browse log.
type visitedPage struct {
	URL      string `json:"url"`
	Status   int    `json:"status"`
	FinalURL string `json:"final_url"`
	Text     string `json:"text"`
}

type weights struct {
	reachable, supported, required, fabricated, duplicate, overcited float64
}

// Defaults of the params, documented in the spec and README.
const (
	defaultClaimThreshold = 0.75
	defaultWindow         = 30
	defaultMaxPerSentence = 3
)

var defaultWeights = weights{reachable: 0.3, supported: 0.5, required: 0.2, fabricated: 0.5, duplicate: 0.2, overcited: 0.2}

type matcher struct {
	raw  string
	host string // set for host entries
	url  string // canonical, for URL entries
	surt string // SURT key without a trailing "/", for URL entries
}

type task struct {
	v              *Verifier
	mode           string
	required       []matcher
	forbidden      []matcher
	minCitations   int
	visited        map[string]*visitedEntry // canonical URL -> entry
	requireVisited bool
	threshold      float64
	window         int
	maxPerSentence int
	w              weights
	checkSupport   bool
	missingBroken  bool
}

type visitedEntry struct {
	status int
	text   string
	doc    *doc
	once   sync.Once
}

func (e *visitedEntry) page() *doc {
	e.once.Do(func() {
		if e.text != "" {
			e.doc = newDoc(e.text)
		}
	})
	return e.doc
}

// Prepare implements verifiers.Verifier.
func (v *Verifier) Prepare(rawRef, rawParams json.RawMessage) (verifiers.Task, error) {
	var p params
	if err := verifiers.DecodeParams(rawParams, &p); err != nil {
		return nil, err
	}
	t := &task{v: v, mode: v.mode, requireVisited: p.RequireVisited, threshold: defaultClaimThreshold,
		window: defaultWindow, maxPerSentence: defaultMaxPerSentence, w: defaultWeights, checkSupport: true,
		missingBroken: p.MissingIsBroken}
	switch p.Mode {
	case "":
	case ModeSnapshot, ModeLive, ModeSnapshotThenLive:
		t.mode = p.Mode
	default:
		return nil, verifiers.Invalidf("params.mode", "unknown mode %q (want snapshot, live or snapshot_then_live)", p.Mode)
	}
	if p.ClaimThreshold != nil {
		if *p.ClaimThreshold <= 0 || *p.ClaimThreshold > 1 {
			return nil, verifiers.Invalidf("params.claim_threshold", "must be in (0, 1], got %v", *p.ClaimThreshold)
		}
		t.threshold = *p.ClaimThreshold
	}
	if p.Window != nil {
		if *p.Window < 1 || *p.Window > 1000 {
			return nil, verifiers.Invalidf("params.window", "must be between 1 and 1000 words, got %d", *p.Window)
		}
		t.window = *p.Window
	}
	if p.MaxPerSentence != nil {
		if *p.MaxPerSentence < 1 {
			return nil, verifiers.Invalidf("params.max_per_sentence", "must be at least 1, got %d", *p.MaxPerSentence)
		}
		t.maxPerSentence = *p.MaxPerSentence
	}
	if p.CheckSupport != nil {
		t.checkSupport = *p.CheckSupport
	}
	for _, f := range []struct {
		name string
		src  *float64
		dst  *float64
	}{
		{"reachable", p.Weights.Reachable, &t.w.reachable}, {"supported", p.Weights.Supported, &t.w.supported},
		{"required", p.Weights.Required, &t.w.required}, {"fabricated", p.Weights.Fabricated, &t.w.fabricated},
		{"duplicate", p.Weights.Duplicate, &t.w.duplicate}, {"overcited", p.Weights.Overcited, &t.w.overcited},
	} {
		if f.src == nil {
			continue
		}
		if *f.src < 0 || *f.src > 10 || math.IsNaN(*f.src) {
			return nil, verifiers.Invalidf("params.weights."+f.name, "must be between 0 and 10, got %v", *f.src)
		}
		*f.dst = *f.src
	}
	if t.w.reachable+t.w.supported+t.w.required == 0 {
		return nil, verifiers.Invalidf("params.weights", "reachable, supported and required weights are all 0")
	}
	if len(p.Visited) > maxVisited {
		return nil, verifiers.Invalidf("params.visited", "has %d entries, over the limit of %d", len(p.Visited), maxVisited)
	}
	if p.Visited != nil {
		// Present, even empty: the browse log is known (an empty one means
		// the agent opened nothing).
		t.visited = map[string]*visitedEntry{}
		total := 0
		for i, raw := range p.Visited {
			field := fmt.Sprintf("params.visited[%d]", i)
			var vp visitedPage
			raw = bytes.TrimSpace(raw)
			if len(raw) > 0 && raw[0] == '"' {
				if err := json.Unmarshal(raw, &vp.URL); err != nil {
					return nil, verifiers.Invalidf(field, "%v", err)
				}
			} else {
				dec := json.NewDecoder(bytes.NewReader(raw))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&vp); err != nil {
					return nil, verifiers.Invalidf(field, "want a URL or {url, status, final_url, text}: %v", err)
				}
			}
			total += len(vp.Text)
			if total > maxVisitedText {
				return nil, verifiers.Invalidf(field, "visited texts exceed %d bytes in total", maxVisitedText)
			}
			canon, err := urlkey.Canonical(vp.URL)
			if err != nil {
				return nil, verifiers.Invalidf(field, "%v", err)
			}
			e := &visitedEntry{status: vp.Status, text: vp.Text}
			t.visited[canon] = e
			if vp.FinalURL != "" {
				if fc, err := urlkey.Canonical(vp.FinalURL); err == nil {
					if _, ok := t.visited[fc]; !ok {
						t.visited[fc] = e
					}
				}
			}
		}
	}
	if err := t.parseReference(rawRef); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *task) parseReference(raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if len(raw) > 1<<20 {
		return verifiers.Invalidf("reference", "is %d bytes, over the limit of %d", len(raw), 1<<20)
	}
	var ref reference
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ref); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return verifiers.Invalidf("reference."+te.Field, "want %s, got %s", te.Type, te.Value)
		}
		return verifiers.Invalidf("reference", "want an object {required, forbidden, min_citations}: %v", err)
	}
	if ref.MinCitations < 0 || ref.MinCitations > MaxCitations {
		return verifiers.Invalidf("reference.min_citations", "must be between 0 and %d, got %d", MaxCitations, ref.MinCitations)
	}
	t.minCitations = ref.MinCitations
	var err error
	if t.required, err = matchers("reference.required", ref.Required); err != nil {
		return err
	}
	t.forbidden, err = matchers("reference.forbidden", ref.Forbidden)
	return err
}

// matchers parses required or forbidden entries: a URL (with a scheme)
// names one page; anything else is a host, which also covers its subdomains.
func matchers(field string, items []string) ([]matcher, error) {
	if len(items) > maxListItems {
		return nil, verifiers.Invalidf(field, "has %d entries, over the limit of %d", len(items), maxListItems)
	}
	var out []matcher
	for i, it := range items {
		it = strings.TrimSpace(it)
		f := fmt.Sprintf("%s[%d]", field, i)
		if strings.Contains(it, "://") || strings.Contains(it, "/") {
			u, err := urlkey.Parse(it)
			if err != nil {
				return nil, verifiers.Invalidf(f, "%v", err)
			}
			out = append(out, matcher{raw: it, url: u.String(), surt: strings.TrimSuffix(urlkey.SURT(u), "/")})
			continue
		}
		u, err := urlkey.Parse("http://" + it + "/")
		if err != nil || u.Port != "" {
			return nil, verifiers.Invalidf(f, "want a URL or a host name, got %q", it)
		}
		out = append(out, matcher{raw: it, host: strings.TrimPrefix(u.Host, "www.")})
	}
	return out, nil
}

func (m matcher) match(u urlkey.URL, canon string) bool {
	if m.url != "" {
		// The same page as the snapshot sees it: scheme, "www", case and
		// query order aside, and a trailing slash.
		return canon == m.url || strings.TrimSuffix(urlkey.SURT(u), "/") == m.surt
	}
	h := strings.TrimPrefix(u.Host, "www.")
	return h == m.host || strings.HasSuffix(h, "."+m.host)
}

// CitationResult is one entry of details.citations.
type CitationResult struct {
	URL          string `json:"url"`
	CanonicalURL string `json:"canonical_url"`
	Status       string `json:"status"`
	Source       string `json:"source"`
	Supported    *bool  `json:"supported"`
	Evidence     string `json:"evidence,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// Rates are the score's components, each in [0,1].
type Rates struct {
	Reachable      float64  `json:"reachable"`
	Supported      float64  `json:"supported"`
	RequiredRecall *float64 `json:"required_recall"`
	Fabricated     float64  `json:"fabricated"`
	Duplicate      float64  `json:"duplicate"`
	Overcited      float64  `json:"overcited"`
}

// Details is the result's details object.
type Details struct {
	Snapshot        string           `json:"snapshot"`
	Mode            string           `json:"mode"`
	Citations       []CitationResult `json:"citations"`
	Rates           Rates            `json:"rates"`
	MissingRequired []string         `json:"missing_required,omitempty"`
	Forbidden       []string         `json:"forbidden,omitempty"`
	Truncated       bool             `json:"truncated,omitempty"`
	Live            bool             `json:"live,omitempty"`
	Reason          string           `json:"reason,omitempty"`
}

// parsed is a citation's URL after canonicalization.
type parsed struct {
	u     urlkey.URL
	canon string
	err   error
}

// Score implements verifiers.Task.
func (t *task) Score(ctx context.Context, in verifiers.Input) (verifiers.Result, error) {
	d := Details{Snapshot: t.v.SnapshotID(), Mode: t.mode, Citations: []CitationResult{}}
	if len(in.Response) > MaxResponseBytes {
		d.Reason = fmt.Sprintf("response is %d bytes, over the limit of %d", len(in.Response), MaxResponseBytes)
		return result(0, d)
	}
	ex := Extract(in.Response)
	if ex.Truncated {
		// Hundreds of citations is spraying, and the ones past the limit
		// would escape the fabrication penalty: score 0.
		d.Truncated = true
		d.Reason = fmt.Sprintf("more than %d citations", MaxCitations)
		return result(0, d)
	}
	if len(ex.Citations) == 0 {
		d.Reason = "no citations found"
		if len(t.required) > 0 {
			zero := 0.0
			d.Rates.RequiredRecall = &zero
			for _, m := range t.required {
				d.MissingRequired = append(d.MissingRequired, m.raw)
			}
		}
		return result(0, d)
	}

	// Resolve each distinct URL once.
	urls := make([]parsed, len(ex.Citations))
	cache := map[string]*resolved{}
	var order []string
	for i, c := range ex.Citations {
		if c.URL == "" {
			urls[i].err = errors.New("marker has no source")
			continue
		}
		u, err := urlkey.Parse(c.URL)
		urls[i] = parsed{u: u, err: err}
		if err == nil {
			urls[i].canon = u.String()
			if _, ok := cache[urls[i].canon]; !ok {
				cache[urls[i].canon] = nil
				order = append(order, urls[i].canon)
			}
		}
	}
	t.resolveAll(ctx, urls, order, cache)

	dup := duplicates(ex.Citations, urls)
	nSent := 0
	for _, c := range ex.Citations {
		nSent = max(nSent, c.Sentence+1)
	}
	perSentence := make([]int, nSent)
	claims := make([]*claim, nSent) // by sentence: every citation of a sentence shares its claim
	var ok, broken, claimed, supported, dups, over int
	transient := false
	// Pages cited in support of a claim, by identity: the same snapshot
	// page under another URL spelling is one page, and a sources-list
	// entry that claims nothing pads nothing.
	distinct := map[any]bool{}
	forbidden := map[string]bool{}
	for i, c := range ex.Citations {
		cr := CitationResult{URL: c.URL, CanonicalURL: urls[i].canon, Source: sourceNone}
		if c.Sentence >= 0 {
			perSentence[c.Sentence]++
			if perSentence[c.Sentence] > t.maxPerSentence {
				over++
			}
		}
		if dup[i] {
			dups++
		}
		var r *resolved
		switch {
		case c.URL == "":
			cr.Status, cr.Reason = fetch.Broken, fmt.Sprintf("marker [%s] has no source in the answer", c.Marker)
		case urls[i].err != nil:
			cr.Status, cr.Reason = fetch.Broken, urls[i].err.Error()
		default:
			r = cache[urls[i].canon]
			cr.Status, cr.Source, cr.Reason = r.status, r.source, r.reason
			if r.live {
				d.Live = true
				if r.status == fetch.Unknown {
					// A 429, 5xx or timeout this time; the next identical
					// rollout should ask again rather than get this cached.
					transient = true
				}
			}
			for _, m := range t.forbidden {
				if m.match(urls[i].u, urls[i].canon) {
					forbidden[m.raw] = true
				}
			}
		}
		switch cr.Status {
		case fetch.OK:
			ok++
		case fetch.Broken:
			broken++
		}
		var cl claim // sources-list entries (sentence -1) claim nothing
		if c.Sentence >= 0 {
			if claims[c.Sentence] == nil {
				nc := newClaim(c.Claim)
				claims[c.Sentence] = &nc
			}
			cl = *claims[c.Sentence]
		}
		t.support(&cr, c, cl, r)
		if r != nil && r.status != fetch.Broken && (!t.checkSupport || (cr.Supported != nil && *cr.Supported)) {
			var key any = urls[i].canon
			if r.page != nil {
				key = r.page
			}
			distinct[key] = true
		}
		if cr.Supported != nil {
			claimed++
			if *cr.Supported {
				supported++
			}
		}
		d.Citations = append(d.Citations, cr)
	}

	n := float64(len(ex.Citations))
	d.Rates.Reachable = float64(ok) / n
	if claimed > 0 {
		d.Rates.Supported = float64(supported) / float64(claimed)
	}
	d.Rates.Fabricated = float64(broken) / n
	d.Rates.Duplicate = float64(dups) / n
	d.Rates.Overcited = float64(over) / n
	// Without support checks the supported component is left out rather
	// than counted as 0.
	wsum, base := t.w.reachable, t.w.reachable*d.Rates.Reachable
	if t.checkSupport {
		wsum += t.w.supported
		base += t.w.supported * d.Rates.Supported
	}
	if len(t.required) > 0 {
		found := 0
		for _, m := range t.required {
			hit := false
			for i, c := range ex.Citations {
				if c.URL != "" && urls[i].err == nil && d.Citations[i].Status != fetch.Broken && m.match(urls[i].u, urls[i].canon) {
					hit = true
					break
				}
			}
			if hit {
				found++
			} else {
				d.MissingRequired = append(d.MissingRequired, m.raw)
			}
		}
		recall := float64(found) / float64(len(t.required))
		d.Rates.RequiredRecall = &recall
		base += t.w.required * recall
		wsum += t.w.required
	}
	score := 0.0
	if wsum > 0 {
		score = base / wsum
	}
	score -= t.w.fabricated*d.Rates.Fabricated + t.w.duplicate*d.Rates.Duplicate + t.w.overcited*d.Rates.Overcited
	if t.minCitations > 0 && len(distinct) < t.minCitations {
		score *= float64(len(distinct)) / float64(t.minCitations)
		d.Reason = fmt.Sprintf("%d distinct working citations, fewer than min_citations %d", len(distinct), t.minCitations)
	}
	for _, m := range t.forbidden {
		if forbidden[m.raw] {
			d.Forbidden = append(d.Forbidden, m.raw)
		}
	}
	if len(d.Forbidden) > 0 {
		score = 0
		d.Reason = "cites a forbidden source"
	}
	res, err := result(score, d)
	res.Transient = transient
	return res, err
}

// duplicates marks citations that repeat a URL: the same canonical URL
// cited again in the same sentence, or a footnote or numbered label whose
// URL an earlier label already defined (two list entries for one page).
func duplicates(cs []Citation, urls []parsed) []bool {
	// At most MaxCitations citations: pairwise comparison is cheaper than
	// maps for the usual handful and bounded for the worst case.
	out := make([]bool, len(cs))
	labelKind := func(c Citation) string {
		if c.Kind == kindSource {
			if strings.HasPrefix(c.Marker, "^") {
				return kindFootnote
			}
			return kindNumbered
		}
		return c.Kind
	}
	for i, c := range cs {
		canon := urls[i].canon
		if canon == "" {
			continue
		}
		labelled := c.Marker != "" && (c.Kind == kindFootnote || c.Kind == kindNumbered || c.Kind == kindSource)
		firstLabel := false // the first label seen for this page is decided
		for j := 0; j < i && !out[i]; j++ {
			if urls[j].canon != canon {
				continue
			}
			p := cs[j]
			if labelled && !firstLabel && p.Marker != "" && labelKind(p) == labelKind(c) {
				// The first label used for a page keeps it; any other
				// label for the same page is a duplicate entry.
				firstLabel = true
				if p.Marker != c.Marker {
					out[i] = true
					continue
				}
			}
			if c.Sentence >= 0 && p.Sentence == c.Sentence {
				out[i] = true // the same page again in one sentence
			}
		}
	}
	return out
}

func result(score float64, d Details) (verifiers.Result, error) {
	if math.IsNaN(score) || score < 0 {
		score = 0
	}
	if score > 1 {
		score = 1
	}
	score = math.Round(score*1e9) / 1e9
	b, err := json.Marshal(d)
	if err != nil {
		return verifiers.Result{}, fmt.Errorf("citation: encode details: %w", err)
	}
	return verifiers.Result{Score: score, Details: b}, nil
}

// support decides whether a citation supports its claim.
func (t *task) support(cr *CitationResult, c Citation, cl claim, r *resolved) {
	hasClaim := len(c.Quotes) > 0 || len(cl.words) > 0
	if !hasClaim || !t.checkSupport {
		if cr.Reason == "" && cr.Status == fetch.OK {
			cr.Reason = "nothing claimed"
		}
		return
	}
	no := false
	yes := true
	if r != nil && t.requireVisited && !r.visited {
		// With no visited log at all, no page was shown to be opened.
		cr.Supported, cr.Reason = &no, "the agent never opened this page"
		return
	}
	if r == nil || r.status != fetch.OK || r.page == nil {
		cr.Supported = &no
		if cr.Reason == "" {
			cr.Reason = "no page text to check the claim against"
		}
		return
	}
	if len(c.Quotes) > 0 {
		var ev []string
		content := 0
		for _, q := range c.Quotes {
			found, snippet := r.page.quoteSupported(q)
			if !found {
				cr.Supported, cr.Reason = &no, fmt.Sprintf("quote not found in page: %q", clip(q, 120))
				return
			}
			ev = append(ev, snippet)
			content += len(newClaim(q).words)
		}
		if content < 2 {
			// "the … the", "the tower is": words any page has.
			cr.Supported, cr.Reason = &no, "the quote has too few content words to support a claim"
			return
		}
		// A quote supports itself, not a number stated beside it
		// ("built in 1750, and it \"is a lattice tower\""): those must
		// be on the page too.
		if len(cl.numbers) > 0 {
			if found, _, _ := r.page.claimSupported(claim{words: cl.numbers, numbers: cl.numbers}, t.window, 1); !found {
				cr.Supported, cr.Reason = &no, "the quote is on the page but a number the sentence states is not"
				return
			}
		}
		cr.Supported, cr.Evidence, cr.Reason = &yes, "quote found: "+clip(strings.Join(ev, " | "), 300), ""
		return
	}
	found, share, snippet := r.page.claimSupported(cl, t.window, t.threshold)
	if found && cl.negated && !hasNegation(snippet) {
		// "was not built in 1889" against a page saying it was.
		cr.Supported, cr.Reason = &no, "the claim is negated but the page's passage is not"
		return
	}
	if found {
		cr.Supported, cr.Evidence, cr.Reason = &yes, strconv.Itoa(int(math.Round(share*100)))+"% of claim words near: "+snippet, ""
		return
	}
	cr.Supported = &no
	switch {
	case share == 0 && snippet == "":
		cr.Reason = "no claim words found in page"
	default:
		cr.Reason = fmt.Sprintf("claim not supported: best window has %.0f%% of claim words (need %.0f%%) or misses a number", share*100, t.threshold*100)
	}
	cr.Evidence = ""
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] >= 0xC0 {
		s = s[:len(s)-1]
	}
	return s + "…"
}
