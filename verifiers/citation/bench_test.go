package citation_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/citation"
)

// typicalAnswer is a research answer with 10 citations of the kinds agents
// write: numbered markers with a sources list, links, a footnote, quotes.
const typicalAnswer = `The Eiffel Tower is 330 metres tall and was built from 1887 to 1889 [1]. It was "the tallest man-made structure in the world" until 1930 [1].
Malaria caused an estimated 608,000 deaths in 2022 [2]. There were 249 million cases that year [2].
Twelve astronauts walked on the Moon between 1969 and 1972 ([NASA](https://www.nasa.gov/moon-facts)).
Mount Everest reaches 8,849 metres [3]. Python 3.0 was released on 3 December 2008.[^py]
The Transformer achieves 28.4 BLEU on WMT 2014 English-to-German (https://arxiv.org/abs/1706.03762).
Aerial surveys found bleaching on 91% of the reefs surveyed [4]. Human activities caused about 1.0°C of warming [5].

[^py]: https://example.org/python-history

Sources:
[1] https://en.wikipedia.org/wiki/Eiffel_Tower
[2] https://www.who.int/news-room/fact-sheets/detail/malaria
[3] https://www.britannica.com/place/Mount-Everest
[4] https://www.bbc.co.uk/news/science-environment-12345
[5] https://www.ipcc.ch/sr15/chapter/spm/
`

// BenchmarkScoreTypicalAnswer scores a 10-citation answer from a warm
// snapshot (pages already prepared in the page cache).
func BenchmarkScoreTypicalAnswer(b *testing.B) {
	v := newVerifier(b)
	task, err := v.Prepare(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	in := verifiers.Input{Response: typicalAnswer}
	res, err := task.Score(context.Background(), in) // warm the page cache
	if err != nil || res.Score != 1 {
		b.Fatalf("score %v, err %v: %s", res.Score, err, res.Details)
	}
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	for b.Loop() {
		if _, err := task.Score(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
	// On a shared machine wall time includes waiting for a CPU; the
	// thread's own CPU time per op is the honest cost.
	b.ReportMetric(float64((threadCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// threadCPU is the calling OS thread's CPU time (user + system).
func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkExtract(b *testing.B) {
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	for b.Loop() {
		_ = citation.Extract(typicalAnswer)
	}
	b.ReportMetric(float64((threadCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
