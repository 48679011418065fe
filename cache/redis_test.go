package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/referee/referee/cache/redistest"
)

// newTestRedis returns a Redis tier on url with test-sized timings and its
// own metrics registry, closed in t.Cleanup.
func newTestRedis(t *testing.T, url string, mod func(*RedisConfig)) (*Redis, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg := RedisConfig{
		URL:             url,
		Prefix:          "test:",
		TTL:             time.Minute,
		Timeout:         250 * time.Millisecond,
		Registerer:      reg,
		BreakerFailures: 3,
		BreakerCooldown: 200 * time.Millisecond,
		LeaseTTL:        400 * time.Millisecond,
		LeaseWait:       5 * time.Second,
		HealthInterval:  100 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	r, err := NewRedis(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r, reg
}

// metric returns the sum of every series of the named metric in reg; a
// histogram counts its observations.
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

// eventually polls cond every 10 ms until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func rkey(i int) Key { return Derive("test", []byte(strconv.Itoa(i))) }

// waitStored waits until the write-behind flusher has written k.
func waitStored(t *testing.T, r *Redis, k Key) {
	t.Helper()
	eventually(t, 2*time.Second, "value written behind", func() bool {
		v, err := r.Get(context.Background(), []Key{k})
		return err == nil && v[0] != nil
	})
}

func TestParseRedisURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		url     string
		addrs   []string
		cluster bool
		tls     bool
		master  string
		wantErr bool
	}{
		{name: "single", url: "redis://127.0.0.1:6379/0", addrs: []string{"127.0.0.1:6379"}},
		{name: "tls with password", url: "rediss://:pw@cache.example:6380", addrs: []string{"cache.example:6380"}, tls: true},
		{name: "cluster seeds", url: "10.0.0.1:7000, 10.0.0.2:7000,10.0.0.3:7000", addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}, cluster: true},
		{name: "cluster URLs", url: "redis://a:7000,redis://b:7000", addrs: []string{"a:7000", "b:7000"}, cluster: true},
		{name: "cluster one seed", url: "redis+cluster://a:7000", addrs: []string{"a:7000"}, cluster: true},
		{name: "sentinel", url: "redis+sentinel://:pw@s1:26379,s2:26379/mymaster/0", addrs: []string{"s1:26379", "s2:26379"}, master: "mymaster"},
		{name: "sentinel without master", url: "redis+sentinel://s1:26379", wantErr: true},
		{name: "empty", url: " ", wantErr: true},
		{name: "garbage", url: "not a url", wantErr: true},
		{name: "bad scheme", url: "http://a:1", wantErr: true},
		{name: "cluster with db", url: "redis://a:1/2,redis://b:1/2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseRedisURL(tt.url)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseRedisURL(%q) = %+v, want an error", tt.url, o)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(o.Addrs) != fmt.Sprint(tt.addrs) || isCluster(o) != tt.cluster || (o.TLSConfig != nil) != tt.tls {
				t.Errorf("parseRedisURL(%q) = addrs %v cluster %v tls %v", tt.url, o.Addrs, isCluster(o), o.TLSConfig != nil)
			}
			if o.MasterName != tt.master {
				t.Errorf("parseRedisURL(%q) master %q, want %q", tt.url, o.MasterName, tt.master)
			}
		})
	}
	if _, err := NewRedis(RedisConfig{URL: "redis://a:1", Prefix: "x{y}"}); err == nil {
		t.Error("a prefix with a hash tag was accepted")
	}
}

