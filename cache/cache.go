package cache

import (
	"context"
	"time"

	"golang.org/x/sync/singleflight"
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

// Cache is the tiered result cache with in-flight de-duplication.
type Cache struct {
	mem    *Memory
	remote Store
	stats  Stats
	flight singleflight.Group
}

// New returns a Cache for cfg.
func New(cfg Config) *Cache {
	if cfg.Stats == nil {
		cfg.Stats = noStats{}
	}
	return &Cache{mem: NewMemory(cfg.Entries, cfg.TTL), remote: cfg.Remote, stats: cfg.Stats}
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
func (c *Cache) Do(ctx context.Context, key Key, fn Compute) (value []byte, joined bool, err error) {
	executed := false
	v, err, _ := c.flight.Do(string(key[:]), func() (any, error) {
		executed = true
		return c.compute(ctx, key, fn)
	})
	o, _ := v.(outcome)
	joined = !executed || o.remote
	if joined {
		c.stats.Join()
	}
	return o.value, joined, err
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
	val, done, lerr := leaser.Lease(ctx, key)
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
