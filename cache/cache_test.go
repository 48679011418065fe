package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type countStats struct {
	mu           sync.Mutex
	hits, misses map[Tier]int
	joins        int
}

func newCountStats() *countStats {
	return &countStats{hits: map[Tier]int{}, misses: map[Tier]int{}}
}
func (s *countStats) Hit(t Tier)  { s.mu.Lock(); s.hits[t]++; s.mu.Unlock() }
func (s *countStats) Miss(t Tier) { s.mu.Lock(); s.misses[t]++; s.mu.Unlock() }
func (s *countStats) Join()       { s.mu.Lock(); s.joins++; s.mu.Unlock() }

func key(b byte) Key { return Key{b} }

func TestMemoryTTLAndBound(t *testing.T) {
	t.Parallel()
	m := NewMemory(100, 100*time.Millisecond)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		_ = m.Set(ctx, []Entry{{Key{byte(i), byte(i >> 8)}, []byte("v")}})
	}
	m.c.CleanUp()
	if n := m.Len(); n > 100 {
		t.Fatalf("%d entries held, bound is 100", n)
	}
	_ = m.Set(ctx, []Entry{{key(1), []byte("a")}})
	if got, _ := m.Get(ctx, []Key{key(1)}); string(got[0]) != "a" {
		t.Fatalf("fresh entry missing: %q", got)
	}
	time.Sleep(250 * time.Millisecond)
	if got, _ := m.Get(ctx, []Key{key(1)}); got[0] != nil {
		t.Fatalf("entry survived its TTL: %q", got)
	}
}

// fakeRemote is a Store that records calls and can fail.
type fakeRemote struct {
	mu   sync.Mutex
	data map[Key][]byte
	gets int
	fail bool
}

func (f *fakeRemote) Get(_ context.Context, keys []Key) ([][]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.fail {
		return nil, errors.New("remote down")
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = f.data[k]
	}
	return out, nil
}

func (f *fakeRemote) Set(_ context.Context, es []Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("remote down")
	}
	for _, e := range es {
		f.data[e.Key] = e.Value
	}
	return nil
}

func TestTieredGet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	remote := &fakeRemote{data: map[Key][]byte{key(2): []byte("r2")}}
	stats := newCountStats()
	c := New(Config{Entries: 10, TTL: time.Minute, Remote: remote, Stats: stats})
	c.Set(ctx, []Entry{{key(1), []byte("m1")}})

	vals, tiers := c.Get(ctx, []Key{key(1), key(2), key(3)})
	if string(vals[0]) != "m1" || tiers[0] != TierMemory {
		t.Errorf("key 1: %q from %q, want m1 from memory", vals[0], tiers[0])
	}
	if string(vals[1]) != "r2" || tiers[1] != TierRemote {
		t.Errorf("key 2: %q from %q, want r2 from remote", vals[1], tiers[1])
	}
	if vals[2] != nil || tiers[2] != TierNone {
		t.Errorf("key 3: %q from %q, want a miss", vals[2], tiers[2])
	}
	if remote.gets != 1 {
		t.Errorf("remote Get called %d times for one batch, want 1", remote.gets)
	}
	// The remote hit was copied into memory.
	_, tiers = c.Get(ctx, []Key{key(2)})
	if tiers[0] != TierMemory {
		t.Errorf("remote hit not promoted to memory: %q", tiers[0])
	}
	if stats.hits[TierMemory] != 2 || stats.hits[TierRemote] != 1 || stats.misses[TierRemote] != 1 {
		t.Errorf("stats hits %v misses %v", stats.hits, stats.misses)
	}

	remote.fail = true
	vals, tiers = c.Get(ctx, []Key{key(9)})
	if vals[0] != nil || tiers[0] != TierNone {
		t.Errorf("a failing remote must read as a miss, got %q %q", vals[0], tiers[0])
	}
}

func TestDoComputesOnceAndSkipsUncacheable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stats := newCountStats()
	c := New(Config{Entries: 10, TTL: time.Minute, Stats: stats})
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	const n = 8
	joined := make([]bool, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v, j, err := c.Do(ctx, key(1), func() ([]byte, bool, error) {
				calls.Add(1)
				<-release
				return []byte("v"), true, nil
			})
			if err != nil || string(v) != "v" {
				t.Errorf("Do = %q, %v", v, err)
			}
			joined[i] = j
		}(i)
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("compute ran %d times, want 1", calls.Load())
	}
	nj := 0
	for _, j := range joined {
		if j {
			nj++
		}
	}
	if nj != n-1 || stats.joins != n-1 {
		t.Errorf("joined %d (stats %d), want %d", nj, stats.joins, n-1)
	}
	if vals, _ := c.Get(ctx, []Key{key(1)}); string(vals[0]) != "v" {
		t.Errorf("cacheable result not stored")
	}

	_, _, _ = c.Do(ctx, key(2), func() ([]byte, bool, error) { return []byte("x"), false, nil })
	_, _, err := c.Do(ctx, key(3), func() ([]byte, bool, error) { return nil, true, errors.New("boom") })
	if err == nil {
		t.Fatal("error not returned")
	}
	if vals, _ := c.Get(ctx, []Key{key(2), key(3)}); vals[0] != nil || vals[1] != nil {
		t.Errorf("uncacheable or failed results were stored: %q", vals)
	}
}
