package cache

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Tier names where a value was found, as metrics and results report it.
type Tier string

// Tiers.
const (
	TierNone   Tier = ""
	TierMemory Tier = "memory"
	TierRemote Tier = "remote"
)

// Stats receives cache events; the server wires it to Prometheus. Any
// method may be called concurrently.
type Stats interface {
	Hit(t Tier)
	Miss(t Tier)
	Join()
}

type noStats struct{}

func (noStats) Hit(Tier)  {}
func (noStats) Miss(Tier) {}
func (noStats) Join()     {}

// Config configures a Cache.
type Config struct {
	// Entries and TTL size the memory tier.
	Entries int
	TTL     time.Duration
	// Remote is an optional shared tier behind memory (Redis).
	Remote Store
	// Stats receives hit, miss and join events (optional).
	Stats Stats
}

// reserveTTL bounds how long a lease taken by Lookup waits for its Do
// before it is released for other replicas: long enough for the last job
// of a large batch to start, short enough that a caller breaking the
// Lookup-then-Do contract delays others only briefly.
const reserveTTL = 10 * time.Second

// Cache is the tiered result cache with in-flight de-duplication.
type Cache struct {
	mem    *Memory
	remote Store
	stats  Stats

	flightMu sync.Mutex
	flight   map[Key]*call // computations in progress in this process

	reserveTTL time.Duration
	resMu      sync.Mutex
	reserved   map[Key]*reservation // leases taken by Lookup, waiting for Do
}

// reservation is a lease that Lookup took for a later Do.
type reservation struct {
	done  func(value []byte)
	timer *time.Timer
}

// New returns a Cache for cfg.
func New(cfg Config) *Cache {
	if cfg.Stats == nil {
		cfg.Stats = noStats{}
	}
	return &Cache{
		mem:        NewMemory(cfg.Entries, cfg.TTL),
		remote:     cfg.Remote,
		stats:      cfg.Stats,
		reserveTTL: reserveTTL,
		reserved:   map[Key]*reservation{},
		flight:     map[Key]*call{},
	}
}

// Memory returns the memory tier.
func (c *Cache) Memory() *Memory { return c.mem }

// Get looks keys up, memory first and then the remote tier in one call for
// every memory miss. Remote hits are copied into memory. A remote failure
// is treated as a miss: the cache accelerates, it never fails a request.
func (c *Cache) Get(ctx context.Context, keys []Key) ([][]byte, []Tier) {
	vals, _ := c.mem.Get(ctx, keys)
	tiers := make([]Tier, len(keys))
	var missIdx []int
	for i, v := range vals {
		if v != nil {
			tiers[i] = TierMemory
			c.stats.Hit(TierMemory)
		} else {
			c.stats.Miss(TierMemory)
			missIdx = append(missIdx, i)
		}
	}
	if c.remote == nil || len(missIdx) == 0 {
		return vals, tiers
	}
	missKeys := make([]Key, len(missIdx))
	for j, i := range missIdx {
		missKeys[j] = keys[i]
	}
	rv, err := c.remote.Get(ctx, missKeys)
	if err != nil || len(rv) != len(missKeys) {
		for range missIdx {
			c.stats.Miss(TierRemote)
		}
		return vals, tiers
	}
	var fill []Entry
	for j, i := range missIdx {
		if rv[j] == nil {
			c.stats.Miss(TierRemote)
			continue
		}
		c.stats.Hit(TierRemote)
		vals[i], tiers[i] = rv[j], TierRemote
		fill = append(fill, Entry{Key: keys[i], Value: rv[j]})
	}
	if len(fill) > 0 {
		_ = c.mem.Set(ctx, fill)
	}
	return vals, tiers
}

// Lookup is Get for callers that go on to compute every miss with Do, as
// the scoring flow does. When the remote tier is a BatchLeaser, Lookup
// also tries the leases of all the keys that missed every tier in one more
// round trip; Do then computes a key whose lease Lookup took without
// asking Redis again. A batch of unseen items so costs two round trips
// instead of one per item. Keys that another replica finished in between
// are returned as remote hits. A lease that no Do claims within ten
// seconds is released.
func (c *Cache) Lookup(ctx context.Context, keys []Key) ([][]byte, []Tier) {
	vals, tiers := c.Get(ctx, keys)
	bl, ok := c.remote.(BatchLeaser)
	if !ok {
		return vals, tiers
	}
	var (
		miss []Key
		idx  = map[Key][]int{}
	)
	for i, v := range vals {
		if v != nil {
			continue
		}
		if _, seen := idx[keys[i]]; !seen {
			miss = append(miss, keys[i])
		}
		idx[keys[i]] = append(idx[keys[i]], i)
	}
	// A single miss gains nothing: Do's own lease costs the same round trip.
	if len(miss) < 2 {
		return vals, tiers
	}
	values, dones, err := bl.LeaseBatch(ctx, miss)
	if err != nil || len(values) != len(miss) || len(dones) != len(miss) {
		return vals, tiers
	}
	var fill []Entry
	for j, k := range miss {
		switch {
		case values[j] != nil:
			for _, i := range idx[k] {
				vals[i], tiers[i] = values[j], TierRemote
			}
			fill = append(fill, Entry{Key: k, Value: values[j]})
			// Another replica computed it since Get: a cross-replica join.
			c.stats.Join()
		case dones[j] != nil:
			c.reserve(k, dones[j])
		}
	}
	if len(fill) > 0 {
		_ = c.mem.Set(ctx, fill)
	}
	return vals, tiers
}

