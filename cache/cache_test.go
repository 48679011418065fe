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
	ctx := context.Background()
	// 2048 entries of EntryBytes: 512 KiB, the smallest tier.
	m := NewMemory(2048, time.Second)
	val := make([]byte, 200)
	for i := 0; i < 20000; i++ {
		_ = m.Set(ctx, []Entry{{Key{byte(i), byte(i >> 8)}, val}})
	}
	if n := m.Len(); n == 0 || n > 2048*EntryBytes/len(val) {
		t.Fatalf("%d entries of %d bytes held in %d bytes", n, len(val), 2048*EntryBytes)
	}
	// The oldest entries made room for the newest.
	got, _ := m.Get(ctx, []Key{{0, 0}, {byte(19999 & 0xff), byte(19999 >> 8)}})
	if got[0] != nil || len(got[1]) != len(val) {
		t.Fatalf("after overfilling: oldest %d bytes, newest %d bytes; want evicted and kept", len(got[0]), len(got[1]))
	}
	// Values are copies: changing one does not change the cache.
	got[1][0] = 'x'
	if again, _ := m.Get(ctx, []Key{{byte(19999 & 0xff), byte(19999 >> 8)}}); again[0][0] != 0 {
		t.Fatal("a value returned by Get aliases the cache")
	}
	// An entry over 1/1024 of the tier is not kept, and nothing breaks.
	if err := m.Set(ctx, []Entry{{key(9), make([]byte, 4096)}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Get(ctx, []Key{key(9)}); got[0] != nil {
		t.Fatal("an entry larger than the tier allows was kept")
	}

	_ = m.Set(ctx, []Entry{{key(1), []byte("a")}})
	if got, _ := m.Get(ctx, []Key{key(1)}); string(got[0]) != "a" {
		t.Fatalf("fresh entry missing: %q", got)
	}
	time.Sleep(2100 * time.Millisecond)
	if got, _ := m.Get(ctx, []Key{key(1)}); got[0] != nil {
		t.Fatalf("entry survived its TTL: %q", got)
	}
}

// A tier of no entries keeps nothing, so that every look-up goes on to the
// remote tier.
func TestMemoryOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemory(0, time.Minute)
	_ = m.Set(ctx, []Entry{{key(1), []byte("a")}})
	if got, _ := m.Get(ctx, []Key{key(1)}); got[0] != nil || m.Len() != 0 {
		t.Fatalf("a tier of 0 entries returned %q and holds %d", got[0], m.Len())
	}
}

// A TTL under a second is kept for a second, not forever.
func TestMemorySubSecondTTL(t *testing.T) {
	t.Parallel()
	if m := NewMemory(10, 100*time.Millisecond); m.ttl != 1 {
		t.Fatalf("ttl %ds, want 1", m.ttl)
	}
	if m := NewMemory(10, time.Hour); m.ttl != 3600 {
		t.Fatalf("ttl %ds, want 3600", m.ttl)
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

// A computation that panics must not strand the callers that joined it, and
// the key must be computable again afterwards.
func TestDoPanicReleasesWaiters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := New(Config{Entries: 10, TTL: time.Minute})
	started, release := make(chan struct{}), make(chan struct{})
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_, _, _ = c.Do(ctx, key(7), func() ([]byte, bool, error) {
			close(started)
			<-release
			panic("verifier bug")
		})
	}()
	<-started
	waiter := make(chan error, 1)
	go func() {
		_, joined, err := c.Do(ctx, key(7), func() ([]byte, bool, error) { return []byte("late"), true, nil })
		if !joined {
			err = errors.New("waiter computed instead of joining")
		}
		waiter <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the waiter join
	close(release)
	if r := <-panicked; r != "verifier bug" {
		t.Fatalf("the computing caller recovered %v, want the verifier's panic", r)
	}
	select {
	case err := <-waiter:
		if !errors.Is(err, ErrComputePanicked) {
			t.Fatalf("waiter got %v, want ErrComputePanicked", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter stranded after the computation panicked")
	}
	v, joined, err := c.Do(ctx, key(7), func() ([]byte, bool, error) { return []byte("again"), true, nil })
	if err != nil || joined || string(v) != "again" {
		t.Fatalf("after the panic Do = %q, joined %v, %v; want a fresh computation", v, joined, err)
	}
}
