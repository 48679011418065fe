package cache

import (
	"context"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
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

// Memory is the in-process tier: a size-bounded LRU whose entries expire
// after a TTL. It is safe for concurrent use.
type Memory struct {
	lru *expirable.LRU[Key, []byte]
}

// NewMemory returns a memory tier of at most entries items, each kept for ttl.
func NewMemory(entries int, ttl time.Duration) *Memory {
	if entries < 1 {
		entries = 1
	}
	return &Memory{lru: expirable.NewLRU[Key, []byte](entries, nil, ttl)}
}

// Get implements Store. It never fails.
func (m *Memory) Get(_ context.Context, keys []Key) ([][]byte, error) {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if v, ok := m.lru.Get(k); ok {
			out[i] = v
		}
	}
	return out, nil
}

// Set implements Store. It never fails.
func (m *Memory) Set(_ context.Context, entries []Entry) error {
	for _, e := range entries {
		m.lru.Add(e.Key, e.Value)
	}
	return nil
}

// Len returns the number of entries held.
func (m *Memory) Len() int { return m.lru.Len() }

var _ Store = (*Memory)(nil)
