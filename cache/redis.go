package cache

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Defaults for RedisConfig fields left zero.
const (
	DefaultRedisPrefix     = "referee:"
	DefaultRedisTTL        = 24 * time.Hour
	DefaultRedisTimeout    = 100 * time.Millisecond
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 2 * time.Second
	DefaultLeaseTTL        = 3 * time.Second
	DefaultLeaseWait       = 10 * time.Second
	DefaultWriteBuffer     = 8192
)

// maxWriteBatch bounds one write-behind pipeline, so a backlog is written
// in pieces that each fit the per-call timeout.
const maxWriteBatch = 512

// Errors the Redis tier returns; Cache treats all of them as misses.
var (
	// ErrBypassed is returned while the circuit breaker is open.
	ErrBypassed = errors.New("cache: redis bypassed (circuit breaker open)")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("cache: redis tier closed")
	// ErrWriteBufferFull is returned by Set when the write-behind buffer
	// is full; the entries that did not fit are dropped.
	ErrWriteBufferFull = errors.New("cache: redis write buffer full, entries dropped")
)

// RedisConfig configures the Redis tier. Only URL is required.
type RedisConfig struct {
	// URL is a redis:// or rediss:// URL for a single node, or several
	// comma-separated seed addresses (host:port or URLs) for a Cluster. The
	// schemes redis+cluster:// and rediss+cluster:// select Cluster mode
	// with a single seed address, and
	// redis+sentinel://host:port[,host:port]/master[/db] a master found
	// through Sentinel.
	URL string
	// Prefix namespaces every key, so several deployments can share one
	// Redis. It may not contain '{' or '}', which would change Cluster
	// hash slots. Default DefaultRedisPrefix.
	Prefix string
	// TTL is set on every stored value. Default DefaultRedisTTL.
	TTL time.Duration
	// Timeout bounds every call to Redis (dial, read, write, and each
	// command or pipeline). Default DefaultRedisTimeout.
	Timeout time.Duration
	// Registerer receives the tier's metrics (referee_cache_redis_*).
	// Nil registers nothing.
	Registerer prometheus.Registerer
	// Logger receives rate-limited error lines and breaker transitions.
	// Nil discards them.
	Logger *slog.Logger

	// BreakerFailures is how many consecutive failures open the circuit
	// breaker. Default DefaultBreakerFailures.
	BreakerFailures int
	// BreakerCooldown is how long an open breaker bypasses Redis before a
	// probe is let through. Default DefaultBreakerCooldown.
	BreakerCooldown time.Duration
	// LeaseTTL is the expiry of a cross-replica computation lease; the
	// holder renews it while computing, so it only bounds how long a dead
	// holder delays the others. Default DefaultLeaseTTL.
	LeaseTTL time.Duration
	// LeaseWait bounds how long a caller waits for another replica's
	// result before computing it itself. Default DefaultLeaseWait.
	LeaseWait time.Duration
	// WriteBuffer bounds the write-behind buffer, in operations. Default
	// DefaultWriteBuffer.
	WriteBuffer int
	// HealthInterval is how often a background PING checks Redis, so
	// Status recovers (and detects failure) without traffic. Default one
	// second; negative disables it.
	HealthInterval time.Duration
}

// Redis is the shared cache tier. It implements Store and Leaser and is
// safe for concurrent use. Reads are one round trip per batch; writes are
// queued and pipelined by a background flusher; every call is bounded by a
// short timeout and guarded by a circuit breaker, so a slow or dead Redis
// costs scoring at most one timeout per breaker cool-down.
type Redis struct {
	client      redis.UniversalClient
	cluster     bool
	prefix      string
	ttl         time.Duration
	timeout     time.Duration
	leaseTTL    time.Duration
	leaseWait   time.Duration
	healthEvery time.Duration

	gets    getBatcher
	getWork chan struct{} // wakes a look-up goroutine; one token per slot taken

	log     *slog.Logger
	errLog  *limitedLog
	breaker *breaker
	metrics *redisMetrics

	queue   chan writeOp
	stop    chan struct{} // closed by Close
	stopped sync.WaitGroup
	closing sync.Once
	closed  atomic.Bool
}

var (
	_ Store       = (*Redis)(nil)
	_ Leaser      = (*Redis)(nil)
	_ BatchLeaser = (*Redis)(nil)
)

