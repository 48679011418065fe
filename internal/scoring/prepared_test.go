package scoring

import (
	"testing"

	"github.com/referee/referee/cache"
)

// The prepared tasks are bounded by count and by estimated bytes, least
// recently used out first; a task larger than the whole bound is not kept.
func TestPreparedLRUBounds(t *testing.T) {
	t.Parallel()
	k := func(b byte) cache.Key { return cache.Key{b} }
	l := newPreparedLRU(3, 10_000)
	for i := byte(1); i <= 3; i++ {
		l.Add(k(i), preparedTask{}, 1000)
	}
	if _, ok := l.Get(k(1)); !ok { // 1 is now the most recent
		t.Fatal("entry 1 missing")
	}
	l.Add(k(4), preparedTask{}, 1000) // over the count: 2 goes
	if _, ok := l.Get(k(2)); ok || l.Len() != 3 {
		t.Fatalf("count bound: entry 2 kept (%d entries)", l.Len())
	}
	l.Add(k(5), preparedTask{}, 8500) // over the bytes: 3, then 1 go (least recent first)
	for _, gone := range []byte{3, 1} {
		if _, ok := l.Get(k(gone)); ok {
			t.Errorf("byte bound: entry %d kept", gone)
		}
	}
	for _, kept := range []byte{4, 5} {
		if _, ok := l.Get(k(kept)); !ok {
			t.Errorf("entry %d evicted", kept)
		}
	}
	l.Add(k(6), preparedTask{}, 20_000) // larger than the bound: not kept, nothing evicted
	if _, ok := l.Get(k(6)); ok || l.Len() != 2 {
		t.Fatalf("oversized task kept, or others evicted (%d entries)", l.Len())
	}
	if l.bytes != 9500 {
		t.Fatalf("accounted %d bytes, want 9500", l.bytes)
	}
}
