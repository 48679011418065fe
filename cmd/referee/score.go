package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/referee/referee/internal/problem"
	"github.com/referee/referee/internal/scoring"
)

// maxLine bounds one JSONL line; longer lines are an error record.
const maxLine = 64 << 20

// record is one output line: the line number of the input and its result.
type record struct {
	Line int `json:"line"`
	scoring.Result
}

// batchScorer scores a chunk of requests, in order.
type batchScorer interface {
	scoreBatch(ctx context.Context, items []scoring.Request) ([]scoring.Result, error)
}

type localScorer struct{ s *scoring.Scorer }

func (l localScorer) scoreBatch(ctx context.Context, items []scoring.Request) ([]scoring.Result, error) {
	res, _, err := l.s.ScoreBatch(ctx, nil, items)
	return res, err
}

type remoteScorer struct {
	url    string
	apiKey string
	client *http.Client
}

func (r remoteScorer) scoreBatch(ctx context.Context, items []scoring.Request) ([]scoring.Result, error) {
	body, err := json.Marshal(scoring.BatchRequest{Items: items})
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url+"/v1/score/batch", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		if r.apiKey != "" {
			req.Header.Set("Authorization", "Bearer "+r.apiKey)
		}
		resp, err := r.client.Do(req)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusServiceUnavailable && attempt < 5 {
			time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("server answered %s: %s", resp.Status, strings.TrimSpace(string(b)))
		}
		var br scoring.BatchResponse
		if err := json.Unmarshal(b, &br); err != nil {
			return nil, fmt.Errorf("decode server response: %w", err)
		}
		if len(br.Results) != len(items) {
			return nil, fmt.Errorf("server returned %d results for %d items", len(br.Results), len(items))
		}
		return br.Results, nil
	}
}

func scoreCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	var (
		serverURL, apiKey, out string
		chunk                  int
		quiet                  bool
	)
	// The command's own flags share a flag set with the engine's
	// configuration, which applies when scoring in-process.
	cfg, rest, err := parseConfig("referee score", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&serverURL, "server", "", "score against a running referee at this URL instead of in-process")
		fs.StringVar(&apiKey, "api-key", getenv("REFEREE_API_KEY"), "API key for -server (env REFEREE_API_KEY)")
		fs.StringVar(&out, "o", "-", "output file (- for stdout)")
		fs.IntVar(&chunk, "chunk", 256, "requests per batch")
		fs.BoolVar(&quiet, "q", false, "no progress bar")
	})
	if err != nil {
		return err
	}
	if chunk < 1 {
		return errors.New("-chunk must be positive")
	}

	in, total := stdin, -1
	name := "-"
	if len(rest) > 1 {
		return fmt.Errorf("score takes at most one input file, got %q", rest)
	}
	if len(rest) == 1 && rest[0] != "-" {
		name = rest[0]
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if total, err = countLines(f); err != nil {
			return err
		}
		in = f
	}
	w := stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}

	var scorer batchScorer
	if serverURL != "" {
		scorer = remoteScorer{url: strings.TrimRight(serverURL, "/"), apiKey: apiKey, client: &http.Client{Timeout: 5 * time.Minute}}
	} else {
		cfg.LogLevel = "warn"
		a, err := newApp(cfg, newLogger(cfg, stderr))
		if err != nil {
			return err
		}
		defer a.Close()
		scorer = localScorer{a.scorer}
	}

	showProgress := !quiet && isTerminal(stderr)
	p := &progress{w: stderr, total: total, start: time.Now(), enabled: showProgress}
	bw := bufio.NewWriterSize(w, 1<<16)
	sum, err := scoreStream(ctx, in, bw, scorer, chunk, p)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	p.finish()
	mean := 0.0
	if sum.count > 0 {
		mean = sum.reward / float64(sum.count)
	}
	fmt.Fprintf(stderr, "scored %d requests from %s in %s: mean reward %.4f, %d errors, %d cache hits\n",
		sum.count, name, time.Since(p.start).Round(time.Millisecond), mean, sum.errors, sum.cached)
	return err
}

type summary struct {
	count, errors, cached int
	reward                float64
}

