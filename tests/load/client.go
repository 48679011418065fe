package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// conn is a minimal HTTP/1.1 keep-alive client: one request at a time,
// bodies framed by Content-Length. It costs far less CPU than net/http's
// client, so on a shared 2-core machine the servers are what is measured.
type conn struct {
	c    net.Conn
	r    *bufio.Reader
	addr string
	req  []byte
	body []byte
}

func dial(addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 64<<10), addr: addr}, nil
}

func (c *conn) close() { c.c.Close() }

// post sends one request and reads the response; it returns the status and
// the body (valid until the next call).
func (c *conn) post(path string, body []byte) (int, []byte, error) {
	c.req = c.req[:0]
	c.req = append(c.req, "POST "...)
	c.req = append(c.req, path...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, c.addr...)
	c.req = append(c.req, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
	c.req = append(c.req, "\r\n\r\n"...)
	c.req = append(c.req, body...)
	if _, err := c.c.Write(c.req); err != nil {
		return 0, nil, err
	}
	status, length := 0, -1
	for first := true; ; first = false {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if first {
			if len(line) < 12 {
				return 0, nil, fmt.Errorf("bad status line %q", line)
			}
			status, _ = strconv.Atoi(string(line[9:12]))
			continue
		}
		if len(line) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if length < 0 {
		return status, nil, fmt.Errorf("response without Content-Length")
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	_, err := ioReadFull(c.r, c.body)
	return status, c.body, err
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := r.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

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
func groups(verifier, refFormat string, response func(group, i int) string) generator {
	var counter atomic.Int64
	return generator{path: "/v1/score/batch", body: func(w, n int, buf []byte) []byte {
		g := int(counter.Add(1))
		buf = append(buf[:0], `{"defaults":{"verifier":"`...)
		buf = append(buf, verifier...)
		buf = append(buf, `","reference":`...)
		buf = fmt.Appendf(buf, refFormat, g)
		buf = append(buf, `},"items":[`...)
		for i := 0; i < 16; i++ {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"response":`...)
			buf = strconv.AppendQuote(buf, response(g, i))
			buf = append(buf, '}')
		}
		return append(buf, "]}"...)
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
			c, err := dial(addr)
			if err != nil {
				mu.Lock()
				res.errors++
				mu.Unlock()
				return
			}
			defer c.close()
			var lat []time.Duration
			errs := 0
			var buf []byte
			for n := 0; time.Now().Before(stop); n++ {
				buf = gen.body(w, n, buf)
				t0 := time.Now()
				status, _, err := c.post(gen.path, buf)
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
// connections that a slow answer does not delay the schedule much, and
// measures latency from each request's scheduled time (no coordinated
// omission).
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
			c, err := dial(addr)
			if err != nil {
				return
			}
			defer c.close()
			var buf []byte
			n := 0
			for due := range ticks {
				if wait := time.Until(due); wait > 0 {
					time.Sleep(wait)
				}
				buf = gen.body(w, n, buf)
				n++
				status, _, err := c.post(gen.path, buf)
				mu.Lock()
				if err != nil || status != 200 {
					res.errors++
				} else {
					res.lat = append(res.lat, time.Since(due))
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
