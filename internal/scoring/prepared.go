package scoring

import (
	"container/list"
	"sync"

	"github.com/referee/referee/cache"
)

// preparedLRU keeps prepared tasks, least recently used first out, bounded
// by count and by an estimate of their memory: a prepared task holds a
// parsed reference, and a few thousand large ones (a netconfig spec with
// its original configuration, a pacs.008 document) could otherwise hold
// gigabytes that no count bound sees.
type preparedLRU struct {
	mu       sync.Mutex
	ll       *list.List // of *preparedEntry, most recent first
	items    map[cache.Key]*list.Element
	bytes    int64
	maxItems int
	maxBytes int64
}

type preparedEntry struct {
	key  cache.Key
	p    preparedTask
	cost int64
}

// DefaultPreparedBytes bounds the estimated memory of the prepared tasks.
const DefaultPreparedBytes = 64 << 20

// preparedCost estimates what a prepared task holds from the size of the
// JSON it was prepared from: parsed forms run a few times larger.
func preparedCost(ref, params []byte) int64 { return 1024 + 4*int64(len(ref)+len(params)) }

func newPreparedLRU(maxItems int, maxBytes int64) *preparedLRU {
	return &preparedLRU{ll: list.New(), items: map[cache.Key]*list.Element{}, maxItems: max(maxItems, 1), maxBytes: max(maxBytes, 1)}
}

func (l *preparedLRU) Get(k cache.Key) (preparedTask, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.items[k]
	if !ok {
		return preparedTask{}, false
	}
	l.ll.MoveToFront(e)
	return e.Value.(*preparedEntry).p, true
}

// Add keeps p unless its cost alone is over the bound, evicting the least
// recently used tasks as needed.
func (l *preparedLRU) Add(k cache.Key, p preparedTask, cost int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cost > l.maxBytes {
		return
	}
	if e, ok := l.items[k]; ok {
		old := e.Value.(*preparedEntry)
		l.bytes += cost - old.cost
		old.p, old.cost = p, cost
		l.ll.MoveToFront(e)
	} else {
		l.items[k] = l.ll.PushFront(&preparedEntry{key: k, p: p, cost: cost})
		l.bytes += cost
	}
	for l.ll.Len() > l.maxItems || l.bytes > l.maxBytes {
		last := l.ll.Back()
		ent := last.Value.(*preparedEntry)
		l.ll.Remove(last)
		delete(l.items, ent.key)
		l.bytes -= ent.cost
	}
}

// Len returns the number of prepared tasks kept.
func (l *preparedLRU) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ll.Len()
}