func TestBreakerStates(t *testing.T) {
	t.Parallel()
	b := &breaker{threshold: 2, cooldown: time.Second}
	now := time.Unix(0, 0)
	boom := errors.New("boom")
	for i := 0; i < 2; i++ {
		if ok, _ := b.allow(now); !ok {
			t.Fatalf("closed breaker refused call %d", i)
		}
		b.done(now, false, callFailed, boom)
	}
	if ok, _ := b.allow(now.Add(500 * time.Millisecond)); ok {
		t.Fatal("open breaker let a call through during the cool-down")
	}
	later := now.Add(1100 * time.Millisecond)
	ok, probe := b.allow(later)
	if !ok || !probe {
		t.Fatalf("after the cool-down allow = %v, %v; want a probe", ok, probe)
	}
	if ok, _ := b.allow(later); ok {
		t.Fatal("half-open breaker let a second call through beside the probe")
	}
	// A lost probe (its caller never reported) is replaced after a cool-down.
	if ok, probe := b.allow(later.Add(1100 * time.Millisecond)); !ok || !probe {
		t.Fatal("a lost probe kept the breaker half-open")
	}
	b.done(later, true, callFailed, boom)
	if st, _, _ := b.snapshot(); st != breakerOpen {
		t.Fatalf("failed probe left the breaker %v", st)
	}
	later = later.Add(1100 * time.Millisecond)
	_, probe = b.allow(later)
	b.done(later, probe, callOK, nil)
	if st, n, _ := b.snapshot(); st != breakerClosed || n != 0 {
		t.Fatalf("successful probe left the breaker %v with %d failures", st, n)
	}
}

func TestRedisHitsMissesTTL(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r, _ := newTestRedis(t, srv.URL(), func(c *RedisConfig) { c.TTL = 500 * time.Millisecond })
	ctx := context.Background()

	if err := r.Set(ctx, []Entry{{rkey(1), []byte("one")}, {rkey(2), []byte("two")}}); err != nil {
		t.Fatal(err)
	}
	waitStored(t, r, rkey(2))
	got, err := r.Get(ctx, []Key{rkey(1), rkey(3), rkey(2)})
	if err != nil {
		t.Fatal(err)
	}
	if string(got[0]) != "one" || got[1] != nil || string(got[2]) != "two" {
		t.Fatalf("Get = %q, want [one <nil> two]", got)
	}
	pttl, err := r.Client().PTTL(ctx, r.valueKey(rkey(1))).Result()
	if err != nil || pttl <= 0 || pttl > 500*time.Millisecond {
		t.Fatalf("PTTL = %v, %v; want a TTL of at most 500ms on every entry", pttl, err)
	}
	eventually(t, 3*time.Second, "entries expire after their TTL", func() bool {
		got, err := r.Get(ctx, []Key{rkey(1), rkey(2)})
		return err == nil && got[0] == nil && got[1] == nil
	})
	if st, detail := r.Status(); st != "ok" {
		t.Errorf("Status = %s (%s), want ok", st, detail)
	}
}

func TestRedisPrefixNamespaces(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, _ := newTestRedis(t, srv.URL(), func(c *RedisConfig) { c.Prefix = "blue:" })
	b, _ := newTestRedis(t, srv.URL(), func(c *RedisConfig) { c.Prefix = "green:" })
	ctx := context.Background()
	_ = a.Set(ctx, []Entry{{rkey(1), []byte("blue")}})
	waitStored(t, a, rkey(1))
	if got, err := b.Get(ctx, []Key{rkey(1)}); err != nil || got[0] != nil {
		t.Fatalf("prefix green: sees %q, %v from prefix blue:", got, err)
	}
	keys, err := a.Client().Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "blue:{") {
		t.Fatalf("keys in Redis = %q, want one under blue:", keys)
	}
}

func TestRedisSentinel(t *testing.T) {
	t.Parallel()
	master := redistest.Start(t)
	sentinel := redistest.StartSentinel(t, "refmaster", master)
	r, _ := newTestRedis(t, "redis+sentinel://"+sentinel.Addr+"/refmaster", nil)
	if r.cluster {
		t.Fatal("a Sentinel URL selected Cluster mode")
	}
	ctx := context.Background()
	_ = r.Set(ctx, []Entry{{rkey(1), []byte("via sentinel")}})
	waitStored(t, r, rkey(1))
	// The value is on the master that Sentinel named.
	if v, err := redistest.Do(master.Addr, "GET", r.valueKey(rkey(1))); err != nil || v != "via sentinel" {
		t.Fatalf("master holds %q, %v", v, err)
	}
	if st, detail := r.Status(); st != "ok" {
		t.Errorf("Status = %s (%s)", st, detail)
	}
}