// NewRedis returns a Redis tier for cfg. It does not wait for Redis: an
// unreachable server is a degraded cache, not a failed start, and the
// client reconnects by itself. It fails only on a bad configuration.
func NewRedis(cfg RedisConfig) (*Redis, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultRedisPrefix
	}
	if strings.ContainsAny(cfg.Prefix, "{}") {
		return nil, fmt.Errorf("cache: redis prefix %q may not contain '{' or '}'", cfg.Prefix)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultRedisTTL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRedisTimeout
	}
	if cfg.BreakerFailures <= 0 {
		cfg.BreakerFailures = DefaultBreakerFailures
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = DefaultBreakerCooldown
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.LeaseWait <= 0 {
		cfg.LeaseWait = DefaultLeaseWait
	}
	if cfg.WriteBuffer <= 0 {
		cfg.WriteBuffer = DefaultWriteBuffer
	}
	if cfg.HealthInterval == 0 {
		cfg.HealthInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	opts, err := parseRedisURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	opts.DialTimeout = cfg.Timeout
	opts.ReadTimeout = cfg.Timeout
	opts.WriteTimeout = cfg.Timeout
	opts.ContextTimeoutEnabled = true
	// RESP2: with RESP3 go-redis looks for pending push notifications
	// before every command, 7% of a Redis hit's CPU, for a feature this tier
	// does not use. Every command here replies the same in both protocols.
	opts.Protocol = 2
	// One retry recovers a pooled connection that a Redis restart broke;
	// more would only stretch a failure past the timeout.
	opts.MaxRetries = 1
	opts.MinRetryBackoff = time.Millisecond
	opts.MaxRetryBackoff = 10 * time.Millisecond
	opts.PoolTimeout = cfg.Timeout
	// Dial once per attempt: the default five dials with back-off only
	// turn "connection refused" into a timeout while Redis is down.
	opts.DialerRetries = 1
	// CLIENT SETINFO costs a round trip per connection and older servers
	// reject it.
	opts.DisableIdentity = true

	r := &Redis{
		client:      redis.NewUniversalClient(opts),
		cluster:     isCluster(opts),
		prefix:      cfg.Prefix,
		ttl:         cfg.TTL,
		timeout:     cfg.Timeout,
		leaseTTL:    cfg.LeaseTTL,
		leaseWait:   cfg.LeaseWait,
		healthEvery: cfg.HealthInterval,
		log:         cfg.Logger,
		errLog:      &limitedLog{log: cfg.Logger, every: 10 * time.Second},
		queue:       make(chan writeOp, cfg.WriteBuffer),
		stop:        make(chan struct{}),
	}
	r.metrics = newRedisMetrics(func() float64 { return float64(len(r.queue)) }).resolve()
	if cfg.Registerer != nil {
		if err := r.metrics.register(cfg.Registerer); err != nil {
			_ = r.client.Close()
			return nil, fmt.Errorf("cache: register redis metrics: %w", err)
		}
	}
	r.breaker = &breaker{
		threshold: cfg.BreakerFailures,
		cooldown:  cfg.BreakerCooldown,
		onChange:  r.breakerChanged,
	}
	r.stopped.Add(1)
	go r.flushLoop()
	r.getWork = make(chan struct{}, maxGetsInFlight)
	for range maxGetsInFlight {
		r.stopped.Add(1)
		go r.getServer()
	}
	if r.healthEvery > 0 {
		r.stopped.Add(1)
		go r.healthLoop()
	}
	return r, nil
}

// parseRedisURL turns RedisConfig.URL into client options: one URL is a
// single node, several comma-separated seeds (or a +cluster scheme) a
// Cluster. Credentials and TLS come from the first seed that has them.
func parseRedisURL(raw string) (*redis.UniversalOptions, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("cache: redis URL is empty")
	}
	if strings.HasPrefix(raw, "redis+sentinel://") || strings.HasPrefix(raw, "rediss+sentinel://") {
		return parseSentinelURL(raw)
	}
	opts := &redis.UniversalOptions{}
	for _, seed := range strings.Split(raw, ",") {
		seed = strings.TrimSpace(seed)
		if seed == "" {
			continue
		}
		if !strings.Contains(seed, "://") {
			if _, _, err := net.SplitHostPort(seed); err != nil {
				return nil, fmt.Errorf("cache: redis seed %q: want host:port or a redis:// URL", seed)
			}
			opts.Addrs = append(opts.Addrs, seed)
			continue
		}
		for _, s := range []string{"redis", "rediss"} {
			if rest, ok := strings.CutPrefix(seed, s+"+cluster://"); ok {
				seed = s + "://" + rest
				opts.IsClusterMode = true
			}
		}
		o, err := redis.ParseURL(seed)
		if err != nil {
			return nil, fmt.Errorf("cache: redis URL: %w", err)
		}
		opts.Addrs = append(opts.Addrs, o.Addr)
		if opts.Username == "" && opts.Password == "" {
			opts.Username, opts.Password = o.Username, o.Password
		}
		if opts.TLSConfig == nil {
			opts.TLSConfig = o.TLSConfig
		}
		if o.DB != 0 {
			opts.DB = o.DB
		}
	}
	if len(opts.Addrs) == 0 {
		return nil, errors.New("cache: redis URL has no address")
	}
	if isCluster(opts) && opts.DB != 0 {
		return nil, errors.New("cache: redis Cluster has no databases other than 0")
	}
	return opts, nil
}

