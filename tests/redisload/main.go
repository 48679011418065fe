// Command redisload measures referee's Redis tier end to end on loopback.
// It builds the referee binary (or takes one with -bin), starts its own
// redis-server and referee replicas, and reports against the floors of the
// Redis issue:
//
//	(a) /v1/score cache hits served from Redis vs from memory, same run:
//	    Redis rate >= 60% of memory rate, each tier's rate being its peak
//	    over 16 and 64 connections (the ratio at 16 alone is printed too);
//	(b) a batch of 256 items, all Redis hits: one Redis round trip (MGET)
//	    and a median end-to-end latency under 3 ms;
//	(c) two replicas receiving the same groups of 16 drafts (half of them
//	    duplicates) at the same time: verifier executions == unique items;
//	(d) without a floor: a batch of 256 unseen items with and without
//	    Redis, the price of the cross-replica leases.
//
// Run it from the module root: go run ./tests/redisload. It exits 1 when a
// floor is missed.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/referee/referee/cache/redistest"
	"github.com/referee/referee/tests/internal/loadclient"
)

type options struct {
	bin             string
	items           int
	rounds          int
	batches         int
	groups          int
	concurrency     int
	peakConcurrency int
	timeout         time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "referee binary to run (default: go build ./cmd/referee)")
	flag.IntVar(&o.items, "items", 4000, "distinct items of the hit-rate comparison (a)")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds of back-to-back memory and Redis passes in (a); the median ratio is reported")
	flag.IntVar(&o.batches, "batches", 40, "batches of 256 timed in (b)")
	flag.IntVar(&o.groups, "groups", 200, "groups of 16 sent to both replicas in (c)")
	flag.IntVar(&o.concurrency, "c", 16, "concurrent client connections (16, as in tests/load)")
	flag.IntVar(&o.peakConcurrency, "peak-c", 64, "a second, higher concurrency at which (a) also measures each tier's rate")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "bound of the whole run")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	ok, err := run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "redisload:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) (bool, error) {
	tmp, err := os.MkdirTemp("", "redisload-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	if o.bin == "" {
		o.bin = filepath.Join(tmp, "referee")
		fmt.Fprintln(out, "building ./cmd/referee ...")
		build := exec.CommandContext(ctx, "go", "build", "-o", o.bin, "./cmd/referee")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return false, fmt.Errorf("go build (run from the module root): %w", err)
		}
	}
	rdir := filepath.Join(tmp, "redis")
	if err := os.MkdirAll(rdir, 0o755); err != nil {
		return false, err
	}
	if !redistest.Available() {
		return false, errors.New("redis-server not found on PATH")
	}
	srv, err := redistest.Launch(rdir)
	if err != nil {
		return false, err
	}
	defer srv.Stop()
	fmt.Fprintf(out, "redis-server at %s, %d CPUs, client concurrency %d\n", srv.Addr, runtime.NumCPU(), o.concurrency)

	l := &loader{out: out, bin: o.bin, tmp: tmp, redisURL: srv.URL(), redisAddr: srv.Addr,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4 * o.concurrency}}}
	defer l.stopAll()
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)

	okA, err := l.hitRates(ctx, o, runID)
	if err != nil {
		return false, fmt.Errorf("(a): %w", err)
	}
	okB, err := l.batchLatency(ctx, o)
	if err != nil {
		return false, fmt.Errorf("(b): %w", err)
	}
	okC, err := l.dedup(ctx, o, runID)
	if err != nil {
		return false, fmt.Errorf("(c): %w", err)
	}
	if err := l.coldBatches(ctx, o, runID); err != nil {
		return false, fmt.Errorf("(d): %w", err)
	}
	return okA && okB && okC, nil
}

// loader owns the replicas of one run.
type loader struct {
	out       io.Writer
	bin, tmp  string
	redisURL  string
	redisAddr string
	client    *http.Client

	mu       sync.Mutex
	replicas []*replica
	uncached atomic.Int64 // answers of (a) that should have been hits
	mem      *replica     // memory-tier replica, warmed by (a)
	redis    *replica     // replica whose memory tier holds one entry: every hit comes from Redis
	items    []string     // responses stored in Redis by (a)
}

// replica is one running referee serve.
type replica struct {
	name string
	url  string
	cmd  *exec.Cmd
	done chan struct{}
}

