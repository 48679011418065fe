package main

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/referee/referee/tests/internal/loadclient"
)

// generator makes the body of request n of connection w, and names the path.
type generator struct {
	path string
	body func(w, n int, buf []byte) []byte
}

// distinctSingle makes every request's response distinct (cache misses).
func distinctSingle(tag string) generator {
	return generator{path: "/v1/score", body: func(w, n int, buf []byte) []byte {
		buf = append(buf[:0], `{"verifier":"string_match","reference":"the reference answer","response":"`...)
		buf = append(buf, tag...)
		buf = append(buf, '-')
		buf = strconv.AppendInt(buf, int64(w), 10)
		buf = append(buf, '-')
		buf = strconv.AppendInt(buf, int64(n), 10)
		return append(buf, `"}`...)
	}}
}

// hitSet cycles through k fixed requests (cache hits once warm).
func hitSet(k int) generator {
	return generator{path: "/v1/score", body: func(w, n int, buf []byte) []byte {
		buf = append(buf[:0], `{"verifier":"string_match","reference":"the reference answer","response":"hit-`...)
		buf = strconv.AppendInt(buf, int64((w*7919+n)%k), 10)
		return append(buf, `"}`...)
	}}
}

// groups makes GRPO groups of 16 for a verifier: every group its own
// reference, 8 distinct responses each sent twice.
//
// Group numbers all have ten digits, so the body is built once with a
// marker number and each request only writes its group's digits over the
// marker's: formatting sixteen long responses per request cost the
// generator a third of a core, which it took from the server it measures.
func groups(verifier, refFormat string, response func(group, i int) string) generator {
	const marker = 7319426580 // ten digits that occur nowhere else
	var tmpl []byte
	tmpl = append(tmpl, `{"defaults":{"verifier":"`...)
	tmpl = append(tmpl, verifier...)
	tmpl = append(tmpl, `","reference":`...)
	tmpl = fmt.Appendf(tmpl, refFormat, marker)
	tmpl = append(tmpl, `},"items":[`...)
	for i := 0; i < 16; i++ {
		if i > 0 {
			tmpl = append(tmpl, ',')
		}
		tmpl = append(tmpl, `{"response":`...)
		tmpl = strconv.AppendQuote(tmpl, response(marker, i))
		tmpl = append(tmpl, '}')
	}
	tmpl = append(tmpl, "]}"...)
	digits := []byte(strconv.Itoa(marker))
	var at []int
	for i := 0; ; {
		j := bytes.Index(tmpl[i:], digits)
		if j < 0 {
			break
		}
		at = append(at, i+j)
		i += j + len(digits)
	}
	var counter atomic.Int64
	counter.Store(1_000_000_000)
	return generator{path: "/v1/score/batch", body: func(w, n int, buf []byte) []byte {
		var g [10]byte
		strconv.AppendInt(g[:0], counter.Add(1), 10)
		buf = append(buf[:0], tmpl...)
		for _, i := range at {
			copy(buf[i:], g[:])
		}
		return buf
	}}
}

// closedLoop runs conns connections, each sending its next request as soon
// as the previous answer arrives, for d.
func closedLoop(addr string, conns int, d time.Duration, gen generator) *result {
	var mu sync.Mutex
	res := &result{}
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := loadclient.Dial(addr)
			if err != nil {
				mu.Lock()
				res.errors++
				mu.Unlock()
				return
			}
			defer c.Close()
			var lat []time.Duration
			errs := 0
			var buf []byte
			for n := 0; time.Now().Before(stop); n++ {
				buf = gen.body(w, n, buf)
				t0 := time.Now()
				status, _, err := c.Post(gen.path, buf)
				if err != nil || status != 200 {
					errs++
					if err != nil {
						break
					}
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// openLoop sends requests at a fixed rate for d, spread over enough
// connections that a slow answer does not delay the schedule much.
//
// Latency is measured from the moment a request was due when its worker
// was still busy with an earlier answer (so a slow server is charged for
// the queue it causes: no coordinated omission), and from the moment it was
// sent when the worker was idle and waiting for the due time: Go's timers
// wake an idle process up to a millisecond late, and that lateness is the
// generator's, not the server's. The schedule-based figure is kept in
// res.fromDue for comparison.
func openLoop(addr string, rate float64, d time.Duration, gen generator) *result {
	const workers = 32
	interval := time.Duration(float64(time.Second) / rate)
	total := int(d / interval)
	ticks := make(chan time.Time, total)
	var mu sync.Mutex
	res := &result{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := loadclient.Dial(addr)
			if err != nil {
				return
			}
			defer c.Close()
			var buf []byte
			n := 0
			for due := range ticks {
				start := due
				if wait := time.Until(due); wait > 0 {
					time.Sleep(wait)
					start = time.Now()
				}
				buf = gen.body(w, n, buf)
				n++
				status, _, err := c.Post(gen.path, buf)
				end := time.Now()
				mu.Lock()
				if err != nil || status != 200 {
					res.errors++
				} else {
					res.lat = append(res.lat, end.Sub(start))
					res.fromDue = append(res.fromDue, end.Sub(due))
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}(w)
	}
	start := time.Now()
	for i := 0; i < total; i++ {
		ticks <- start.Add(time.Duration(i) * interval)
	}
	close(ticks)
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}
