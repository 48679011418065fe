package cache

import (
	"sync"
	"time"
)

// breakerState is the state of the circuit breaker in front of Redis.
type breakerState int

// The breaker states; the numbers are what the breaker_state gauge shows.
const (
	breakerClosed   breakerState = 0 // calls go to Redis
	breakerHalfOpen breakerState = 1 // one probe call at a time goes to Redis
	breakerOpen     breakerState = 2 // calls are bypassed until the cool-down ends
)

func (s breakerState) String() string {
	switch s {
	case breakerClosed:
		return "closed"
	case breakerHalfOpen:
		return "half-open"
	default:
		return "open"
	}
}

// callOutcome classifies a finished call for the breaker.
type callOutcome int

const (
	callOK      callOutcome = iota // Redis answered
	callFailed                     // Redis failed or timed out
	callNeutral                    // the caller gave up first; says nothing about Redis
)

// breaker opens after threshold consecutive failures, bypasses Redis for
// cooldown, then lets a single probe through (half-open): its success closes
// the breaker, its failure opens it for another cool-down. A bypassed call
// costs nothing, so a dead Redis adds no latency to scoring.
type breaker struct {
	threshold int
	cooldown  time.Duration
	onChange  func(from, to breakerState, lastErr error)

	mu       sync.Mutex
	state    breakerState
	failures int // consecutive
	openedAt time.Time
	probing  bool
	probeAt  time.Time
	lastErr  error
}

// allow reports whether a call may go to Redis now, and whether it is the
// half-open probe (whose callOutcome must be reported to done).
func (b *breaker) allow(now time.Time) (ok, probe bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case breakerClosed:
		return true, false
	case breakerOpen:
		if now.Sub(b.openedAt) < b.cooldown {
			return false, false
		}
		b.set(breakerHalfOpen)
	}
	// A probe that never reported back (its caller panicked) must not
	// keep the breaker half-open forever: after a cool-down, probe again.
	if b.probing && now.Sub(b.probeAt) < b.cooldown {
		return false, false
	}
	b.probing, b.probeAt = true, now
	return true, true
}

// done records the callOutcome of an allowed call.
func (b *breaker) done(now time.Time, probe bool, o callOutcome, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	switch o {
	case callOK:
		b.failures = 0
		if b.state != breakerClosed && (probe || b.state == breakerHalfOpen) {
			b.set(breakerClosed)
		}
	case callFailed:
		b.failures++
		b.lastErr = err
		if b.state == breakerHalfOpen || (b.state == breakerClosed && b.failures >= b.threshold) {
			b.openedAt = now
			b.set(breakerOpen)
		}
	}
}

// set changes state and reports the transition; b.mu is held.
func (b *breaker) set(to breakerState) {
	from := b.state
	if from == to {
		return
	}
	b.state = to
	if b.onChange != nil {
		b.onChange(from, to, b.lastErr)
	}
}

// snapshot returns the state, the consecutive failures and the last error.
func (b *breaker) snapshot() (breakerState, int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state, b.failures, b.lastErr
}