// scoreStream reads requests line by line, scores them in chunks, and
// writes one record per non-blank line in input order. A malformed line is
// an error record, not an abort.
func scoreStream(ctx context.Context, in io.Reader, out io.Writer, s batchScorer, chunk int, p *progress) (summary, error) {
	var sum summary
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 1<<16), maxLine)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)

	type pending struct {
		line int
		req  *scoring.Request // nil: malformed
		err  error
	}
	var buf []pending
	flush := func() error {
		var items []scoring.Request
		for _, pd := range buf {
			if pd.req != nil {
				items = append(items, *pd.req)
			}
		}
		var results []scoring.Result
		if len(items) > 0 {
			results = scoreSplitting(ctx, s, items)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		n := 0
		for _, pd := range buf {
			var r scoring.Result
			if pd.req != nil {
				r = results[n]
				n++
			} else {
				d := problem.From(pd.err)
				r = scoring.Result{Scores: scoring.Scores{}, Details: json.RawMessage("{}"), Error: &d}
			}
			sum.count++
			sum.reward += r.Reward
			if r.Error != nil {
				sum.errors++
			}
			if r.Cached {
				sum.cached++
			}
			if err := enc.Encode(record{Line: pd.line, Result: r}); err != nil {
				return err
			}
		}
		p.add(len(buf))
		buf = buf[:0]
		return nil
	}
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var req scoring.Request
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			buf = append(buf, pending{line: line, err: problem.BadRequest(fmt.Sprintf("line %d: %v", line, err))})
		} else {
			buf = append(buf, pending{line: line, req: &req})
		}
		if len(buf) >= chunk {
			if err := flush(); err != nil {
				return sum, err
			}
		}
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line %d is longer than %d bytes", line+1, maxLine)
		}
		_ = flush()
		return sum, err
	}
	return sum, flush()
}

// scoreSplitting scores items, halving a chunk the scorer refuses (a
// server's 413 for a body or batch over its limits) down to single items,
// so one oversized line becomes one error record and the rest are scored.
func scoreSplitting(ctx context.Context, s batchScorer, items []scoring.Request) []scoring.Result {
	res, err := s.scoreBatch(ctx, items)
	if err == nil {
		return res
	}
	if len(items) > 1 && ctx.Err() == nil {
		half := len(items) / 2
		return append(scoreSplitting(ctx, s, items[:half]), scoreSplitting(ctx, s, items[half:])...)
	}
	out := make([]scoring.Result, len(items))
	for i := range out {
		d := problem.From(problem.BadRequest(err.Error()))
		out[i] = scoring.Result{ID: items[i].ID, Scores: scoring.Scores{}, Details: json.RawMessage("{}"), Error: &d}
	}
	return out
}

func countLines(f *os.File) (int, error) {
	n := 0
	r := bufio.NewReaderSize(f, 1<<16)
	buf := make([]byte, 1<<16)
	last := byte('\n')
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if k > 0 {
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		n++
	}
	_, err := f.Seek(0, io.SeekStart)
	return n, err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress draws a one-line progress bar with rate and ETA on a terminal.
type progress struct {
	w       io.Writer
	total   int
	done    int
	start   time.Time
	last    time.Time
	enabled bool
}

func (p *progress) add(n int) {
	p.done += n
	if !p.enabled || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progress) draw() {
	el := time.Since(p.start).Seconds()
	rate := float64(p.done) / max(el, 1e-9)
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%d scored  %.0f/s  ", p.done, rate)
		return
	}
	frac := min(float64(p.done)/float64(p.total), 1)
	const width = 30
	bar := strings.Repeat("█", int(frac*width)) + strings.Repeat("░", width-int(frac*width))
	eta := time.Duration(float64(p.total-p.done)/max(rate, 1e-9)) * time.Second
	fmt.Fprintf(p.w, "\r%s %5.1f%%  %d/%d  %.0f/s  ETA %s  ", bar, frac*100, p.done, p.total, rate, eta.Round(time.Second))
}

func (p *progress) finish() {
	if p.enabled {
		p.draw()
		fmt.Fprintln(p.w)
	}
}
