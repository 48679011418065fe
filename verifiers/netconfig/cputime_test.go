package netconfig

import (
	"context"
	"os"
	"runtime"
	"sort"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/referee/referee/verifiers"
)

// TestCPUTimeFloors reports CPU time per operation (RUSAGE_THREAD on a locked
// thread), which a busy shared machine distorts far less than wall time. Run
// with NETCONFIG_CPUTIME=1; it asserts the floors on the median.
func TestCPUTimeFloors(t *testing.T) {
	if os.Getenv("NETCONFIG_CPUTIME") == "" {
		t.Skip("set NETCONFIG_CPUTIME=1 to measure CPU time per operation")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu := func() time.Duration {
		var ru unix.Rusage
		if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	median := func(n int, op func()) time.Duration {
		var xs []time.Duration
		for i := 0; i < n; i++ {
			start := cpu()
			op()
			xs = append(xs, cpu()-start)
		}
		sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
		return xs[len(xs)/2]
	}
	task, err := New().Prepare(benchSpec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	in := verifiers.Input{Response: bigIptables(500)}
	score := median(201, func() { _, _ = task.Score(context.Background(), in) })

	cfg := parseConfig(dialectIptables, bigIptables(500))
	pr, _ := cfg.program(&Target{Table: "filter", Chain: "INPUT"})
	var p Packet
	p.V[dimProto], p.V[dimSrc], p.V[dimDst], p.V[dimDport], p.V[dimFlags] = protoTCP, 0xC6336401, 0xC0000201, 9999, flSYN
	const batch = 1000
	packet := median(101, func() {
		for i := 0; i < batch; i++ {
			pr.Eval(&p)
		}
	}) / batch
	t.Logf("median CPU time: score (500 rules, 20 checks, 2 space) %v; packet check %v", score, packet)
	if score > 5*time.Millisecond || packet > 5*time.Microsecond {
		t.Errorf("over the floors (5 ms, 5 µs)")
	}
}
