package cache

import (
	"context"
	"time"

	"github.com/coocood/freecache"
)

// Entry is one value to store.
type Entry struct {
	Key   Key
	Value []byte
}

// Store is a tier of the cache. The memory tier implements it, and so does
// the Redis tier. Get returns one value per key, nil for a miss; a batch is
// one call (one round trip for a remote tier).
type Store interface {
	Get(ctx context.Context, keys []Key) ([][]byte, error)
	Set(ctx context.Context, entries []Entry) error
}

// Memory is the in-process tier: a cache bounded in bytes whose entries
// expire after a TTL. It is safe for concurrent use.
//
// It is freecache: entries live in ring buffers of bytes indexed by
// pointer-free slots, so a full cache of hundreds of thousands of results
// gives the garbage collector nothing to scan and evicting is overwriting
// the oldest bytes. A cache of pointers (a map or linked LRU of slices) made
// every collection walk every entry: that, and keeping its eviction order,
// was a fifth of the CPU of a batch of cheap rollouts.
type Memory struct {
	c   *freecache.Cache
	ttl int // seconds, at least 1
}

// EntryBytes is the room the memory tier budgets per entry: a typical
// result with its key and freecache's header takes 100 to 300 bytes.
const EntryBytes = 256

// NewMemory returns a memory tier with room for about entries typical
// results (EntryBytes each; at least 512 KiB in all), each kept for ttl
// (rounded up to whole seconds). An entry larger than 1/1024 of the tier is
// not kept in memory; the remote tier, when there is one, still holds it.
// With entries 0 the tier holds nothing: every look-up goes to the remote
// tier, as on a replica that has just started.
func NewMemory(entries int, ttl time.Duration) *Memory {
	secs := int((ttl + time.Second - 1) / time.Second)
	m := &Memory{ttl: max(secs, 1)}
	if entries > 0 {
		m.c = freecache.NewCache(entries * EntryBytes)
	}
	return m
}

// Get implements Store. It never fails. Values are copies.
func (m *Memory) Get(_ context.Context, keys []Key) ([][]byte, error) {
	out := make([][]byte, len(keys))
	if m.c == nil {
		return out, nil
	}
	for i := range keys {
		if v, err := m.c.Get(keys[i][:]); err == nil {
			out[i] = v
		}
	}
	return out, nil
}

// Set implements Store. It never fails: an entry too large for the tier is
// skipped.
func (m *Memory) Set(_ context.Context, entries []Entry) error {
	if m.c == nil {
		return nil
	}
	for i := range entries {
		_ = m.c.Set(entries[i].Key[:], entries[i].Value, m.ttl)
	}
	return nil
}

// Len returns the number of entries held.
func (m *Memory) Len() int {
	if m.c == nil {
		return 0
	}
	return int(m.c.EntryCount())
}

var _ Store = (*Memory)(nil)
