package exact

import (
	"testing"
)

// FuzzParse parses arbitrary math: no panic, bounded output, and every
// parsed tree folds, prints and equals itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`\frac{3}{4}`, `2\frac{1}{2}`, `\sqrt[3]{27}`, `x^2+2x+1`, `(1,2]\cup[3,\infty)`,
		`\begin{pmatrix}1&2\\3&4\end{pmatrix}`, `10^{10^{10}}`, `\pm\sqrt{2}`, `y=2x+1`,
		`1<x\le 3`, `\{1,2,3\}`, `3+4i`, `1.2e-5`, `50\%`, `(10^{6})!`, `\binom{10}{3}`,
		`\log_2 8`, `\sin^2 x + \cos^2 x`, `|x-1|`, `1,000,000`, `\left(\frac{1}{2}\right)^{-3}`,
	} {
		f.Add(s)
	}
	c := &comparer{tol: 1e-6, tolRat: tolRat(1e-6), percent: "either", seed: 1}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxAnswerBytes {
			return
		}
		n, err := parseMath(normalizeLatex(s))
		if err != nil {
			return
		}
		n = fold(n)
		out := n.String()
		if len(out) > 8192 {
			t.Fatalf("printed form of %q is %d bytes", s, len(out))
		}
		c.budget = maxCompareWork
		_ = c.equal(n, n)
	})
}

// FuzzExtract runs every extractor over arbitrary responses: candidates
// stay inside the response and within the answer limits.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"so \\boxed{\\frac{1}{2}}", "<answer>4</answer>", "The final answer is $5$.", "#### 72",
		"```\n\\boxed{3}\n```\n\\boxed{4}", "Answer: (C)", "\\boxed{\\boxed{1}", "\\fbox 7", "3 or 4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, resp string) {
		sc := newScanner(resp, "prompt with \\boxed{} in it")
		for _, mode := range []string{exAuto, exBoxed, exAnswerTag, exPhrase, exGSM8K, exLastNumber, exFull} {
			cands, _ := sc.extract(mode, nil, true)
			if len(cands) > maxCandidates {
				t.Fatalf("%s: %d candidates", mode, len(cands))
			}
			for _, c := range cands {
				if c.pos < 0 || c.end > len(resp) || c.pos > c.end {
					t.Fatalf("%s: candidate span [%d,%d) outside response of %d bytes", mode, c.pos, c.end, len(resp))
				}
				if len(c.text) > maxAnswerBytes+maxPhraseBytes {
					t.Fatalf("%s: candidate of %d bytes", mode, len(c.text))
				}
			}
		}
	})
}