// isCluster reports whether opts make go-redis build a Cluster client, by
// the rules of redis.NewUniversalClient.
func isCluster(opts *redis.UniversalOptions) bool {
	return opts.IsClusterMode || (len(opts.Addrs) > 1 && opts.MasterName == "")
}

// parseSentinelURL reads
// redis+sentinel://[user:password@]host:port[,host:port...]/master[/db]
// (rediss+sentinel:// for TLS): Sentinels to ask for the current master of
// the named group. The credentials are the master's.
func parseSentinelURL(raw string) (*redis.UniversalOptions, error) {
	scheme, rest, _ := strings.Cut(raw, "://")
	opts := &redis.UniversalOptions{}
	if scheme == "rediss+sentinel" {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		user, pass, _ := strings.Cut(rest[:at], ":")
		var err error
		if opts.Username, err = url.PathUnescape(user); err != nil {
			return nil, fmt.Errorf("cache: redis sentinel URL user: %w", err)
		}
		if opts.Password, err = url.PathUnescape(pass); err != nil {
			return nil, fmt.Errorf("cache: redis sentinel URL password: %w", err)
		}
		rest = rest[at+1:]
	}
	hosts, path, _ := strings.Cut(rest, "/")
	master, db, _ := strings.Cut(path, "/")
	if master == "" {
		return nil, errors.New("cache: redis sentinel URL needs the master name: redis+sentinel://host:port/master")
	}
	opts.MasterName = master
	if db != "" {
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("cache: redis sentinel URL database %q", db)
		}
		opts.DB = n
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			return nil, fmt.Errorf("cache: redis sentinel %q: want host:port", h)
		}
		opts.Addrs = append(opts.Addrs, h)
	}
	if len(opts.Addrs) == 0 {
		return nil, errors.New("cache: redis sentinel URL has no address")
	}
	return opts, nil
}

// valueKey is where a result lives: prefix{hex}. The hash tag puts a
// value and its lease (leaseKey) in one Cluster slot, so the lease scripts
// touch a single node; different results still spread over all slots.
func (r *Redis) valueKey(k Key) string { return r.redisKey(k, "") }

// leaseKey is the computation lease of a result: prefix{hex}:lease.
func (r *Redis) leaseKey(k Key) string { return r.redisKey(k, ":lease") }

// redisKey builds prefix{hex}suffix in one allocation; a batch builds
// hundreds of them.
func (r *Redis) redisKey(k Key, suffix string) string {
	var b strings.Builder
	b.Grow(len(r.prefix) + 2 + 2*len(k) + len(suffix))
	b.WriteString(r.prefix)
	b.WriteByte('{')
	var h [2 * len(Key{})]byte
	hex.Encode(h[:], k[:])
	b.Write(h[:])
	b.WriteByte('}')
	b.WriteString(suffix)
	return b.String()
}

// redisCall is one call let through by the breaker.
type redisCall struct {
	probe bool      // the breaker's half-open probe
	start time.Time // when it was let through
}

