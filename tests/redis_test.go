package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/referee/referee/cache/redistest"
)

// The black-box tests of the Redis tier: referee processes configured with
// REFEREE_REDIS_URL against a redis-server (or Cluster) that the test
// starts. They need redis-server on PATH; without it they skip loudly, or
// fail when REFEREE_REQUIRE_REDIS is set.

// startRedisReferee starts referee serve against the Redis at url and
// checks that /readyz reports the tier as "redis".
func startRedisReferee(t *testing.T, url string, env map[string]string) *Referee {
	t.Helper()
	full := map[string]string{
		"REFEREE_REDIS_URL":    url,
		"REFEREE_CACHE_PREFIX": "bb:",
		"REFEREE_LOG_LEVEL":    "warn",
	}
	for k, v := range env {
		full[k] = v
	}
	r := StartReferee(t, full)
	deadline := time.Now().Add(10 * time.Second)
	for {
		state, detail := redisReadyState(t, r)
		if state == "ok" {
			return r
		}
		if state == "" {
			t.Fatalf("/readyz has no dependency \"redis\": is cache.NewRedis wired into referee serve (REFEREE_REDIS_URL)?")
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz reports redis as %q (%s), want ok", state, detail)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// redisReadyState returns dependencies.redis.{state,detail} from /readyz,
// which must answer 200 whatever Redis does.
func redisReadyState(t *testing.T, r *Referee) (state, detail string) {
	t.Helper()
	resp := r.Do(t, http.MethodGet, "/readyz", nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("/readyz = %d %s, want 200 (a Redis outage is a degradation, not unreadiness)", resp.Status, resp.Body)
	}
	var body struct {
		Dependencies map[string]struct {
			State  string `json:"state"`
			Detail string `json:"detail"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		t.Fatalf("/readyz body: %v: %s", err, resp.Body)
	}
	d := body.Dependencies["redis"]
	return d.State, d.Detail
}

// redisClient is a goroutine-safe HTTP client for load: it returns errors
// instead of failing the test, which only the test goroutine may do.
var redisClient = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

type redisScoreResult struct {
	Reward float64         `json:"reward"`
	Cached bool            `json:"cached"`
	Error  json.RawMessage `json:"error"`
}

// redisPost posts body to url and decodes a 200 answer into out.
func redisPost(ctx context.Context, url string, body any, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := redisClient.Do(req)
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
	return json.Unmarshal(data, out)
}

// redisScore scores response against reference "x" with string_match.
func redisScore(ctx context.Context, r *Referee, response string) (redisScoreResult, error) {
	var res redisScoreResult
	err := redisPost(ctx, r.URL+"/v1/score", map[string]any{"verifier": "string_match", "reference": "x", "response": response}, &res)
	if err == nil && len(res.Error) > 0 && string(res.Error) != "null" {
		err = fmt.Errorf("result error %s", res.Error)
	}
	return res, err
}

type redisBatchResult struct {
	Results []redisScoreResult `json:"results"`
	Stats   struct {
		Items     int `json:"items"`
		CacheHits int `json:"cache_hits"`
		Computed  int `json:"computed"`
		Errors    int `json:"errors"`
	} `json:"stats"`
}

func redisBatch(ctx context.Context, r *Referee, responses []string) (redisBatchResult, error) {
	items := make([]map[string]string, len(responses))
	for i, s := range responses {
		items[i] = map[string]string{"response": s}
	}
	var res redisBatchResult
	err := redisPost(ctx, r.URL+"/v1/score/batch", map[string]any{
		"defaults": map[string]any{"verifier": "string_match", "reference": "x"},
		"items":    items,
	}, &res)
	return res, err
}

// redisExecutions is the string_match executions counter of r.
func redisExecutions(t *testing.T, r *Referee) float64 {
	t.Helper()
	return r.Metric(t, "referee_verifier_executions_total", "verifier", "string_match")
}

// redisUnique returns n responses no earlier run has scored.
func redisUnique(t *testing.T, n int) []string {
	out := make([]string, n)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%s-%d", t.Name(), run, i)
	}
	return out
}

// TestRedisTwoReplicasComputeOnce: two referee processes sharing one Redis
// receive the same 1,000 unseen items at the same moment; each item must
// be computed exactly once in total.
func TestRedisTwoReplicasComputeOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := startRedisReferee(t, srv.URL(), nil)
	b := startRedisReferee(t, srv.URL(), nil)
	items := redisUnique(t, 1000)
	before := redisExecutions(t, a) + redisExecutions(t, b)

	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errMu   sync.Mutex
		errs    []error
		rewards sync.Map
	)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(items) {
					return
				}
				// The same item reaches both replicas at the same moment.
				var pair sync.WaitGroup
				for _, r := range []*Referee{a, b} {
					pair.Add(1)
					go func() {
						defer pair.Done()
						res, err := redisScore(ctx, r, items[i])
						if err != nil {
							errMu.Lock()
							errs = append(errs, err)
							errMu.Unlock()
							return
						}
						if prev, loaded := rewards.LoadOrStore(i, res.Reward); loaded && prev != res.Reward {
							errMu.Lock()
							errs = append(errs, fmt.Errorf("item %d: rewards %v and %v", i, prev, res.Reward))
							errMu.Unlock()
						}
					}()
				}
				pair.Wait()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d requests failed, first: %v", len(errs), errs[0])
	}
	got := redisExecutions(t, a) + redisExecutions(t, b) - before
	if got != float64(len(items)) {
		t.Fatalf("two replicas executed the verifier %v times for %d unique items, want exactly %d", got, len(items), len(items))
	}
	joins := a.Metric(t, "referee_cache_redis_joins_total") + b.Metric(t, "referee_cache_redis_joins_total")
	t.Logf("%d items, %v executions, %v cross-replica joins", len(items), got, joins)
}

// TestRedisTwoReplicasGroups sends GRPO-like groups of 16 drafts, half of
// them duplicates, to two replicas at the same moment: every unique draft
// is computed once in total.
func TestRedisTwoReplicasGroups(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := startRedisReferee(t, srv.URL(), nil)
	b := startRedisReferee(t, srv.URL(), nil)
	const groups = 60
	unique := redisUnique(t, groups*8)
	before := redisExecutions(t, a) + redisExecutions(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		errs  []error
	)
	sem := make(chan struct{}, 8)
	for g := 0; g < groups; g++ {
		group := make([]string, 0, 16)
		for i := 0; i < 8; i++ {
			group = append(group, unique[g*8+i], unique[g*8+(7-i)])
		}
		for _, r := range []*Referee{a, b} {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				res, err := redisBatch(ctx, r, group)
				if err == nil && res.Stats.Errors != 0 {
					err = fmt.Errorf("%d errors in a group", res.Stats.Errors)
				}
				if err != nil {
					errMu.Lock()
					errs = append(errs, err)
					errMu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d batches failed, first: %v", len(errs), errs[0])
	}
	if got := redisExecutions(t, a) + redisExecutions(t, b) - before; got != float64(len(unique)) {
		t.Fatalf("%v executions for %d unique drafts in %d groups of 16 sent to two replicas, want %d", got, len(unique), groups, len(unique))
	}
}

// TestRedisKilledDuringLoad kills Redis in the middle of a load run: no
// request may fail, /readyz must report the tier degraded (still 200),
// and after a restart the tier must come back by itself.
func TestRedisKilledDuringLoad(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r := startRedisReferee(t, srv.URL(), nil)
	items := redisUnique(t, 100000)

	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	var (
		stop     atomic.Bool
		next     atomic.Int64
		requests atomic.Int64
		failed   atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				i := int(next.Add(1)) % len(items)
				var err error
				if i%4 == 0 {
					// A group with repeats and earlier items: hits and misses.
					_, err = redisBatch(ctx, r, []string{items[i], items[i/2], items[i], items[i/3]})
				} else {
					_, err = redisScore(ctx, r, items[i])
				}
				requests.Add(1)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	// waitState polls /readyz from the test goroutine.
	waitState := func(want string, d time.Duration) {
		t.Helper()
		deadline := time.Now().Add(d)
		for {
			state, detail := redisReadyState(t, r)
			if state == want {
				t.Logf("readyz redis %s (%s) after %d requests", state, detail, requests.Load())
				return
			}
			if time.Now().After(deadline) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("/readyz redis state %q (%s), want %q within %s", state, detail, want, d)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(500 * time.Millisecond)
	srv.Kill()
	waitState("degraded", 5*time.Second)
	time.Sleep(time.Second)
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitState("ok", 10*time.Second)
	// The tier is used again: new results reach the restarted Redis.
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := redistest.Do(srv.Addr, "DBSIZE")
		if err == nil && n != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("nothing stored in the restarted Redis (DBSIZE %q, %v)", n, err)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d requests failed while Redis was killed and restarted; first: %v", n, requests.Load(), firstErr.Load())
	}
	if e := r.Metric(t, "referee_cache_redis_errors_total"); e == 0 {
		t.Errorf("referee_cache_redis_errors_total = 0 after an outage")
	}
	t.Logf("%d requests, none failed", requests.Load())
}

// TestRedisBatchOneRoundTrip scores a batch on one replica, then sends it
// to a fresh replica (empty memory tier): all 256 items are Redis hits in
// one MGET, and nothing is computed again.
func TestRedisBatchOneRoundTrip(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := startRedisReferee(t, srv.URL(), nil)
	items := redisUnique(t, 256)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if res, err := redisBatch(ctx, a, items); err != nil || res.Stats.Computed != len(items) {
		t.Fatalf("first batch: computed %d, %v", res.Stats.Computed, err)
	}
	waitDBSize(t, srv.Addr, len(items))

	b := startRedisReferee(t, srv.URL(), nil)
	before, err := redistest.CommandCalls(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	res, err := redisBatch(ctx, b, items)
	if err != nil {
		t.Fatal(err)
	}
	after, err := redistest.CommandCalls(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stats.CacheHits != len(items) || res.Stats.Computed != 0 {
		t.Fatalf("fresh replica: %d hits, %d computed; want %d hits", res.Stats.CacheHits, res.Stats.Computed, len(items))
	}
	for i, r := range res.Results {
		if !r.Cached {
			t.Fatalf("item %d not reported cached", i)
		}
	}
	if d := after["mget"] - before["mget"]; d != 1 {
		t.Errorf("a batch of %d Redis hits cost %d MGETs, want 1", len(items), d)
	}
	for _, c := range []string{"get", "eval", "evalsha", "set"} {
		if d := after[c] - before[c]; d != 0 {
			t.Errorf("a batch of Redis hits also sent %d %s", d, strings.ToUpper(c))
		}
	}
	if n := redisExecutions(t, b); n != 0 {
		t.Errorf("fresh replica executed %v verifiers for Redis hits", n)
	}
}

// TestRedisPrefixAndTTL checks the key layout a deployment sees: every key
// under REFEREE_CACHE_PREFIX, every value with a TTL of REFEREE_CACHE_TTL.
func TestRedisPrefixAndTTL(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r := startRedisReferee(t, srv.URL(), map[string]string{"REFEREE_CACHE_PREFIX": "blue:", "REFEREE_CACHE_TTL": "2s"})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := redisBatch(ctx, r, redisUnique(t, 10)); err != nil {
		t.Fatal(err)
	}
	waitDBSize(t, srv.Addr, 10)
	keys, err := redistest.Do(srv.Addr, "KEYS", "*")
	if err != nil {
		t.Fatal(err)
	}
	values := 0
	for _, k := range strings.Split(keys, "\n") {
		if !strings.HasPrefix(k, "blue:") {
			t.Errorf("key %q outside the prefix blue:", k)
			continue
		}
		ms, err := redistest.Do(srv.Addr, "PTTL", k)
		n, _ := strconv.Atoi(ms)
		if n == -2 && strings.HasSuffix(k, ":lease") {
			// A lease is released after its value is written, so one
			// listed by KEYS may be gone by the time PTTL asks.
			continue
		}
		if err != nil || n <= 0 || n > 2000 {
			t.Errorf("PTTL %s = %s (%v), want a TTL of at most 2s", k, ms, err)
		}
		if !strings.HasSuffix(k, ":lease") {
			values++
		}
	}
	if values != 10 {
		t.Errorf("%d values under blue:, want 10", values)
	}
	// A second deployment with another prefix shares nothing.
	g := startRedisReferee(t, srv.URL(), map[string]string{"REFEREE_CACHE_PREFIX": "green:"})
	res, err := redisScore(ctx, g, redisUnique(t, 1)[0])
	if err != nil || res.Cached {
		t.Errorf("other prefix: cached %v, %v; want a fresh computation", res.Cached, err)
	}
}

// waitDBSize waits until Redis holds at least n result values (writes are
// behind). Leases do not count: they exist before their values do.
func waitDBSize(t *testing.T, addr string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		keys, err := redistest.Do(addr, "KEYS", "*")
		got := 0
		for _, k := range strings.Split(keys, "\n") {
			if k != "" && !strings.HasSuffix(k, ":lease") {
				got++
			}
		}
		if err == nil && got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis holds %d values (%v), want at least %d", got, err, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
