package citation

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/referee/referee/verifiers/citation/fetch"
	"github.com/referee/referee/verifiers/citation/snapshot"
	"github.com/referee/referee/verifiers/citation/urlkey"
)

// resolved is what the resolution order found for one canonical URL.
type resolved struct {
	status, source, reason string
	page                   *doc
	visited                bool // the browse log has the page
	live                   bool // the answer came from the network or the fetch cache
	needLive               bool // the mode allows, and the page needs, a live fetch
}

// maxLiveParallel bounds one answer's concurrent live fetches; the fetcher
// also bounds each host.
const maxLiveParallel = 8

// resolveAll resolves each distinct canonical URL through the resolution
// order: the browse log, the snapshot, then the live web when the mode
// allows.
func (t *task) resolveAll(ctx context.Context, urls []parsed, order []string, out map[string]*resolved) {
	byCanon := make(map[string]urlkey.URL, len(order))
	for _, p := range urls {
		if p.err == nil && p.canon != "" {
			byCanon[p.canon] = p.u
		}
	}
	var live []string
	for _, canon := range order {
		r := t.resolveLocal(byCanon[canon], canon)
		out[canon] = r
		if r.needLive {
			live = append(live, canon)
		}
	}
	if len(live) == 0 {
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxLiveParallel)
	results := make([]*resolved, len(live))
	for i, canon := range live {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = t.resolveLive(ctx, byCanon[canon], out[canon])
		}()
	}
	wg.Wait()
	for i, canon := range live {
		out[canon] = results[i]
	}
}

// resolveLocal answers from the browse log and the snapshot, and says when
// a live fetch should follow.
func (t *task) resolveLocal(u urlkey.URL, canon string) *resolved {
	if e := t.visited[canon]; e != nil {
		r := &resolved{source: sourceVisited, visited: true}
		switch s := e.status; {
		case s == 0 || s >= 200 && s <= 299:
			r.status = fetch.OK
		case isBrokenStatus(s):
			r.status, r.reason = fetch.Broken, fmt.Sprintf("HTTP %d in the browse log", s)
		default:
			r.status, r.reason = fetch.Unknown, fmt.Sprintf("HTTP %d in the browse log", s)
		}
		if r.status == fetch.OK {
			r.page = e.page()
			if r.page == nil && t.v.snap != nil {
				// The log says the agent opened it; the snapshot may hold its text.
				if rec, ok, _ := t.v.snap.Lookup(urlkey.SURT(u), canon); ok && isOKStatus(rec.Status) {
					r.page = t.v.snapshotPage(rec)
				}
			}
		}
		return r
	}
	if t.mode == ModeLive {
		return &resolved{status: fetch.Unknown, source: sourceNone, needLive: true}
	}
	if t.v.snap == nil {
		r := &resolved{status: fetch.Unknown, source: sourceNone, reason: "no snapshot is configured"}
		r.needLive = t.mode == ModeSnapshotThenLive
		return r
	}
	rec, ok, err := t.v.snap.Lookup(urlkey.SURT(u), canon)
	r := &resolved{source: sourceSnapshot}
	switch {
	case err != nil:
		r.status, r.reason = fetch.Unknown, "snapshot look-up failed"
	case !ok:
		r.status, r.reason = fetch.Unknown, "not in snapshot"
		if t.missingBroken {
			r.status, r.reason = fetch.Broken, "not in snapshot (missing_is_broken)"
		}
	case isOKStatus(rec.Status):
		r.status = fetch.OK
		r.page = t.v.snapshotPage(rec)
		if r.page == nil {
			r.reason = "snapshot has no text for this page"
		}
	case isBrokenStatus(rec.Status):
		r.status, r.reason = fetch.Broken, fmt.Sprintf("HTTP %d in snapshot", rec.Status)
	default:
		r.status, r.reason = fetch.Unknown, fmt.Sprintf("HTTP %d in snapshot", rec.Status)
		if rec.FinalURL != "" && rec.Status >= 300 && rec.Status <= 399 {
			r.reason = fmt.Sprintf("redirects to %s, which is not in snapshot", rec.FinalURL)
		}
	}
	r.needLive = t.mode == ModeSnapshotThenLive && r.status == fetch.Unknown
	return r
}

func (t *task) resolveLive(ctx context.Context, u urlkey.URL, prev *resolved) *resolved {
	o := t.v.fetcher.Fetch(ctx, u)
	r := &resolved{status: o.Status, source: sourceLive, reason: o.Reason, live: true}
	if o.Cached {
		r.source = sourceCache
	}
	if o.HTTPStatus != 0 && r.reason == "" && o.Status != fetch.OK {
		r.reason = fmt.Sprintf("HTTP %d", o.HTTPStatus)
	}
	if o.Status == fetch.OK && o.Text != "" {
		key := "l:" + u.String() + ":" + strconv.Itoa(len(o.Text))
		r.page = t.v.page(key, func() string { return o.Text })
	}
	if o.Status == fetch.Unknown && prev != nil && prev.source == sourceSnapshot && prev.reason != "" {
		r.reason = prev.reason + "; live: " + o.Reason
	}
	return r
}

// isOKStatus: the page answered.
func isOKStatus(s int) bool { return s >= 200 && s <= 299 }

// isBrokenStatus: the server said the page is not there. 401, 403, 407,
// 408, 425, 429 and 451 mean it may exist behind a wall or a limit.
func isBrokenStatus(s int) bool {
	switch s {
	case 401, 403, 407, 408, 425, 429, 451:
		return false
	}
	return s >= 400 && s <= 499
}

// snapshotPage returns the prepared text of a snapshot record from the
// page cache, reading and preparing it on a miss.
func (v *Verifier) snapshotPage(rec snapshot.Record) *doc {
	if rec.Length == 0 {
		return nil
	}
	key := "s:" + rec.Pack + ":" + strconv.FormatInt(rec.Offset, 10)
	return v.page(key, func() string {
		text, err := v.snap.Text(rec)
		if err != nil {
			return ""
		}
		return text
	})
}

// page returns a prepared page from the LRU, building it once even when
// many responses of a group ask at the same time.
func (v *Verifier) page(key string, text func() string) *doc {
	if d, ok := v.pages.Get(key); ok {
		return d
	}
	res, _, _ := v.sf.Do(key, func() (any, error) {
		if d, ok := v.pages.Get(key); ok {
			return d, nil
		}
		s := text()
		if s == "" {
			return (*doc)(nil), nil
		}
		d := newDoc(s)
		v.pages.Add(key, d)
		return d, nil
	})
	return res.(*doc)
}