// countHook counts what go-redis sends: single commands and pipelines.
type countHook struct{ cmds, pipes atomic.Int64 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.cmds.Add(1); return next(ctx, cmd) }
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.pipes.Add(1); return next(ctx, cmds) }
}

func TestRedisOneRoundTripPerBatch(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r, reg := newTestRedis(t, srv.URL(), func(c *RedisConfig) { c.HealthInterval = -1 })
	hook := &countHook{}
	r.Client().AddHook(hook)
	ctx := context.Background()
	const n = 256
	keys := make([]Key, n)
	entries := make([]Entry, n)
	for i := range keys {
		keys[i] = rkey(i)
		entries[i] = Entry{keys[i], []byte(strconv.Itoa(i))}
	}
	if err := r.Set(ctx, entries); err != nil {
		t.Fatal(err)
	}
	waitStored(t, r, keys[n-1])
	// The writes went in pipelines of up to maxWriteBatch, not one by one.
	if p := hook.pipes.Load(); p > 2 {
		t.Errorf("%d pipelines for %d writes, want at most 2", p, n)
	}
	before, _ := redistest.CommandCalls(srv.Addr)
	hook.cmds.Store(0)
	hook.pipes.Store(0)
	got, err := r.Get(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if string(v) != strconv.Itoa(i) {
			t.Fatalf("key %d = %q", i, v)
		}
	}
	after, _ := redistest.CommandCalls(srv.Addr)
	if c, p := hook.cmds.Load(), hook.pipes.Load(); c+p != 1 {
		t.Errorf("Get of %d keys sent %d commands and %d pipelines, want one round trip", n, c, p)
	}
	if d := after["mget"] - before["mget"]; d != 1 || after["get"] != before["get"] {
		t.Errorf("server saw %d MGETs and %d GETs for one batch, want 1 and 0", d, after["get"]-before["get"])
	}
	// Every call is timed: the write pipelines and the one look-up.
	eventually(t, 2*time.Second, "every Redis call timed", func() bool {
		calls := metric(t, reg, "referee_cache_redis_calls_total")
		timed := metric(t, reg, "referee_cache_redis_call_duration_seconds")
		return calls >= 2 && timed == calls
	})
}

