// Command load measures referee over HTTP against a bare echo handler that
// decodes and encodes the same JSON shapes, side by side in one run, on
// this machine:
//
//	go run ./tests/load                 # every scenario, default durations
//	go run ./tests/load -d 10s -conns 32
//
// It builds referee, starts it and the baseline as separate processes on
// loopback, drives them with a light HTTP/1.1 client (so the servers, not
// the client, are what is measured), and checks the performance floors of
// the core issue. Every loop is bounded in time; nothing leaves 127.0.0.1.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/referee/referee/cache"
	"github.com/referee/referee/internal/scoring"
	"github.com/referee/referee/tests/internal/loadclient"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-baseline-serve" {
		if err := serveBaseline(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	duration  time.Duration
	conns     int
	rollouts  int
	bin       string
	jsonOut   string
	scenarios string
	addr      string
}

func run() error {
	var o options
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of each throughput scenario")
	flag.IntVar(&o.conns, "conns", 16, "concurrent connections")
	flag.IntVar(&o.rollouts, "memory-rollouts", 2_000_000, "distinct rollouts sent before reading resident memory")
	flag.StringVar(&o.bin, "bin", "", "referee binary (default: build ./cmd/referee)")
	flag.StringVar(&o.addr, "addr", "", "load a referee already running at this address instead of starting one (for profiling it)")
	flag.StringVar(&o.jsonOut, "json", "", "also write the figures as JSON to this file")
	flag.StringVar(&o.scenarios, "only", "", "comma-separated scenarios to run (default all): single, batch, latency, memory, exact")
	flag.Parse()

	want := func(s string) bool { return o.scenarios == "" || strings.Contains(","+o.scenarios+",", ","+s+",") }
	tmp, err := os.MkdirTemp("", "referee-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.bin == "" && o.addr == "" {
		o.bin = filepath.Join(tmp, "referee")
		build := exec.Command("go", "build", "-o", o.bin, "./cmd/referee")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build referee: %w", err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	var ref *process
	if o.addr != "" {
		ref = &process{addr: o.addr}
	} else {
		if ref, err = startProcess(o.bin, []string{"serve"}, []string{"REFEREE_LOG_LEVEL=warn"}); err != nil {
			return err
		}
		defer ref.stop()
	}
	base, err := startProcess(self, []string{"-baseline-serve"}, nil)
	if err != nil {
		return err
	}
	defer base.stop()

	fmt.Printf("referee load run: %d connections, %s per scenario, GOMAXPROCS %s, %s\n\n",
		o.conns, o.duration, os.Getenv("GOMAXPROCS"), time.Now().UTC().Format(time.RFC3339))
	figs := map[string]float64{}
	var checks []check

	if want("single") {
		bare := closedLoop(base.addr, o.conns, o.duration, distinctSingle("bare"))
		report("bare echo /v1/score (decode+encode)", bare)
		miss := closedLoop(ref.addr, o.conns, o.duration, distinctSingle("miss"))
		report("referee /v1/score, every response distinct", miss)
		warm := hitSet(1000)
		closedLoop(ref.addr, 4, time.Second, warm) // warm the cache
		hit := closedLoop(ref.addr, o.conns, o.duration, warm)
		report("referee /v1/score, every request a cache hit", hit)
		figs["bare_rps"], figs["miss_rps"], figs["hit_rps"] = bare.rps(), miss.rps(), hit.rps()
		checks = append(checks,
			check{"cache misses >= 50% of bare", miss.rps() / bare.rps(), 0.5, true},
			check{"cache hits >= 70% of bare", hit.rps() / bare.rps(), 0.7, true})
		if want("latency") {
			rate := miss.rps() / 2
			bl := openLoop(base.addr, rate, o.duration, distinctSingle("blat"))
			report(fmt.Sprintf("bare echo /v1/score at the same rate (%.0f req/s)", rate), bl)
			figs["bare_p99_ms_same_rate"] = bl.quantile(0.99).Seconds() * 1000
			fmt.Printf("    from the schedule: p99 %.3f ms\n", quantile(bl.fromDue, 0.99).Seconds()*1000)
			before := serverHistogram(ref.addr)
			lat := openLoop(ref.addr, rate, o.duration, distinctSingle("lat"))
			report(fmt.Sprintf("referee /v1/score at half peak (%.0f req/s), misses", rate), lat)
			after := serverHistogram(ref.addr)
			figs["p99_ms_half_peak_from_schedule"] = quantile(lat.fromDue, 0.99).Seconds() * 1000
			fmt.Printf("    from the schedule: p99 %.3f ms\n", figs["p99_ms_half_peak_from_schedule"])
			fmt.Printf("    inside referee's handler: %s\n", after.since(before))
			figs["p99_ms_half_peak"] = lat.quantile(0.99).Seconds() * 1000
			checks = append(checks, check{"p99 at half peak < 2 ms", figs["p99_ms_half_peak"], 2, false})
		}
	}
	if want("batch") {
		b := closedLoop(ref.addr, o.conns, o.duration, groups("string_match", `"%d"`, func(g, i int) string { return strconv.Itoa(g*100 + i%8) }))
		report("referee /v1/score/batch, groups of 16, half duplicates", b)
		figs["batch_rollouts_per_s"] = b.rps() * 16
		fmt.Printf("    = %.0f rollouts/s\n", b.rps()*16)
		checks = append(checks, check{"batch rollouts/s >= 250,000", b.rps() * 16, 250_000, true})
	}
	if want("exact") && ref.hasVerifier("exact_answer") {
		const reasoning = "We need the probability that both draws are red. There are 5 red balls out of 12. The first draw is red with probability 5/12, and then 4 of the remaining 11 are red, so the second is red with probability 4/11. Multiplying, 5/12 * 4/11 = 20/132 = 5/33. "
		b := closedLoop(ref.addr, o.conns, o.duration, groups("exact_answer", `"\\frac{%d}{33}"`, func(g, i int) string {
			return reasoning + fmt.Sprintf("Check %d. Therefore the answer is $\\boxed{\\frac{%d}{33}}$.", g, 5+i%8)
		}))
		report("referee /v1/score/batch exact_answer, groups of 16, half duplicates", b)
		figs["exact_batch_rollouts_per_s"] = b.rps() * 16
		fmt.Printf("    = %.0f rollouts/s\n", b.rps()*16)
		checks = append(checks, check{"exact_answer batch rollouts/s >= 150,000", b.rps() * 16, 150_000, true})
	}
	if want("memory") {
		rss, dur, err := memoryRun(ref, o.rollouts)
		if err != nil {
			return err
		}
		fmt.Printf("%-62s %d distinct rollouts in %s; resident memory %.1f MB\n", "referee memory after distinct rollouts", o.rollouts, dur.Round(time.Millisecond), rss)
		figs["rss_mb_after_rollouts"] = rss
		checks = append(checks, check{fmt.Sprintf("resident memory after %d rollouts < 200 MB", o.rollouts), rss, 200, false})
	}

	fmt.Println("\nfloors:")
	failed := 0
	for _, c := range checks {
		ok := (c.atLeast && c.got >= c.floor) || (!c.atLeast && c.got < c.floor)
		mark := "PASS"
		if !ok {
			mark = "FAIL"
			failed++
		}
		fmt.Printf("  %s  %-48s %.3f (floor %.3f)\n", mark, c.name, c.got, c.floor)
	}
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(figs, "", "  ")
		if err := os.WriteFile(o.jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d floor(s) not met", failed)
	}
	return nil
}

type check struct {
	name    string
	got     float64
	floor   float64
	atLeast bool
}

func report(name string, r *result) {
	fmt.Printf("%-62s %9.0f req/s  p50 %6.3f ms  p99 %6.3f ms  errors %d\n", name, r.rps(),
		r.quantile(0.5).Seconds()*1000, r.quantile(0.99).Seconds()*1000, r.errors)
}

// process is a server started for the run.
type process struct {
	cmd  *exec.Cmd
	addr string
}

func startProcess(bin string, args, env []string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if args[0] == "-baseline-serve" {
		args = append(args, addr)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "REFEREE_ADDR=" + addr}, env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, addr: addr}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return p, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s did not start", bin)
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

func (p *process) hasVerifier(name string) bool {
	resp, err := http.Get("http://" + p.addr + "/v1/verifiers")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(b), `"name":"`+name+`"`)
}

