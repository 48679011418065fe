package exact_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/exact"
)

// mathResponse is a typical MATH-style rollout: about a page of reasoning
// with inline LaTeX, ending in a boxed fraction.
var mathResponse = strings.Repeat(`We are asked for the probability that the sum of two fair six-sided dice is a prime number.
There are $6 \times 6 = 36$ equally likely outcomes. The prime sums are $2, 3, 5, 7$ and $11$.
Counting: a sum of $2$ occurs in $1$ way, $3$ in $2$ ways, $5$ in $4$ ways, $7$ in $6$ ways and $11$ in $2$ ways,
for a total of $1 + 2 + 4 + 6 + 2 = 15$ outcomes. Let me double-check the count of sevens: $(1,6), (2,5), (3,4), (4,3), (5,2), (6,1)$.
`, 4) + `So the probability is $\frac{15}{36} = \frac{5}{12}$.

Therefore, the final answer is $\boxed{\dfrac{5}{12}}$.`

func mathTask(b *testing.B) verifiers.Task {
	task, err := exact.New().Prepare(json.RawMessage(`"\\frac{5}{12}"`), nil)
	if err != nil {
		b.Fatal(err)
	}
	return task
}

// BenchmarkScoreMATH measures one verify of a MATH-style response against
// a prepared reference, and reports the median of individually timed calls.
func BenchmarkScoreMATH(b *testing.B) {
	task := mathTask(b)
	in := verifiers.Input{Prompt: "What is the probability that the sum of two dice is prime?", Response: mathResponse}
	ctx := context.Background()
	if res, _ := task.Score(ctx, in); res.Score != 1 {
		b.Fatalf("benchmark response scores %v: %s", res.Score, res.Details)
	}
	b.SetBytes(int64(len(mathResponse)))
	b.ReportAllocs()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := task.Score(ctx, in); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds())/1000, "median-µs/verify")
}

// BenchmarkPrepareMATH measures parsing a reference once per group.
func BenchmarkPrepareMATH(b *testing.B) {
	v := exact.New()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Prepare(json.RawMessage(`"\\frac{5}{12}"`), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreSymbolic measures a response whose answer is an expression
// in a variable, compared at random points.
func BenchmarkScoreSymbolic(b *testing.B) {
	task, err := exact.New().Prepare(json.RawMessage(`"x^2+2x+1"`), nil)
	if err != nil {
		b.Fatal(err)
	}
	in := verifiers.Input{Response: mathResponse[:1500] + ` so it factors as $\boxed{(x+1)^2}$.`}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := task.Score(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