// enter asks the breaker whether a call may go to Redis.
func (r *Redis) enter(op redisOp) (redisCall, error) {
	if r.closed.Load() {
		return redisCall{}, ErrClosed
	}
	now := time.Now()
	ok, probe := r.breaker.allow(now)
	if !ok {
		r.metrics.op[op].bypassed.Inc()
		return redisCall{}, ErrBypassed
	}
	r.metrics.op[op].calls.Inc()
	return redisCall{probe: probe, start: now}, nil
}

// exit records the outcome of a call: its duration, and failures, which
// are counted, logged at a bounded rate and reported to the breaker.
// redis.Nil is a miss, not a failure, and a caller that gave up first says
// nothing about Redis.
func (r *Redis) exit(parent context.Context, op redisOp, rc redisCall, err error) {
	now := time.Now()
	r.metrics.op[op].seconds.Observe(now.Sub(rc.start).Seconds())
	switch {
	case err == nil || errors.Is(err, redis.Nil):
		r.breaker.done(now, rc.probe, callOK, nil)
	case parent.Err() != nil:
		r.breaker.done(now, rc.probe, callNeutral, nil)
	default:
		r.metrics.op[op].errors.Inc()
		r.errLog.record(op.String(), err)
		r.breaker.done(now, rc.probe, callFailed, err)
	}
}

// Get implements Store: one MGET on a single node, or one pipeline of GETs
// on a Cluster (go-redis sends each node its share in parallel), so a batch
// costs one round trip however many keys it has.
//
// Concurrent calls are coalesced: while maxGetsInFlight look-ups are on
// the wire, further calls queue, and the next round trip serves all of
// them at once. An idle tier adds no delay; a busy one sends fewer, larger
// MGETs, which is what keeps single /v1/score hits cheap under load.
func (r *Redis) Get(ctx context.Context, keys []Key) ([][]byte, error) {
	if len(keys) == 0 {
		return [][]byte{}, nil
	}
	if r.closed.Load() {
		return nil, ErrClosed
	}
	w := &getWaiter{keys: keys, done: make(chan struct{})}
	g := &r.gets
	g.mu.Lock()
	g.pending = append(g.pending, w)
	lead := g.inFlight < maxGetsInFlight
	if lead {
		g.inFlight++
	}
	g.mu.Unlock()
	if lead {
		// Served by one of the tier's look-up goroutines, so that this
		// caller's own deadline ends its wait even though the round trip
		// serves others. They live as long as the tier: a goroutine per
		// round trip grew a fresh stack each time, 5% of a Redis hit's CPU.
		r.getWork <- struct{}{}
	}
	select {
	case <-w.done:
		return w.out, w.err
	case <-r.stop:
		return nil, ErrClosed
	case <-ctx.Done():
		// The round trip goes on for the others; this caller gives up.
		return nil, ctx.Err()
	}
}

// maxGetsInFlight bounds concurrent look-up round trips; callers beyond it
// wait for the next one, which serves them all.
const maxGetsInFlight = 2

// getBatcher coalesces concurrent Get calls.
type getBatcher struct {
	mu       sync.Mutex
	pending  []*getWaiter
	inFlight int
}

// getWaiter is one Get call waiting for its round trip.
type getWaiter struct {
	keys []Key
	out  [][]byte
	err  error
	done chan struct{}
}

// getServer is one of the maxGetsInFlight goroutines that send look-ups.
func (r *Redis) getServer() {
	defer r.stopped.Done()
	for {
		select {
		case <-r.getWork:
			r.serveGets()
		case <-r.stop:
			return
		}
	}
}

// serveGets sends everything pending in one round trip, and again while
// more callers queued meanwhile; then it gives its in-flight slot back.
func (r *Redis) serveGets() {
	g := &r.gets
	for {
		g.mu.Lock()
		batch := g.pending
		g.pending = nil
		if len(batch) == 0 {
			g.inFlight--
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		r.getBatch(batch)
	}
}

// getBatch looks up the keys of every waiter in one call and hands each
// its share of the values.
func (r *Redis) getBatch(batch []*getWaiter) {
	var keys []Key
	if len(batch) == 1 {
		keys = batch[0].keys
	} else {
		for _, w := range batch {
			keys = append(keys, w.keys...)
		}
	}
	out, err := r.fetch(keys)
	for _, w := range batch {
		if err != nil {
			w.err = err
		} else {
			w.out, out = out[:len(w.keys):len(w.keys)], out[len(w.keys):]
		}
		close(w.done)
	}
}

// fetch is one look-up round trip, through the breaker and the timeout.
// It serves many callers, so it is bounded by the tier's timeout alone.
func (r *Redis) fetch(keys []Key) ([][]byte, error) {
	rc, err := r.enter(opGet)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	out := make([][]byte, len(keys))
	if r.cluster {
		err = r.getPipelined(ctx, keys, out)
	} else {
		err = r.getMGet(ctx, keys, out)
	}
	r.exit(context.Background(), opGet, rc, err)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (r *Redis) getMGet(ctx context.Context, keys []Key, out [][]byte) error {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = r.valueKey(k)
	}
	vals, err := r.client.MGet(ctx, names...).Result()
	if err != nil {
		return err
	}
	if len(vals) != len(keys) {
		return fmt.Errorf("cache: redis MGET returned %d values for %d keys", len(vals), len(keys))
	}
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[i] = []byte(s)
		}
	}
	return nil
}