// start runs referee serve on a free port with env added to the defaults.
func (l *loader) start(ctx context.Context, name string, env ...string) (*replica, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		logf, err := os.Create(filepath.Join(l.tmp, fmt.Sprintf("%s-%d.log", name, attempt)))
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(l.bin, "serve")
		cmd.Env = append(os.Environ(),
			"REFEREE_ADDR="+addr,
			"REFEREE_REDIS_URL="+l.redisURL,
			"REFEREE_CACHE_PREFIX=redisload:",
			"REFEREE_LOG_LEVEL=warn")
		cmd.Env = append(cmd.Env, env...)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			return nil, err
		}
		r := &replica{name: name, url: "http://" + addr, cmd: cmd, done: make(chan struct{})}
		go func() { _ = cmd.Wait(); logf.Close(); close(r.done) }()
		if lastErr = l.waitReady(ctx, r); lastErr == nil {
			l.mu.Lock()
			l.replicas = append(l.replicas, r)
			l.mu.Unlock()
			return r, nil
		}
		r.stop()
	}
	return nil, fmt.Errorf("replica %s did not start: %w (logs in %s)", name, lastErr, l.tmp)
}

// waitReady waits until the replica answers /readyz with Redis ok.
func (l *loader) waitReady(ctx context.Context, r *replica) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-r.done:
			return errors.New("exited")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := l.client.Get(r.url + "/readyz"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && !bytes.Contains(body, []byte(`"degraded"`)) {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("not ready within 20s")
}

func (r *replica) stop() {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

func (l *loader) stopAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.replicas {
		r.stop()
	}
}

type scoreResult struct {
	Reward float64          `json:"reward"`
	Cached bool             `json:"cached"`
	Error  *json.RawMessage `json:"error"`
}

type batchResponse struct {
	Results []scoreResult `json:"results"`
	Stats   struct {
		Items     int `json:"items"`
		Unique    int `json:"unique"`
		CacheHits int `json:"cache_hits"`
		Computed  int `json:"computed"`
		Errors    int `json:"errors"`
	} `json:"stats"`
}

func (l *loader) post(ctx context.Context, url string, body []byte, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, data)
	}
	return json.Unmarshal(data, into)
}

func scoreBody(response string) []byte {
	b, _ := json.Marshal(map[string]any{"verifier": "string_match", "reference": "x", "response": response})
	return b
}

func batchBody(responses []string) []byte {
	items := make([]map[string]string, len(responses))
	for i, r := range responses {
		items[i] = map[string]string{"response": r}
	}
	b, _ := json.Marshal(map[string]any{"defaults": map[string]any{"verifier": "string_match", "reference": "x"}, "items": items})
	return b
}