// reserve keeps a lease taken by Lookup for the Do of k, and releases it if
// no Do claims it in time.
func (c *Cache) reserve(k Key, done func([]byte)) {
	r := &reservation{done: done}
	c.resMu.Lock()
	defer c.resMu.Unlock()
	if old := c.reserved[k]; old != nil {
		// Cannot happen while leases are exclusive; keep the older one.
		done(nil)
		return
	}
	c.reserved[k] = r
	r.timer = time.AfterFunc(c.reserveTTL, func() {
		if c.claim(k, r) != nil {
			done(nil)
		}
	})
}

// claim removes and returns the reservation of k (only if it is want,
// when want is not nil), or nil.
func (c *Cache) claim(k Key, want *reservation) func([]byte) {
	c.resMu.Lock()
	defer c.resMu.Unlock()
	r := c.reserved[k]
	if r == nil || (want != nil && r != want) {
		return nil
	}
	delete(c.reserved, k)
	if want == nil && r.timer != nil {
		r.timer.Stop()
	}
	return r.done
}

// Set stores entries in every tier. Remote failures are ignored here; the
// remote tier counts and logs them itself.
func (c *Cache) Set(ctx context.Context, entries []Entry) {
	if len(entries) == 0 {
		return
	}
	_ = c.mem.Set(ctx, entries)
	if c.remote != nil {
		_ = c.remote.Set(ctx, entries)
	}
}

// Compute is the work behind a key. It returns the encoded value and
// whether it may be cached (errors and deadline failures may not).
type Compute func() (value []byte, cacheable bool, err error)

// Do runs fn at most once at a time per key in this process: concurrent
// callers with the same key wait and share its outcome (joined reports
// that this caller did not compute). A cacheable value is stored in every
// tier before the waiters are released.
//
// When the remote tier is a Leaser, Do also de-duplicates across
// processes: it takes the key's lease and computes, or waits for the
// process holding it and returns its value (joined). Any failure of the
// remote tier only means computing locally; it never fails Do.
//
// Waiters are released however fn ends; if it panics, the panic goes on
// in the caller that ran fn and the waiters get ErrComputePanicked.
func (c *Cache) Do(ctx context.Context, key Key, fn Compute) (value []byte, joined bool, err error) {
	// The table is keyed by the array itself and holds one small struct
	// per computation: this runs for every unique item of every batch,
	// where singleflight's string keys and boxed results were measurable.
	c.flightMu.Lock()
	if cl, ok := c.flight[key]; ok {
		c.flightMu.Unlock()
		cl.wg.Wait()
		c.stats.Join()
		return cl.o.value, true, cl.err
	}
	cl := &call{err: ErrComputePanicked}
	cl.wg.Add(1)
	c.flight[key] = cl
	c.flightMu.Unlock()
	defer func() {
		c.flightMu.Lock()
		delete(c.flight, key)
		c.flightMu.Unlock()
		cl.wg.Done()
	}()
	o, err := c.compute(ctx, key, fn)
	cl.o, cl.err = o, err
	if o.remote {
		c.stats.Join()
	}
	return o.value, o.remote, err
}

// ErrComputePanicked is what callers waiting in Do get when the
// computation they joined panicked.
var ErrComputePanicked = errors.New("cache: the shared computation panicked")

// call is one computation in progress in Do.
type call struct {
	wg  sync.WaitGroup
	o   outcome
	err error
}

// outcome is what one computation in Do produced.
type outcome struct {
	value     []byte
	cacheable bool
	remote    bool // another process computed it
}

// compute runs fn for Do, under the remote tier's lease when it has one.
func (c *Cache) compute(ctx context.Context, key Key, fn Compute) (outcome, error) {
	leaser, ok := c.remote.(Leaser)
	if !ok {
		val, cacheable, err := fn()
		if err == nil && cacheable {
			c.Set(ctx, []Entry{{Key: key, Value: val}})
		}
		return outcome{value: val, cacheable: cacheable}, err
	}
	// A lease that Lookup took for this key saves asking Redis again.
	var (
		val  []byte
		done = c.claim(key, nil)
		lerr error
	)
	if done == nil {
		val, done, lerr = leaser.Lease(ctx, key)
	}
	if lerr == nil && done == nil && val != nil {
		_ = c.mem.Set(ctx, []Entry{{Key: key, Value: val}})
		return outcome{value: val, cacheable: true, remote: true}, nil
	}
	if lerr != nil || done == nil {
		// The remote tier cannot arbitrate: compute here, store as usual.
		val, cacheable, err := fn()
		if err == nil && cacheable {
			c.Set(ctx, []Entry{{Key: key, Value: val}})
		}
		return outcome{value: val, cacheable: cacheable}, err
	}
	// We hold the lease. Release it however fn ends, even by panic, so
	// that other processes do not wait for a lease nobody renews.
	var published []byte
	defer func() { done(published) }()
	val, cacheable, err := fn()
	if err == nil && cacheable {
		_ = c.mem.Set(ctx, []Entry{{Key: key, Value: val}})
		published = val
	}
	return outcome{value: val, cacheable: cacheable}, err
}