func (r *Redis) getPipelined(ctx context.Context, keys []Key, out [][]byte) error {
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, r.valueKey(k))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for i, c := range cmds {
		b, err := c.Bytes()
		switch {
		case err == nil:
			out[i] = b
		case !errors.Is(err, redis.Nil):
			return err
		}
	}
	return nil
}

// writeKind says what a queued write does.
type writeKind int

const (
	writeSet     writeKind = iota // SET value PX ttl
	writePublish                  // SET value PX ttl, then release the lease if still ours
	writeRelease                  // release the lease if still ours, storing nothing
)

// writeOp is one queued write.
type writeOp struct {
	kind  writeKind
	key   Key
	value []byte
	token string
}

// Set implements Store. It queues the entries for the background flusher
// and returns at once, so a write never delays a response; when the buffer
// is full the rest are dropped (counted) and ErrWriteBufferFull returned.
func (r *Redis) Set(_ context.Context, entries []Entry) error {
	if r.closed.Load() {
		return ErrClosed
	}
	for i, e := range entries {
		if !r.enqueue(writeOp{kind: writeSet, key: e.Key, value: e.Value}) {
			r.metrics.dropped.Add(float64(len(entries) - i - 1))
			return ErrWriteBufferFull
		}
	}
	return nil
}

// enqueue adds op to the write-behind buffer without blocking.
func (r *Redis) enqueue(op writeOp) bool {
	select {
	case r.queue <- op:
		return true
	default:
		r.metrics.dropped.Inc()
		return false
	}
}

// flushLoop writes queued operations. It wakes as soon as one arrives and
// takes everything that is waiting (up to maxWriteBatch) into one pipeline,
// so writes are prompt when idle and batched under load.
func (r *Redis) flushLoop() {
	defer r.stopped.Done()
	batch := make([]writeOp, 0, maxWriteBatch)
	for {
		select {
		case op := <-r.queue:
			batch = append(batch, op)
		case <-r.stop:
			// Write what is still queued, then leave.
			for {
				batch = r.drain(batch[:0])
				if len(batch) == 0 {
					return
				}
				r.flush(batch)
			}
		}
		batch = r.drain(batch)
		r.flush(batch)
		batch = batch[:0]
	}
}

// drain appends waiting operations to batch without blocking.
func (r *Redis) drain(batch []writeOp) []writeOp {
	for len(batch) < maxWriteBatch {
		select {
		case op := <-r.queue:
			batch = append(batch, op)
		default:
			return batch
		}
	}
	return batch
}

// flush writes batch in one pipeline. A bypassed or failed batch is
// dropped: the cache is an accelerator, and a lease left behind expires.
func (r *Redis) flush(batch []writeOp) {
	rc, err := r.enter(opSet)
	if err != nil {
		r.metrics.dropped.Add(float64(len(batch)))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		r.queueWrites(ctx, p, batch)
		return nil
	})
	r.exit(context.Background(), opSet, rc, err)
	if err != nil {
		r.metrics.dropped.Add(float64(len(batch)))
	}
}