// TestRedisGetCoalesces: concurrent look-ups share round trips, and every
// caller still gets exactly its own values.
func TestRedisGetCoalesces(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r, _ := newTestRedis(t, srv.URL(), func(c *RedisConfig) { c.HealthInterval = -1 })
	ctx := context.Background()
	const n = 64
	entries := make([]Entry, n)
	for i := range entries {
		entries[i] = Entry{rkey(i), []byte(strconv.Itoa(i))}
	}
	_ = r.Set(ctx, entries)
	waitStored(t, r, rkey(n-1))
	before, _ := redistest.CommandCalls(srv.Addr)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Its own hit, a miss, and a key another caller also asks for.
			got, err := r.Get(ctx, []Key{rkey(i), rkey(10000 + i), rkey(0)})
			switch {
			case err != nil:
				errs <- err
			case string(got[0]) != strconv.Itoa(i) || got[1] != nil || string(got[2]) != "0":
				errs <- fmt.Errorf("caller %d got %q", i, got)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	after, _ := redistest.CommandCalls(srv.Addr)
	mgets := after["mget"] - before["mget"]
	if mgets >= n {
		t.Errorf("%d concurrent look-ups took %d MGETs, want fewer", n, mgets)
	}
	t.Logf("%d concurrent look-ups in %d MGETs", n, mgets)
}

func TestRedisBreakerOpensAndCloses(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r, reg := newTestRedis(t, srv.URL(), func(c *RedisConfig) { c.HealthInterval = -1 })
	ctx := context.Background()
	if _, err := r.Get(ctx, []Key{rkey(1)}); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	for i := 0; i < 3; i++ {
		if _, err := r.Get(ctx, []Key{rkey(1)}); err == nil || errors.Is(err, ErrBypassed) {
			t.Fatalf("call %d to a dead Redis: err %v, want a Redis error", i, err)
		}
	}
	start := time.Now()
	if _, err := r.Get(ctx, []Key{rkey(1)}); !errors.Is(err, ErrBypassed) {
		t.Fatalf("after 3 failures err = %v, want ErrBypassed", err)
	}
	if d := time.Since(start); d > 10*time.Millisecond {
		t.Errorf("a bypassed call took %s", d)
	}
	if st, _ := r.Status(); st != "degraded" {
		t.Errorf("Status = %s with the breaker open, want degraded", st)
	}
	if g := metric(t, reg, "referee_cache_redis_breaker_state"); g != 2 {
		t.Errorf("breaker_state = %v, want 2 (open)", g)
	}
	if e := metric(t, reg, "referee_cache_redis_errors_total"); e != 3 {
		t.Errorf("errors_total = %v, want 3", e)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "breaker closes once Redis is back", func() bool {
		_, err := r.Get(ctx, []Key{rkey(1)})
		return err == nil
	})
	if st, detail := r.Status(); st != "ok" {
		t.Errorf("Status = %s (%s) after recovery, want ok", st, detail)
	}
	if g := metric(t, reg, "referee_cache_redis_breaker_state"); g != 0 {
		t.Errorf("breaker_state = %v after recovery, want 0", g)
	}
}

func TestRedisStatusRecoversWithoutTraffic(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r, _ := newTestRedis(t, srv.URL(), nil)
	srv.Kill()
	eventually(t, 5*time.Second, "health check notices the dead Redis", func() bool {
		st, _ := r.Status()
		return st == "degraded"
	})
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "health check notices Redis is back", func() bool {
		st, _ := r.Status()
		return st == "ok"
	})
	_ = r.Close()
	if st, _ := r.Status(); st != "down" {
		t.Errorf("Status after Close = %s, want down", st)
	}
}

// TestRedisHungIsBypassed pauses Redis (SIGSTOP: connections open, no
// answers): calls must end at the timeout, the breaker must then bypass
// Redis, and everything must recover once Redis answers again.
func TestRedisHungIsBypassed(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	c, r, _ := replica(t, srv.URL())
	ctx := context.Background()
	if _, _, err := c.Do(ctx, rkey(1), func() ([]byte, bool, error) { return []byte("v"), true, nil }); err != nil {
		t.Fatal(err)
	}
	waitStored(t, r, rkey(1))
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Resume() })
	// A caller's own deadline ends its wait even while a look-up it joined
	// is still on the wire.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	t0 := time.Now()
	if _, err := r.Get(short, []Key{rkey(1)}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get with a 20ms deadline on a hung Redis: %v", err)
	}
	cancel()
	if d := time.Since(t0); d > 150*time.Millisecond {
		t.Errorf("Get with a 20ms deadline returned after %s", d)
	}
	start := time.Now()
	for i := 0; i < 20; i++ {
		c.Get(ctx, []Key{rkey(100 + i)})
		v, _, err := c.Do(ctx, rkey(100+i), func() ([]byte, bool, error) { return []byte("w"), true, nil })
		if err != nil || string(v) != "w" {
			t.Fatalf("Do with Redis hung = %q, %v", v, err)
		}
	}
	// 3 failures open the breaker; each costs at most the 250ms timeout.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("20 look-ups and computations with Redis hung took %s", d)
	}
	if st, _ := r.Status(); st != "degraded" {
		t.Errorf("Status with Redis hung = %s, want degraded", st)
	}
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "recovery after Redis answers again", func() bool {
		st, _ := r.Status()
		return st == "ok"
	})
	if v, err := r.Get(ctx, []Key{rkey(1)}); err != nil || string(v[0]) != "v" {
		t.Errorf("Get after recovery = %q, %v", v, err)
	}
}

