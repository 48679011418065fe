package cache

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Leaser is an optional capability of a remote Store: de-duplicating work
// across processes that share the tier. Cache.Do uses it when the remote
// tier implements it.
type Leaser interface {
	// Lease arbitrates who computes key. It returns either the value that
	// another process stored (value != nil), or a lease that this process
	// now holds (done != nil): the caller computes, then calls done exactly
	// once with the value to store, or nil when the result may not be
	// cached (the lease is then released for others to take). While
	// another process holds the lease, Lease waits for its result, and
	// takes the lease over if the holder dies. An error means the tier
	// cannot arbitrate now; the caller computes on its own.
	Lease(ctx context.Context, key Key) (value []byte, done func(value []byte), err error)
}

// BatchLeaser is an optional capability of a Leaser: trying the leases of a
// whole batch in one round trip, so that a batch of unseen items costs one
// more round trip rather than one per item. Cache.Lookup uses it.
type BatchLeaser interface {
	Leaser
	// LeaseBatch tries to take the lease of every key without waiting. For
	// each key it returns the value when another process has stored it
	// (values[i] != nil), or a lease this process now holds (dones[i] !=
	// nil, to be ended exactly like Lease's done), or neither when another
	// process holds the lease (Lease then waits for it as usual).
	LeaseBatch(ctx context.Context, keys []Key) (values [][]byte, dones []func([]byte), err error)
}