// queueWrites adds batch to pipeline p. On a single node all publishes go
// in one script call and all releases in another, so a batch of results
// costs Redis two script runs rather than one per result; on a Cluster a
// script's keys must share a slot, so each publish and release is its own
// call. Scripts are sent with EVAL, not EVALSHA: a restarted Redis has lost
// its script cache, and a pipeline cannot fall back.
func (r *Redis) queueWrites(ctx context.Context, p redis.Pipeliner, batch []writeOp) {
	ttl := r.ttl.Milliseconds()
	var pubKeys, relKeys []string
	var pubArgs, relArgs []any
	for _, op := range batch {
		switch op.kind {
		case writeSet:
			p.Set(ctx, r.valueKey(op.key), op.value, r.ttl)
		case writePublish:
			if r.cluster {
				publishScript.Eval(ctx, p, []string{r.valueKey(op.key), r.leaseKey(op.key)}, op.value, ttl, op.token)
				continue
			}
			if pubArgs == nil {
				pubArgs = append(pubArgs, ttl)
			}
			pubKeys = append(pubKeys, r.valueKey(op.key), r.leaseKey(op.key))
			pubArgs = append(pubArgs, op.value, op.token)
		case writeRelease:
			if r.cluster {
				releaseScript.Eval(ctx, p, []string{r.leaseKey(op.key)}, op.token)
				continue
			}
			relKeys = append(relKeys, r.leaseKey(op.key))
			relArgs = append(relArgs, op.token)
		}
	}
	if len(pubKeys) > 0 {
		publishManyScript.Eval(ctx, p, pubKeys, pubArgs...)
	}
	if len(relKeys) > 0 {
		releaseManyScript.Eval(ctx, p, relKeys, relArgs...)
	}
}

// healthLoop pings Redis now and then, so that Status notices a dead Redis
// without traffic, and an open breaker closes again when Redis returns
// even if no request probes it.
func (r *Redis) healthLoop() {
	defer r.stopped.Done()
	t := time.NewTicker(r.healthEvery)
	defer t.Stop()
	for {
		r.ping()
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
	}
}

func (r *Redis) ping() {
	rc, err := r.enter(opPing)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	if cc, ok := r.client.(*redis.ClusterClient); ok {
		// A Cluster is healthy when every master answers.
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return c.Ping(ctx).Err()
		})
	} else {
		err = r.client.Ping(ctx).Err()
	}
	r.exit(context.Background(), opPing, rc, err)
}

// Status reports the tier's state for /readyz: "ok" when Redis answers,
// "degraded" when it fails or is bypassed by the breaker (scoring goes on
// from memory), "down" after Close. detail says why in a few words.
func (r *Redis) Status() (state string, detail string) {
	if r.closed.Load() {
		return "down", "closed"
	}
	st, failures, lastErr := r.breaker.snapshot()
	switch {
	case st == breakerOpen:
		return "degraded", fmt.Sprintf("bypassed by the circuit breaker after %d consecutive errors, retrying every %s: %v",
			failures, r.breaker.cooldown, lastErr)
	case st == breakerHalfOpen:
		return "degraded", fmt.Sprintf("probing after errors: %v", lastErr)
	case failures > 0:
		return "degraded", fmt.Sprintf("%d consecutive errors: %v", failures, lastErr)
	}
	return "ok", ""
}

// Client returns the underlying go-redis client, for diagnostics and tests.
func (r *Redis) Client() redis.UniversalClient { return r.client }

// Close writes what is still queued (each pipeline bounded by the
// timeout), stops the background work and closes the connections. The
// tier answers ErrClosed afterwards.
func (r *Redis) Close() error {
	var err error
	r.closing.Do(func() {
		close(r.stop)
		r.stopped.Wait()
		r.closed.Store(true)
		err = r.client.Close()
	})
	return err
}

func (r *Redis) breakerChanged(from, to breakerState, lastErr error) {
	r.metrics.breaker.Set(float64(to))
	switch {
	case to == breakerOpen && from == breakerClosed:
		r.log.Warn("redis cache bypassed: circuit breaker open", "err", lastErr, "cooldown", r.breaker.cooldown)
	case to == breakerOpen:
		// A failed probe: once per cool-down for as long as Redis is
		// down, so not at warn level.
		r.log.Debug("redis cache still failing: circuit breaker open again", "err", lastErr)
	case to == breakerClosed:
		r.log.Info("redis cache back: circuit breaker closed", "from", from.String())
	}
}