// pass scores every item once on r with c concurrent clients and returns
// the request rate. When wantCached, answers that were not cache hits are
// counted in l.uncached: a Redis call that timed out on an overloaded
// machine is a miss by design, and the run reports how many there were.
func (l *loader) pass(ctx context.Context, r *replica, items []string, c int, wantCached bool) (float64, error) {
	bodies := make([][]byte, len(items))
	for i, it := range items {
		bodies[i] = scoreBody(it)
	}
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The light client of tests/load: net/http's took most of a
			// core here, which the replicas and Redis then lacked.
			conn, err := loadclient.Dial(strings.TrimPrefix(r.url, "http://"))
			if err != nil {
				once.Do(func() { firstErr = err })
				return
			}
			defer conn.Close()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(bodies) || ctx.Err() != nil {
					return
				}
				var res scoreResult
				status, body, err := conn.Post("/v1/score", bodies[i])
				if err == nil && status != 200 {
					err = fmt.Errorf("item %d: status %d: %s", i, status, body)
				}
				if err == nil {
					err = json.Unmarshal(body, &res)
				}
				if err == nil && res.Error != nil {
					err = fmt.Errorf("item %d: error %s", i, *res.Error)
				}
				if err == nil && wantCached && !res.Cached {
					l.uncached.Add(1)
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(len(items)) / time.Since(start).Seconds(), firstErr
}

// hitRates is (a).
func (l *loader) hitRates(ctx context.Context, o options, runID string) (bool, error) {
	mem, err := l.start(ctx, "memory")
	if err != nil {
		return false, err
	}
	l.items = make([]string, o.items)
	for i := range l.items {
		l.items[i] = fmt.Sprintf("a-%s-%d", runID, i)
	}
	if _, err := l.pass(ctx, mem, l.items, o.concurrency, false); err != nil {
		return false, fmt.Errorf("warm-up: %w", err)
	}
	// Wait for the write-behind buffer to reach Redis.
	if err := waitFor(ctx, 10*time.Second, func() bool {
		n, err := redistest.Do(l.redisAddr, "DBSIZE")
		v, _ := strconv.Atoi(n)
		return err == nil && v >= o.items
	}); err != nil {
		return false, fmt.Errorf("values did not reach Redis: %w", err)
	}
	// No memory tier: every look-up misses memory and is served by Redis,
	// as on a fresh replica, for as many passes as needed.
	red, err := l.start(ctx, "redis-only", "REFEREE_CACHE_ENTRIES=0")
	if err != nil {
		return false, err
	}
	l.mem, l.redis = mem, red
	execBefore, err := l.executions(red)
	if err != nil {
		return false, err
	}
	// Each round measures both tiers at the client concurrency of
	// tests/load and at peakC. The memory tier's rate is the same at both:
	// it is bound by CPU. A Redis hit adds a round trip to another process
	// on the same two cores, so at 16 connections it is bound by latency
	// with CPU to spare (Little's law), and reaches its rate only with
	// more requests in flight, as a trainer's many workers have. "The rate"
	// of a tier is its peak, the better of the two.
	levels := []int{o.concurrency, o.peakConcurrency}
	memRates := make([][]float64, len(levels))
	redisRates := make([][]float64, len(levels))
	mgets, lookups := 0, 0
	for round := 0; round < o.rounds; round++ {
		for li, c := range levels {
			m, err := l.pass(ctx, mem, l.items, c, true)
			if err != nil {
				return false, err
			}
			before, err := redistest.CommandCalls(l.redisAddr)
			if err != nil {
				return false, err
			}
			r, err := l.pass(ctx, red, l.items, c, true)
			if err != nil {
				return false, err
			}
			after, err := redistest.CommandCalls(l.redisAddr)
			if err != nil {
				return false, err
			}
			if li == 0 {
				mgets += after["mget"] - before["mget"]
				lookups += len(l.items)
			}
			memRates[li], redisRates[li] = append(memRates[li], m), append(redisRates[li], r)
		}
	}
	execAfter, err := l.executions(red)
	if err != nil {
		return false, err
	}
	redMetrics, err := l.metrics(red)
	if err != nil {
		return false, err
	}
	const rtt = "referee_cache_redis_call_duration_seconds"
	// Each round's passes ran back to back, so their ratio is the least
	// disturbed by other load on the machine; report the median one.
	atC := make([]float64, o.rounds)
	peak := make([]float64, o.rounds)
	memPeak := make([]float64, o.rounds)
	redisPeak := make([]float64, o.rounds)
	for i := range o.rounds {
		atC[i] = redisRates[0][i] / memRates[0][i]
		memPeak[i] = max(memRates[0][i], memRates[1][i])
		redisPeak[i] = max(redisRates[0][i], redisRates[1][i])
		peak[i] = redisPeak[i] / memPeak[i]
	}
	ratio := median(peak)
	// Up to 0.1% of misses (timeouts on a loaded machine) are tolerated.
	uncached := l.uncached.Load()
	ok := ratio >= 0.60 && uncached*1000 <= int64(2*len(levels)*o.rounds*o.items)
	fmt.Fprintf(l.out, "(a) /v1/score hits, %d items x %d rounds (fresh memory tier, %v executions, %d answers not hits):\n",
		o.items, o.rounds, execAfter-execBefore, uncached)
	fmt.Fprintf(l.out, "    c=%d: memory %.0f req/s, Redis %.0f req/s, ratio %.0f%% (%.1f keys per MGET)\n",
		levels[0], median(memRates[0]), median(redisRates[0]), 100*median(atC), float64(lookups)/float64(max(mgets, 1)))
	fmt.Fprintf(l.out, "    c=%d: memory %.0f req/s, Redis %.0f req/s\n", levels[1], median(memRates[1]), median(redisRates[1]))
	fmt.Fprintf(l.out, "    peak rates: memory %.0f req/s, Redis %.0f req/s: ratio %.0f%% (median of rounds; floor 60%%) %s\n",
		median(memPeak), median(redisPeak), 100*ratio, verdict(ok))
	fmt.Fprintf(l.out, "    Redis look-ups as the replica timed them: p50 <= %s, p99 <= %s\n",
		time.Duration(1e9*bucketBound(redMetrics, rtt, `op="get"`, 0.5)), time.Duration(1e9*bucketBound(redMetrics, rtt, `op="get"`, 0.99)))
	return ok, nil
}

// batchLatency is (b).
func (l *loader) batchLatency(ctx context.Context, o options) (bool, error) {
	const size = 256
	if len(l.items) < size {
		return false, errors.New("needs at least 256 items from (a)")
	}
	nslices := len(l.items) / size
	var redisLat, memLat []time.Duration
	mgets := map[int]int{}
	other := 0
	for b := 0; b < o.batches; b++ {
		s := b % nslices
		body := batchBody(l.items[s*size : (s+1)*size])
		before, err := redistest.CommandCalls(l.redisAddr)
		if err != nil {
			return false, err
		}
		var resp batchResponse
		start := time.Now()
		if err := l.post(ctx, l.redis.url+"/v1/score/batch", body, &resp); err != nil {
			return false, err
		}
		redisLat = append(redisLat, time.Since(start))
		after, err := redistest.CommandCalls(l.redisAddr)
		if err != nil {
			return false, err
		}
		if resp.Stats.CacheHits != size || resp.Stats.Computed != 0 {
			return false, fmt.Errorf("batch %d: %d hits, %d computed; want all %d hits", b, resp.Stats.CacheHits, resp.Stats.Computed, size)
		}
		mgets[after["mget"]-before["mget"]]++
		for _, c := range []string{"get", "set", "eval", "evalsha"} {
			other += after[c] - before[c]
		}
		start = time.Now()
		if err := l.post(ctx, l.mem.url+"/v1/score/batch", body, &resp); err != nil {
			return false, err
		}
		memLat = append(memLat, time.Since(start))
	}
	med := medianDur(redisLat)
	ok := med < 3*time.Millisecond && len(mgets) == 1 && mgets[1] == o.batches && other == 0
	fmt.Fprintf(l.out, "(b) batch of %d, all Redis hits, %d batches: MGETs per batch %v (want {1:%d}), other data commands %d; median %s p90 %s (floor < 3ms; memory-tier batch median %s) %s\n",
		size, o.batches, mgets, o.batches, other, med.Round(10*time.Microsecond), pct(redisLat, 0.9).Round(10*time.Microsecond),
		medianDur(memLat).Round(10*time.Microsecond), verdict(ok))
	return ok, nil
}

// dedup is (c).
func (l *loader) dedup(ctx context.Context, o options, runID string) (bool, error) {
	p, err := l.start(ctx, "replica-p")
	if err != nil {
		return false, err
	}
	q, err := l.start(ctx, "replica-q")
	if err != nil {
		return false, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	groups := make([][]byte, o.groups)
	for g := range groups {
		var rs []string
		for i := 0; i < 8; i++ {
			r := fmt.Sprintf("c-%s-%d-%d", runID, g, i)
			rs = append(rs, r, r)
		}
		rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		groups[g] = batchBody(rs)
	}
	unique := o.groups * 8
	before := 0.0
	for _, r := range []*replica{p, q} {
		n, err := l.executions(r)
		if err != nil {
			return false, err
		}
		before += n
	}
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < o.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				g := int(next.Add(1)) - 1
				if g >= len(groups) || ctx.Err() != nil {
					return
				}
				// The same group reaches both replicas at the same moment.
				var inner sync.WaitGroup
				for _, r := range []*replica{p, q} {
					inner.Add(1)
					go func() {
						defer inner.Done()
						var resp batchResponse
						err := l.post(ctx, r.url+"/v1/score/batch", groups[g], &resp)
						if err == nil && resp.Stats.Errors != 0 {
							err = fmt.Errorf("group %d on %s: %d errors", g, r.name, resp.Stats.Errors)
						}
						if err != nil {
							once.Do(func() { firstErr = err })
						}
					}()
				}
				inner.Wait()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return false, firstErr
	}
	after, joins := 0.0, 0.0
	for _, r := range []*replica{p, q} {
		n, err := l.executions(r)
		if err != nil {
			return false, err
		}
		after += n
		joins += l.metricSum(r, "referee_cache_redis_joins_total", "")
	}
	execs := int(after - before)
	ok := execs == unique
	fmt.Fprintf(l.out, "(c) two replicas, %d groups of 16 (8 unique each) sent to both at once, %s: %d verifier executions for %d unique items (%d requested), %v cross-replica joins %s\n",
		o.groups, elapsed.Round(time.Millisecond), execs, unique, 2*16*o.groups, joins, verdict(ok))
	return ok, nil
}

// coldBatches is (d), a figure without a floor: the latency of a batch of
// 256 unseen items, which pays for the leases of cross-replica
// de-duplication, against a replica without Redis.
func (l *loader) coldBatches(ctx context.Context, o options, runID string) error {
	const size = 256
	plain, err := l.start(ctx, "memory-only", "REFEREE_REDIS_URL=")
	if err != nil {
		return err
	}
	n := max(o.batches/2, 5)
	lat := map[*replica][]time.Duration{}
	for b := 0; b < n; b++ {
		for _, r := range []*replica{l.mem, plain} {
			rs := make([]string, size)
			for i := range rs {
				rs[i] = fmt.Sprintf("d-%s-%s-%d-%d", runID, r.name, b, i)
			}
			var resp batchResponse
			start := time.Now()
			if err := l.post(ctx, r.url+"/v1/score/batch", batchBody(rs), &resp); err != nil {
				return err
			}
			lat[r] = append(lat[r], time.Since(start))
			if resp.Stats.Computed != size {
				return fmt.Errorf("cold batch on %s: %d computed, want %d", r.name, resp.Stats.Computed, size)
			}
		}
	}
	fmt.Fprintf(l.out, "(d) batch of %d unseen items, %d batches: median %s with Redis (leases included), %s without Redis (no floor)\n",
		size, n, medianDur(lat[l.mem]).Round(10*time.Microsecond), medianDur(lat[plain]).Round(10*time.Microsecond))
	return nil
}

// executions sums referee_verifier_executions_total{verifier="string_match"}.
func (l *loader) executions(r *replica) (float64, error) {
	body, err := l.metrics(r)
	if err != nil {
		return 0, err
	}
	return sumMetric(body, "referee_verifier_executions_total", `verifier="string_match"`), nil
}

func (l *loader) metricSum(r *replica, name, label string) float64 {
	body, err := l.metrics(r)
	if err != nil {
		return -1
	}
	return sumMetric(body, name, label)
}

func (l *loader) metrics(r *replica) (string, error) {
	resp, err := l.client.Get(r.url + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// sumMetric adds up the samples of name whose labels contain label.
func sumMetric(body, name, label string) float64 {
	sum := 0.0
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') || !strings.Contains(rest, label) {
			continue
		}
		fields := strings.Fields(rest[strings.LastIndex(rest, "}")+1:])
		if len(fields) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(fields[0], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// bucketBound returns the upper bound of the first bucket of histogram
// name (samples whose labels contain label) that holds a fraction q of its
// observations: an upper estimate of the q-quantile.
func bucketBound(body, name, label string, q float64) float64 {
	type bucket struct{ le, n float64 }
	var bs []bucket
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), name+"_bucket{")
		if !ok || !strings.Contains(rest, label) {
			continue
		}
		_, le, ok := strings.Cut(rest, `le="`)
		if !ok {
			continue
		}
		le, _, _ = strings.Cut(le, `"`)
		fields := strings.Fields(rest[strings.LastIndex(rest, "}")+1:])
		bound, err1 := strconv.ParseFloat(le, 64)
		if len(fields) == 0 || err1 != nil {
			continue
		}
		if n, err := strconv.ParseFloat(fields[0], 64); err == nil {
			bs = append(bs, bucket{bound, n})
		}
	}
	slices.SortFunc(bs, func(a, b bucket) int { return cmp.Compare(a.le, b.le) })
	if len(bs) == 0 || bs[len(bs)-1].n == 0 {
		return math.NaN()
	}
	for _, b := range bs {
		if b.n >= q*bs[len(bs)-1].n {
			return b.le
		}
	}
	return math.Inf(1)
}

func waitFor(ctx context.Context, d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s", d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianDur(xs []time.Duration) time.Duration { return pct(xs, 0.5) }

func pct(xs []time.Duration, p float64) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1)+0.5)]
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