// The lease scripts. A value key and its lease key share a hash tag, so
// each script touches one Cluster slot.
var (
	// acquireScript returns {1, value} when the value exists, {2} when it
	// took the lease (SET NX PX), {3} when another process holds it.
	acquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {3}`)
	// acquireManyScript is acquireScript over pairs of keys (value, lease)
	// on one node: for each pair, the value, or 2 when it took the lease,
	// or 3 when another process holds it.
	acquireManyScript = redis.NewScript(`
local out = {}
for i = 1, #KEYS, 2 do
  local v = redis.call('GET', KEYS[i])
  if v then
    out[#out + 1] = v
  elseif redis.call('SET', KEYS[i + 1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    out[#out + 1] = 2
  else
    out[#out + 1] = 3
  end
end
return out`)
	// publishScript stores the value with its TTL and then deletes the
	// lease if it is still ours, in one atomic step: a waiter never sees
	// the lease gone before the value is there.
	publishScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1`)
	// publishManyScript is publishScript over pairs of keys (value, lease)
	// on one node; ARGV is the TTL, then a value and a token per pair.
	publishManyScript = redis.NewScript(`
for i = 1, #KEYS / 2 do
  redis.call('SET', KEYS[2 * i - 1], ARGV[2 * i], 'PX', ARGV[1])
  if redis.call('GET', KEYS[2 * i]) == ARGV[2 * i + 1] then redis.call('DEL', KEYS[2 * i]) end
end
return 1`)
	// releaseManyScript is releaseScript over many leases on one node,
	// with one token per lease in ARGV.
	releaseManyScript = redis.NewScript(`
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i] then redis.call('DEL', KEYS[i]) end
end
return 1`)
	// releaseScript deletes the lease only if it is still ours
	// (compare-and-delete), so a holder that outlived its lease cannot
	// release a successor's.
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)
	// extendScript renews the lease only if it is still ours.
	extendScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)
)

// Polling back-off of a waiter: quick at first, since most computations
// take microseconds, then capped so a long one costs few round trips.
const (
	pollFirst = time.Millisecond
	pollMax   = 25 * time.Millisecond
)

// errLeaseWait says a waiter gave up on the holder and computes itself.
var errLeaseWait = errors.New("cache: waited too long for another replica's result")

// acquire results.
const (
	leaseFound = 1
	leaseTaken = 2
	leaseBusy  = 3
)

// Lease implements Leaser with SET NX PX on prefix{hex}:lease and a random
// token. Waiters poll (the same script: value, else take the lease, else
// wait) with back-off; a lease that expires because its holder died, or is
// released without a value, is taken over by the next poll. The holder
// renews the lease while it computes. Every call is bounded by the tier's
// timeout and breaker; an error or a wait longer than LeaseWait hands the
// computation back to the caller.
func (r *Redis) Lease(ctx context.Context, key Key) ([]byte, func([]byte), error) {
	token := rand.Text()
	keys := []string{r.valueKey(key), r.leaseKey(key)}
	deadline := time.Now().Add(r.leaseWait)
	wait := pollFirst
	waited := false
	for {
		status, value, err := r.acquire(ctx, keys, token)
		if err != nil {
			return nil, nil, err
		}
		switch status {
		case leaseFound:
			r.metrics.joins.Inc()
			return value, nil, nil
		case leaseTaken:
			r.metrics.leases.Inc()
			if waited {
				r.metrics.takeovers.Inc()
			}
			return nil, r.hold(key, token), nil
		}
		waited = true
		if time.Now().Add(wait).After(deadline) {
			return nil, nil, errLeaseWait
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, pollMax)
	}
}

// LeaseBatch implements BatchLeaser: one script over every key on a single
// node, or a pipeline of per-key scripts on a Cluster (a script's keys must
// share a slot), either way one round trip.
func (r *Redis) LeaseBatch(ctx context.Context, keys []Key) ([][]byte, []func([]byte), error) {
	values := make([][]byte, len(keys))
	dones := make([]func([]byte), len(keys))
	if len(keys) == 0 {
		return values, dones, nil
	}
	token := rand.Text()
	ttl := r.leaseTTL.Milliseconds()
	rc, err := r.enter(opLease)
	if err != nil {
		return nil, nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	replies := make([]any, len(keys))
	if r.cluster {
		cmds := make([]*redis.Cmd, len(keys))
		_, err = r.client.Pipelined(cctx, func(p redis.Pipeliner) error {
			for i, k := range keys {
				// EVAL, not EVALSHA: a pipeline cannot fall back on NOSCRIPT.
				cmds[i] = acquireScript.Eval(cctx, p, []string{r.valueKey(k), r.leaseKey(k)}, token, ttl)
			}
			return nil
		})
		for i, c := range cmds {
			if err != nil {
				break
			}
			var res []any
			if res, err = c.Slice(); err == nil && len(res) > 0 {
				if res[0] == int64(leaseFound) && len(res) > 1 {
					replies[i] = res[1]
				} else {
					replies[i] = res[0]
				}
			}
		}
	} else {
		names := make([]string, 0, 2*len(keys))
		for _, k := range keys {
			names = append(names, r.valueKey(k), r.leaseKey(k))
		}
		var res []any
		res, err = acquireManyScript.Run(cctx, r.client, names, token, ttl).Slice()
		if err == nil && len(res) != len(keys) {
			err = fmt.Errorf("cache: lease script returned %d results for %d keys", len(res), len(keys))
		}
		copy(replies, res)
	}
	r.exit(ctx, opLease, rc, err)
	if err != nil {
		return nil, nil, err
	}
	for i, rep := range replies {
		switch v := rep.(type) {
		case string:
			values[i] = []byte(v)
			r.metrics.joins.Inc()
		case int64:
			if v == leaseTaken {
				r.metrics.leases.Inc()
				dones[i] = r.hold(keys[i], token)
			}
		}
	}
	return values, dones, nil
}

// acquire runs acquireScript once, through the breaker and the timeout.
func (r *Redis) acquire(ctx context.Context, keys []string, token string) (int64, []byte, error) {
	rc, err := r.enter(opLease)
	if err != nil {
		return 0, nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	res, err := acquireScript.Run(cctx, r.client, keys, token, r.leaseTTL.Milliseconds()).Slice()
	r.exit(ctx, opLease, rc, err)
	if err != nil {
		return 0, nil, err
	}
	if len(res) == 0 {
		return 0, nil, fmt.Errorf("cache: lease script returned nothing")
	}
	status, _ := res[0].(int64)
	switch status {
	case leaseFound:
		if len(res) < 2 {
			return 0, nil, fmt.Errorf("cache: lease script returned no value")
		}
		s, _ := res[1].(string)
		return status, []byte(s), nil
	case leaseTaken, leaseBusy:
		return status, nil, nil
	}
	return 0, nil, fmt.Errorf("cache: lease script returned %v", res)
}

// hold keeps a taken lease alive with a renewal every third of its TTL
// until the returned done is called, which publishes the value and
// releases the lease through the write-behind queue, in that order.
func (r *Redis) hold(key Key, token string) func([]byte) {
	var (
		mu      sync.Mutex
		stopped bool
		timer   *time.Timer
	)
	every := r.leaseTTL / 3
	renew := func() {
		mu.Lock()
		if stopped {
			mu.Unlock()
			return
		}
		mu.Unlock()
		if !r.extend(key, token) {
			return // lost or unreachable: let it expire, others take over
		}
		mu.Lock()
		if !stopped {
			timer.Reset(every)
		}
		mu.Unlock()
	}
	mu.Lock()
	timer = time.AfterFunc(every, renew)
	mu.Unlock()
	return func(value []byte) {
		mu.Lock()
		if stopped {
			mu.Unlock()
			return
		}
		stopped = true
		timer.Stop()
		mu.Unlock()
		op := writeOp{kind: writeRelease, key: key, token: token}
		if value != nil {
			op = writeOp{kind: writePublish, key: key, value: value, token: token}
		}
		r.enqueue(op)
	}
}

// extend renews a held lease; false means it is no longer ours or Redis
// did not answer.
func (r *Redis) extend(key Key, token string) bool {
	rc, err := r.enter(opLease)
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	n, err := extendScript.Run(ctx, r.client, []string{r.leaseKey(key)}, token, r.leaseTTL.Milliseconds()).Int64()
	r.exit(context.Background(), opLease, rc, err)
	return err == nil && n == 1
}