// limitedLog logs at most one error line per interval and reports how many
// it suppressed since, so a dead Redis cannot flood the logs.
type limitedLog struct {
	log   *slog.Logger
	every time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func (l *limitedLog) record(op string, err error) {
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < l.every {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	l.mu.Unlock()
	l.log.Warn("redis cache error", "op", op, "err", err, "suppressed_since_last", n)
}

// GoRedisLogger adapts l to go-redis's logger, at warn level and at most
// one line per interval with a count of the lines suppressed in between: a
// dead Redis makes go-redis log every failed dial. go-redis's logger is
// process-wide, so main installs it once with redis.SetLogger; NewRedis
// does not touch global state.
func GoRedisLogger(l *slog.Logger, every time.Duration) interface {
	Printf(ctx context.Context, format string, v ...any)
} {
	return &goRedisLogger{limit: &limitedLog{log: l, every: every}}
}

type goRedisLogger struct{ limit *limitedLog }

// Printf implements go-redis's Logging interface.
func (g *goRedisLogger) Printf(_ context.Context, format string, v ...any) {
	g.limit.record("client", fmt.Errorf(format, v...))
}

// redisOp names a kind of Redis call in metrics and logs.
type redisOp int

const (
	opGet   redisOp = iota // batch look-up
	opSet                  // write-behind pipeline
	opLease                // lease acquire, poll or renewal
	opPing                 // health check
	numOps
)

func (o redisOp) String() string {
	switch o {
	case opGet:
		return "get"
	case opSet:
		return "set"
	case opLease:
		return "lease"
	default:
		return "ping"
	}
}

// opCounters are one operation's counters, resolved once so that a call
// does not look its labels up.
type opCounters struct {
	calls, errors, bypassed prometheus.Counter
	seconds                 prometheus.Observer
}

// redisMetrics are the tier's Prometheus metrics.
type redisMetrics struct {
	op         [numOps]opCounters
	calls      *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	bypassed   *prometheus.CounterVec
	dropped    prometheus.Counter
	breaker    prometheus.Gauge
	leases     prometheus.Counter
	joins      prometheus.Counter
	takeovers  prometheus.Counter
	queueDepth prometheus.GaugeFunc
}

func newRedisMetrics(queueLen func() float64) *redisMetrics {
	const ns = "referee_cache_redis_"
	return &redisMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "calls_total",
			Help: "Calls sent to Redis by operation (get, set, lease, ping); a batch is one call and one round trip per node.",
		}, []string{"op"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: ns + "call_duration_seconds",
			Help: "Time of Redis calls by operation, from the breaker letting them through to their answer or failure; a look-up's includes waiting for a connection.",
			// Loopback round trips take tens of microseconds; the
			// upper buckets are a remote or struggling Redis, up to
			// the tier's timeouts.
			Buckets: []float64{.000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "errors_total",
			Help: "Redis calls that failed or timed out, by operation.",
		}, []string{"op"}),
		bypassed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ns + "bypassed_total",
			Help: "Calls not sent to Redis because the circuit breaker was open, by operation.",
		}, []string{"op"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: ns + "writes_dropped_total",
			Help: "Queued writes dropped because the buffer was full, Redis failed or the breaker was open.",
		}),
		breaker: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: ns + "breaker_state",
			Help: "Circuit breaker state: 0 closed (using Redis), 1 half-open (probing), 2 open (bypassing Redis).",
		}),
		leases: prometheus.NewCounter(prometheus.CounterOpts{
			Name: ns + "leases_total",
			Help: "Computation leases this replica took.",
		}),
		joins: prometheus.NewCounter(prometheus.CounterOpts{
			Name: ns + "joins_total",
			Help: "Computations skipped because another replica produced the result.",
		}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: ns + "takeovers_total",
			Help: "Leases taken over after the other holder's lease expired or was released without a result.",
		}),
		queueDepth: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: ns + "write_queue_length",
			Help: "Writes waiting in the write-behind buffer.",
		}, queueLen),
	}
}

// resolve fills m.op from the labelled vectors.
func (m *redisMetrics) resolve() *redisMetrics {
	for o := range numOps {
		name := o.String()
		m.op[o] = opCounters{
			calls:    m.calls.WithLabelValues(name),
			seconds:  m.duration.WithLabelValues(name),
			errors:   m.errors.WithLabelValues(name),
			bypassed: m.bypassed.WithLabelValues(name),
		}
	}
	return m
}

func (m *redisMetrics) register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.calls, m.duration, m.errors, m.bypassed, m.dropped, m.breaker, m.leases, m.joins, m.takeovers, m.queueDepth} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