// rssMB reads the process's resident set size from /proc.
func (p *process) rssMB() (float64, error) {
	if p.cmd == nil {
		return 0, fmt.Errorf("the memory scenario needs the referee this run starts (not -addr)")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", p.cmd.Process.Pid)
}

// memoryRun sends n distinct rollouts in batches of 1,000 and reads the
// server's resident memory.
func memoryRun(p *process, n int) (float64, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	const per = 1000
	batches := int64((n + per - 1) / per)
	var next atomic.Int64
	errc := make(chan error, 8)
	for w := 0; w < 8; w++ {
		go func() {
			c, err := loadclient.Dial(p.addr)
			if err != nil {
				errc <- err
				return
			}
			defer c.Close()
			var sb strings.Builder
			for b := next.Add(1) - 1; b < batches && ctx.Err() == nil; b = next.Add(1) - 1 {
				sb.Reset()
				sb.WriteString(`{"defaults":{"verifier":"string_match","reference":"the reference answer"},"items":[`)
				for i := int64(0); i < per; i++ {
					if i > 0 {
						sb.WriteByte(',')
					}
					fmt.Fprintf(&sb, `{"response":"distinct response number %d"}`, b*per+i)
				}
				sb.WriteString("]}")
				status, _, err := c.Post("/v1/score/batch", []byte(sb.String()))
				if err == nil && status != 200 {
					err = fmt.Errorf("status %d", status)
				}
				if err != nil {
					errc <- err
					return
				}
			}
			errc <- ctx.Err()
		}()
	}
	for w := 0; w < 8; w++ {
		if err := <-errc; err != nil {
			return 0, 0, fmt.Errorf("memory run: %w", err)
		}
	}
	d := time.Since(start)
	rss, err := p.rssMB()
	return rss, d, err
}

// result collects one scenario's latencies.
type result struct {
	lat     []time.Duration
	fromDue []time.Duration // open loop only: latency from the schedule
	errors  int
	elapsed time.Duration
}

func (r *result) rps() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

func (r *result) quantile(q float64) time.Duration { return quantile(r.lat, q) }

func quantile(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[min(int(q*float64(len(lat))), len(lat)-1)]
}

// baseline is a bare echo handler with referee's JSON shapes: it decodes the
// request and encodes a result, and does nothing else.
func serveBaseline(addr string) error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(200, map[string]string{"status": "ok"}) })
	e.POST("/v1/score", func(c echo.Context) error {
		var req scoring.Request
		if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
			return err
		}
		b, err := json.Marshal(&scoring.Result{ID: req.ID, Reward: 1, Scores: scoring.Scores{{Name: req.Verifier, Value: 1}},
			Details: json.RawMessage(`{"mode":"exact","matched":0}`), Verifier: req.Verifier + "@1",
			Key: cache.Key{0x3f, 0x1c, 0x0a, 0x5e}, ElapsedUS: 1})
		if err != nil {
			return err
		}
		return c.JSONBlob(200, b)
	})
	srv := &http.Server{Addr: addr, Handler: e, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

// histogram is referee's own request-duration histogram for /v1/score:
// cumulative counts by upper bound, as /metrics reports them.
type histogram struct {
	le     []string
	counts []float64
}

func serverHistogram(addr string) histogram {
	var h histogram
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return h
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	const prefix = `referee_http_request_duration_seconds_bucket{route="/v1/score",le="`
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		le, count, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		n, _ := strconv.ParseFloat(count, 64)
		h.le, h.counts = append(h.le, le), append(h.counts, n)
	}
	return h
}

// since describes the requests observed between two snapshots as the share
// finished within each bound up to 10 ms.
func (h histogram) since(before histogram) string {
	if len(h.counts) == 0 || len(before.counts) != len(h.counts) {
		return "no histogram"
	}
	total := h.counts[len(h.counts)-1] - before.counts[len(before.counts)-1]
	var parts []string
	for i, le := range h.le {
		v, err := strconv.ParseFloat(le, 64)
		if err != nil || v > 0.01 {
			break
		}
		parts = append(parts, fmt.Sprintf("<=%sms %.3f%%", strconv.FormatFloat(v*1000, 'g', -1, 64), 100*(h.counts[i]-before.counts[i])/total))
	}
	return strings.Join(parts, "  ")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
