package tests

import (
	"context"
	"testing"
	"time"

	"github.com/referee/referee/cache/redistest"
)

// TestRedisClusterAcrossSlots runs referee against a Redis Cluster of three
// masters on loopback: results scored on one replica are stored across
// slots and nodes, and a fresh replica finds every one of them in one
// batch without computing anything.
func TestRedisClusterAcrossSlots(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t, 3)
	a := startRedisReferee(t, cl.URL(), nil)
	items := redisUnique(t, 200)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if res, err := redisBatch(ctx, a, items); err != nil || res.Stats.Computed != len(items) {
		t.Fatalf("first batch: computed %d, %v", res.Stats.Computed, err)
	}
	for _, s := range cl.Nodes {
		// Each master gets a share of the 200 keys; none may stay empty.
		waitDBSize(t, s.Addr, 1)
	}

	b := startRedisReferee(t, cl.URL(), nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := redisBatch(ctx, b, items)
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.CacheHits == len(items) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fresh replica found %d of %d results on the Cluster", res.Stats.CacheHits, len(items))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := redisExecutions(t, b); n != 0 {
		t.Errorf("fresh replica executed %v verifiers, want 0", n)
	}
}
