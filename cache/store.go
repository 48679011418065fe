package cache

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"
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

// Memory is the in-process tier: a size-bounded cache whose entries expire
// after a TTL. It is safe for concurrent use. It is otter (S3-FIFO
// eviction, lock-free reads), which holds an entry in about half the memory
// of a doubly linked LRU with expiry buckets: the default 200,000 entries
// fit the resident-memory floor with room to spare.
type Memory struct {
	c *otter.Cache[Key, []byte]
}

// NewMemory returns a memory tier of at most entries items, each kept for ttl.
func NewMemory(entries int, ttl time.Duration) *Memory {
	if entries < 1 {
		entries = 1
	}
	return &Memory{c: otter.Must(&otter.Options[Key, []byte]{
		MaximumSize:      entries,
		ExpiryCalculator: otter.ExpiryWriting[Key, []byte](ttl),
	})}
}

// Get implements Store. It never fails.
func (m *Memory) Get(_ context.Context, keys []Key) ([][]byte, error) {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if v, ok := m.c.GetIfPresent(k); ok {
			out[i] = v
		}
	}
	return out, nil
}

// Set implements Store. It never fails.
func (m *Memory) Set(_ context.Context, entries []Entry) error {
	for _, e := range entries {
		m.c.Set(e.Key, e.Value)
	}
	return nil
}

// Len returns the number of entries held (an estimate while evictions are
// pending).
func (m *Memory) Len() int { return m.c.EstimatedSize() }

var _ Store = (*Memory)(nil)
