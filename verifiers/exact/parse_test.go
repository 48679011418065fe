package exact

import (
	"testing"
)

// TestParseCanonical pins the canonical form of parsed and folded answers:
// what details.normalized shows and what the symbolic rule compares.
func TestParseCanonical(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`\frac{3}{4}`, `3/4`},
		{`\dfrac{6}{8}`, `3/4`},
		{`\frac12`, `1/2`},
		{`2\frac{1}{2}`, `5/2`},
		{`-2\frac{1}{2}`, `-5/2`},
		{`0.25`, `0.25`},
		{`1,000,000`, `1000000`},
		{`1{,}000`, `1000`},
		{`1\,000`, `1000`},
		{`(1,000)`, `(1, 0)`},
		{`\sqrt2`, `sqrt(2)`},
		{`\sqrt[3]{27}`, `3`},
		{`\sqrt{8}`, `sqrt(8)`},
		{`2^{10}`, `1024`},
		{`10^{10^{10}}`, `10^10000000000`},
		{`x^2+2x+1`, `x^2 + 2*x + 1`},
		{`\left(x+1\right)^{2}`, `(x + 1)^2`},
		{`y=2x+1`, `y = 2*x + 1`},
		{`1 < x \le 3`, `1 < x <= 3`},
		{`(1, 2]`, `(1, 2]`},
		{`[1,2]`, `[1, 2]`},
		{`(-\infty, 3)`, `(-oo, 3)`},
		{`(0,1)\cup(2,3)`, `(0, 1) U (2, 3)`},
		{`\{3, 1\}`, `{3, 1}`},
		{`1, 2`, `1, 2`},
		{`3 \text{ or } 4`, `3, 4`},
		{`\pm 3`, `±3`},
		{`1 \pm \sqrt{2}`, `1 ± sqrt(2)`},
		{`3+4i`, `3 + 4*i`},
		{`1.2e5`, `1.2e5`},
		{`1.2 \times 10^{5}`, `120000`},
		{`50\%`, `50%`},
		{`40^\circ`, `40`},
		{`\$18.90`, `18.90`},
		{`5 \text{ cm}`, `5`},
		{`\begin{pmatrix}1&2\\3&4\end{pmatrix}`, `[[1, 2], [3, 4]]`},
		{`\sin^2 x`, `sin(x)^2`},
		{`\tan^{-1}(1)`, `atan(1)`},
		{`\log_2 8`, `log(8, 2)`},
		{`6!`, `720`},
		{`(10^{6})!`, `1000000!`},
		{`\binom{10}{3}`, `120`},
		{`|x-1|`, `|x - 1|`},
		{`x_{1} + \alpha`, `x_1 + alpha`},
		{`\frac{x-1}{x^2-1}`, `(x - 1)/(x^2 - 1)`},
	} {
		n, err := parseMath(normalizeLatex(c.in))
		if err != nil {
			t.Errorf("parse %q: %v", c.in, err)
			continue
		}
		if got := fold(n).String(); got != c.want {
			t.Errorf("%q: canonical form %q, want %q", c.in, got, c.want)
		}
	}
}

// TestParseRejects lists input that is not math: the verifier then treats
// the answer as text (or rejects a math-mode reference).
func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		``, `(`, `)`, `1 +`, `\frac{1}`, `\sqrt`, `\unknowncommand{1}`, `\begin{cases}1\end{cases}`,
		`[1, 2, 3)`, `\begin{pmatrix}1&2\\3\end{pmatrix}`, `x_`, `@`, `\mathbb{W}`,
	} {
		if n, err := parseMath(normalizeLatex(in)); err == nil {
			t.Errorf("parse %q = %v, want an error", in, n)
		}
	}
}

// TestTextLike pins the text-or-math decision.
func TestTextLike(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"Monday": true, "no solution": true, "yes": true, "Pascal's triangle": true,
		"x": false, "2xy": false, `\pi/2`: false, "ln(xy)": false, "(A)": false, "or": false, "5 apples": false,
	} {
		if got := isTextLike(in); got != want {
			t.Errorf("isTextLike(%q) = %v, want %v", in, got, want)
		}
	}
}
