package exact_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/exact"
)

// TestPathologicalResponsesAreBounded scores 1 MiB adversarial responses:
// each must finish far below any deadline (the bound is generous so a
// loaded CI machine does not flake; typical times are milliseconds).
func TestPathologicalResponsesAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	const size = exact.MaxResponseBytes
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	responses := map[string]string{
		"boxes":          fill(`\boxed{1}`),
		"distinct-boxes": fill(`\boxed{x+`) + "}",
		"open-boxes":     fill(`\boxed{`),
		"answer-colons":  fill("Answer: "),
		"final-answers":  fill("The final answer is "),
		"hash-lines":     fill("#### 1\n"),
		"fences":         fill("```"),
		"digits":         fill("1234567890"),
		"digits-or":      fill("1 or "),
		"dollars":        fill("$"),
		"braces":         fill("{"),
		"backslashes":    fill(`\`),
		"answer-tags":    fill("<answer>"),
		"fracs":          `\boxed{` + strings.Repeat(`\frac{1}{`, 300) + "}",
	}
	// A prompt that almost matches every answer's context makes each echo
	// search scan all of it; the number of searches is bounded.
	nearPrompt := strings.Repeat("a", size)
	responses["echo-searches"] = strings.Repeat("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\boxed{1}", 100) +
		strings.Repeat("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\boxed{2}", 100)
	v := exact.New()
	for _, c := range []struct{ ref, params string }{
		{`"42"`, `{}`}, {`"x^2+1"`, `{}`}, {`"C"`, `{}`}, {`"42"`, `{"extract":"last_number"}`},
	} {
		task, err := v.Prepare(json.RawMessage(c.ref), json.RawMessage(c.params))
		if err != nil {
			t.Fatal(err)
		}
		for name, resp := range responses {
			start := time.Now()
			prompt := resp[:min(len(resp), 4096)]
			if name == "echo-searches" {
				prompt = nearPrompt
			}
			res, err := task.Score(context.Background(), verifiers.Input{Prompt: prompt, Response: resp})
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s against %s: %v", name, c.ref, d)
			} else if d > 50*time.Millisecond {
				t.Logf("%s against %s: %v", name, c.ref, d)
			}
			if res.Score != 0 && name != "boxes" {
				t.Errorf("%s against %s scored %v: %s", name, c.ref, res.Score, res.Details)
			}
		}
	}
}

// TestLargeSetsOfExpressions compares sets of 60 polynomials, matched at
// random points, within the comparison budget and quickly.
func TestLargeSetsOfExpressions(t *testing.T) {
	t.Parallel()
	var ref, same, other []string
	for i := 0; i < 60; i++ {
		ref = append(ref, fmt.Sprintf("(x+%d)^{2}", i))
		k := 59 - i
		same = append(same, fmt.Sprintf("x^2+%dx+%d", 2*k, k*k))
		other = append(other, fmt.Sprintf("x^2+%dx+%d", 2*k, k*k+1))
	}
	raw, _ := json.Marshal(`\{` + strings.Join(ref, ",") + `\}`)
	task, err := exact.New().Prepare(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		items []string
		want  float64
	}{{same, 1}, {other, 0}} {
		start := time.Now()
		res, err := task.Score(context.Background(), verifiers.Input{Response: `\boxed{\{` + strings.Join(c.items, ",") + `\}}`})
		if err != nil {
			t.Fatal(err)
		}
		if res.Score != c.want {
			t.Errorf("score %v, want %v: %s", res.Score, c.want, res.Details)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	}
}