// replica is one process's view: a Cache over its own Redis client.
func replica(t *testing.T, url string) (*Cache, *Redis, *prometheus.Registry) {
	r, reg := newTestRedis(t, url, nil)
	return New(Config{Entries: 1000, TTL: time.Minute, Remote: r}), r, reg
}

func TestLeaseJoinAcrossReplicas(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, _, regA := replica(t, srv.URL())
	b, _, regB := replica(t, srv.URL())
	ctx := context.Background()
	var calls atomic.Int32
	started := make(chan struct{})
	release := make(chan struct{})
	fn := func() ([]byte, bool, error) {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-release
		return []byte("v"), true, nil
	}
	type res struct {
		v      []byte
		joined bool
		err    error
	}
	ra := make(chan res, 1)
	go func() { v, j, err := a.Do(ctx, rkey(1), fn); ra <- res{v, j, err} }()
	<-started
	rb := make(chan res, 1)
	go func() { v, j, err := b.Do(ctx, rkey(1), fn); rb <- res{v, j, err} }()
	// b is now polling a's lease; hold it past a renewal or two.
	time.Sleep(300 * time.Millisecond)
	close(release)
	for _, ch := range []chan res{ra, rb} {
		if r := <-ch; r.err != nil || string(r.v) != "v" {
			t.Fatalf("Do = %q, %v", r.v, r.err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("two replicas computed %d times, want 1", n)
	}
	if j := metric(t, regB, "referee_cache_redis_joins_total"); j != 1 {
		t.Errorf("replica b joins_total = %v, want 1", j)
	}
	if l := metric(t, regA, "referee_cache_redis_leases_total"); l != 1 {
		t.Errorf("replica a leases_total = %v, want 1", l)
	}
	// The holder released its lease after publishing.
	eventually(t, time.Second, "lease released", func() bool {
		v, err := redistest.Do(srv.Addr, "EXISTS", "test:{"+rkey(1).Hex()+"}:lease")
		return err == nil && v == "0"
	})
}

// TestLookupLeasesBatch: Lookup takes the leases of a batch's misses in
// one round trip, Do computes under them without asking Redis again, and
// another replica waits for those results instead of computing them.
func TestLookupLeasesBatch(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ra, _ := newTestRedis(t, srv.URL(), func(c *RedisConfig) { c.HealthInterval = -1 })
	a := New(Config{Entries: 1000, TTL: time.Minute, Remote: ra})
	b, _, _ := replica(t, srv.URL())
	hook := &countHook{}
	ra.Client().AddHook(hook)
	ctx := context.Background()
	keys := make([]Key, 20)
	for i := range keys {
		keys[i] = rkey(1000 + i)
	}
	// Warm the script cache so that the count below is exact.
	warm := []Key{rkey(1), rkey(2)}
	a.Lookup(ctx, warm)
	for _, k := range warm {
		_, _, _ = a.Do(ctx, k, func() ([]byte, bool, error) { return []byte("w"), true, nil })
		waitStored(t, ra, k)
	}

	hook.cmds.Store(0)
	hook.pipes.Store(0)
	vals, tiers := a.Lookup(ctx, keys)
	for i := range keys {
		if vals[i] != nil || tiers[i] != TierNone {
			t.Fatalf("key %d: %q from %q, want a miss", i, vals[i], tiers[i])
		}
	}
	if c, p := hook.cmds.Load(), hook.pipes.Load(); c != 2 || p != 0 {
		t.Fatalf("Lookup of %d misses sent %d commands and %d pipelines, want 2 commands (MGET, one lease script)", len(keys), c, p)
	}
	// Replica b asks for the first key while a holds its lease: it waits.
	var calls atomic.Int32
	fn := func() ([]byte, bool, error) { calls.Add(1); return []byte("v"), true, nil }
	got := make(chan []byte, 1)
	go func() {
		v, _, _ := b.Do(ctx, keys[0], fn)
		got <- v
	}()
	time.Sleep(50 * time.Millisecond)
	before, _ := redistest.CommandCalls(srv.Addr)
	hook.cmds.Store(0)
	for _, k := range keys {
		if v, _, err := a.Do(ctx, k, fn); err != nil || string(v) != "v" {
			t.Fatalf("Do = %q, %v", v, err)
		}
	}
	if c := hook.cmds.Load(); c != 0 {
		t.Errorf("Do under Lookup's leases sent %d synchronous commands, want 0", c)
	}
	if v := <-got; string(v) != "v" {
		t.Fatalf("replica b got %q", v)
	}
	if n := calls.Load(); n != int32(len(keys)) {
		t.Errorf("computed %d times for %d keys, want %d", n, len(keys), len(keys))
	}
	after, _ := redistest.CommandCalls(srv.Addr)
	t.Logf("server commands during the Do phase: evalsha %d, eval %d", after["evalsha"]-before["evalsha"], after["eval"]-before["eval"])
}

func TestLookupReleasesUnclaimedLeases(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, ra, _ := replica(t, srv.URL())
	a.reserveTTL = 200 * time.Millisecond
	ctx := context.Background()
	keys := []Key{rkey(1), rkey(2), rkey(3)}
	a.Lookup(ctx, keys)
	if v, err := redistest.Do(srv.Addr, "EXISTS", ra.leaseKey(keys[0]), ra.leaseKey(keys[1]), ra.leaseKey(keys[2])); err != nil || v != "3" {
		t.Fatalf("leases after Lookup: %s, %v; want 3", v, err)
	}
	eventually(t, 2*time.Second, "unclaimed leases released", func() bool {
		v, err := redistest.Do(srv.Addr, "EXISTS", ra.leaseKey(keys[0]), ra.leaseKey(keys[1]), ra.leaseKey(keys[2]))
		return err == nil && v == "0"
	})
	// Do after the release takes a fresh lease and computes.
	v, joined, err := a.Do(ctx, keys[0], func() ([]byte, bool, error) { return []byte("late"), true, nil })
	if err != nil || joined || string(v) != "late" {
		t.Fatalf("Do after release = %q joined %v err %v", v, joined, err)
	}
}

func TestLeaseTakeoverAfterHolderDies(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b, _, reg := replica(t, srv.URL())
	// A holder that died right after taking the lease: nobody renews it.
	if _, err := redistest.Do(srv.Addr, "SET", "test:{"+rkey(7).Hex()+"}:lease", "dead-holder", "PX", "400"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var calls atomic.Int32
	v, joined, err := b.Do(context.Background(), rkey(7), func() ([]byte, bool, error) {
		calls.Add(1)
		return []byte("mine"), true, nil
	})
	took := time.Since(start)
	if err != nil || string(v) != "mine" || joined || calls.Load() != 1 {
		t.Fatalf("Do = %q joined %v err %v after %d calls", v, joined, err, calls.Load())
	}
	if took < 300*time.Millisecond || took > 3*time.Second {
		t.Errorf("took over after %s, want about the lease expiry (400ms)", took)
	}
	if n := metric(t, reg, "referee_cache_redis_takeovers_total"); n != 1 {
		t.Errorf("takeovers_total = %v, want 1", n)
	}
	eventually(t, time.Second, "value published", func() bool {
		got, err := redistest.Do(srv.Addr, "GET", "test:{"+rkey(7).Hex()+"}")
		return err == nil && got == "mine"
	})
}

func TestLeaseReleasedOnUncacheableAndPanic(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, _, _ := replica(t, srv.URL())
	leaseOf := func(k Key) string { return "test:{" + k.Hex() + "}:lease" }
	_, _, _ = a.Do(context.Background(), rkey(1), func() ([]byte, bool, error) { return []byte("x"), false, nil })
	func() {
		defer func() { _ = recover() }()
		_, _, _ = a.Do(context.Background(), rkey(2), func() ([]byte, bool, error) { panic("verifier bug") })
	}()
	eventually(t, time.Second, "leases released", func() bool {
		n, err := redistest.Do(srv.Addr, "EXISTS", leaseOf(rkey(1)), leaseOf(rkey(2)), "test:{"+rkey(1).Hex()+"}")
		return err == nil && n == "0"
	})
}

func TestDoWithRedisDownComputesLocally(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	c, r, _ := replica(t, srv.URL())
	srv.Kill()
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < 50; i++ {
		v, _, err := c.Do(ctx, rkey(i), func() ([]byte, bool, error) { return []byte("v"), true, nil })
		if err != nil || string(v) != "v" {
			t.Fatalf("Do with Redis down = %q, %v", v, err)
		}
	}
	// At most BreakerFailures calls wait for a timeout; the rest bypass.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("50 Do calls with Redis down took %s", d)
	}
	if st, _ := r.Status(); st != "degraded" {
		t.Errorf("Status = %s, want degraded", st)
	}
}

// TestRedisKilledMidRun runs Get/Do traffic from several goroutines, kills
// Redis in the middle and restarts it: no call may fail, and the tier must
// be used again afterwards without any intervention.
func TestRedisKilledMidRun(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	c, r, _ := replica(t, srv.URL())
	ctx := context.Background()
	var (
		wg      sync.WaitGroup
		stop    atomic.Bool
		ops     atomic.Int64
		failure atomic.Value
		next    atomic.Int64
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				i := int(next.Add(1))
				k := rkey(i % 5000)
				c.Get(ctx, []Key{k, rkey(i + 1)})
				v, _, err := c.Do(ctx, k, func() ([]byte, bool, error) { return []byte("v"), true, nil })
				if err != nil || string(v) != "v" {
					failure.Store(fmt.Sprintf("Do = %q, %v", v, err))
				}
				ops.Add(1)
				time.Sleep(time.Millisecond)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	srv.Kill()
	time.Sleep(500 * time.Millisecond)
	if st, _ := r.Status(); st != "degraded" {
		t.Errorf("Status with Redis dead = %s, want degraded", st)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "values stored in the restarted Redis", func() bool {
		n, err := redistest.Do(srv.Addr, "DBSIZE")
		return err == nil && n != "0"
	})
	stop.Store(true)
	wg.Wait()
	if f := failure.Load(); f != nil {
		t.Fatalf("a call failed while Redis was down: %v", f)
	}
	if st, detail := r.Status(); st != "ok" {
		t.Errorf("Status after restart = %s (%s), want ok", st, detail)
	}
	t.Logf("%d operations, none failed", ops.Load())
}

func TestRedisCluster(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t, 3)
	r, _ := newTestRedis(t, cl.URL(), nil)
	if !r.cluster {
		t.Fatal("three seeds did not select Cluster mode")
	}
	ctx := context.Background()
	const n = 300
	keys := make([]Key, n)
	entries := make([]Entry, n)
	for i := range keys {
		keys[i] = rkey(i)
		entries[i] = Entry{keys[i], []byte(strconv.Itoa(i))}
	}
	if err := r.Set(ctx, entries); err != nil {
		t.Fatal(err)
	}
	waitStored(t, r, keys[n-1])
	eventually(t, 3*time.Second, "every value stored", func() bool {
		got, err := r.Get(ctx, keys)
		if err != nil {
			return false
		}
		for i, v := range got {
			if string(v) != strconv.Itoa(i) {
				return false
			}
		}
		return true
	})
	if got, err := r.Get(ctx, []Key{rkey(n + 1), keys[0]}); err != nil || got[0] != nil || string(got[1]) != "0" {
		t.Fatalf("mixed miss and hit = %q, %v", got, err)
	}
	// The keys spread over every master, so the batch crossed slots and nodes.
	for _, s := range cl.Nodes {
		if size, err := redistest.Do(s.Addr, "DBSIZE"); err != nil || size == "0" {
			t.Errorf("node %s holds %s keys (%v), want some", s.Addr, size, err)
		}
	}
	// Leases work on a Cluster too (both keys of a result share a slot).
	c := New(Config{Entries: 10, TTL: time.Minute, Remote: r})
	fresh := []Key{rkey(n + 10), rkey(n + 11), rkey(n + 12), rkey(n + 13)}
	c.Lookup(ctx, fresh)
	for _, k := range fresh {
		if v, _, err := c.Do(ctx, k, func() ([]byte, bool, error) { return []byte("batch"), true, nil }); err != nil || string(v) != "batch" {
			t.Fatalf("Do after Lookup on a Cluster = %q, %v", v, err)
		}
		waitStored(t, r, k)
		if ex, err := r.Client().Exists(ctx, r.leaseKey(k)).Result(); err != nil || ex != 0 {
			t.Errorf("lease of %v left behind on the Cluster: %d, %v", k, ex, err)
		}
	}
	v, _, err := c.Do(ctx, rkey(n+2), func() ([]byte, bool, error) { return []byte("leased"), true, nil })
	if err != nil || string(v) != "leased" {
		t.Fatalf("Do on a Cluster = %q, %v", v, err)
	}
	waitStored(t, r, rkey(n+2))
	if st, detail := r.Status(); st != "ok" {
		t.Errorf("Status = %s (%s)", st, detail)
	}
}

// BenchmarkRedisGet256 measures one batch look-up of 256 hits, the Redis
// share of a fully cached GRPO batch.
func BenchmarkRedisGet256(b *testing.B) {
	srv := redistest.Start(b)
	r, err := NewRedis(RedisConfig{URL: srv.URL(), HealthInterval: -1, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	keys := make([]Key, 256)
	entries := make([]Entry, 256)
	for i := range keys {
		keys[i] = rkey(i)
		entries[i] = Entry{keys[i], make([]byte, 120)}
	}
	_ = r.Set(context.Background(), entries)
	for {
		v, _ := r.Get(context.Background(), keys[255:])
		if v != nil && v[0] != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Get(context.Background(), keys); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGoRedisLoggerIsRateLimited(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := GoRedisLogger(slog.New(slog.NewTextHandler(&buf, nil)), time.Hour)
	for i := 0; i < 100; i++ {
		l.Printf(context.Background(), "redis: dial %d failed", i)
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Fatalf("100 go-redis lines in an interval logged %d times, want 1:\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "dial 0 failed") {
		t.Errorf("the first line was not the one logged: %s", buf.String())
	}
}

// BenchmarkRedisGetParallel measures single-key look-ups from many
// goroutines, the Redis share of /v1/score hits on a fresh replica.
func BenchmarkRedisGetParallel(b *testing.B) {
	srv := redistest.Start(b)
	r, err := NewRedis(RedisConfig{URL: srv.URL(), HealthInterval: -1, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	keys := make([]Key, 1000)
	entries := make([]Entry, len(keys))
	for i := range keys {
		keys[i] = rkey(i)
		entries[i] = Entry{keys[i], make([]byte, 120)}
	}
	_ = r.Set(context.Background(), entries)
	time.Sleep(100 * time.Millisecond)
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := keys[int(next.Add(1))%len(keys)]
			if v, err := r.Get(context.Background(), []Key{k}); err != nil || v[0] == nil {
				b.Error(v, err)
				return
			}
		}
	})
}
