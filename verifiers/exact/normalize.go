package exact

import (
	"math/big"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// maxAnswerBytes bounds an extracted answer; longer ones are not answers
// but essays, and every later stage is linear in at most this size.
const maxAnswerBytes = 1024

// latexReplacer rewrites look-alikes and layout-only LaTeX to one spelling.
// It is built once and only read.
var latexReplacer = strings.NewReplacer(
	// A row break \\ stays whole, so its second backslash never starts "\ ".
	`\\`, `\\`,
	// Unicode look-alikes.
	"\u2212", "-", "\u2013", "-", "\u2014", "-", "\u2010", "-", "\u2011", "-", "\uff0d", "-",
	"\u00d7", `\times `, "\u00b7", `\cdot `, "\u22c5", `\cdot `, "\u2219", `\cdot `, "\u2217", "*",
	"\u00f7", `\div `, "\u221a", `\sqrt `, "\u03c0", `\pi `, "\u221e", `\infty `,
	"\u2264", `\le `, "\u2265", `\ge `, "\u2260", `\ne `, "\u00b1", `\pm `, "\u2213", `\mp `,
	"\u222a", `\cup `, "\u2208", `\in `, "\u2205", `\emptyset `, "\u211d", `\mathbb{R}`,
	"\u2044", "/", "\u2215", "/", "\uff0c", ",", "\uff08", "(", "\uff09", ")", "\uff1d", "=", "\uff0b", "+",
	// Vulgar fractions are \frac, so 2½ is the mixed number 5/2.
	"\u00bd", `\frac{1}{2}`, "\u00bc", `\frac{1}{4}`, "\u00be", `\frac{3}{4}`, "\u2153", `\frac{1}{3}`, "\u2154", `\frac{2}{3}`, "\u2155", `\frac{1}{5}`, "\u2156", `\frac{2}{5}`, "\u2157", `\frac{3}{5}`, "\u2158", `\frac{4}{5}`,
	"\u2150", `\frac{1}{7}`, "\u2151", `\frac{1}{9}`, "\u2152", `\frac{1}{10}`,
	"\u2159", `\frac{1}{6}`, "\u215a", `\frac{5}{6}`, "\u215b", `\frac{1}{8}`, "\u215c", `\frac{3}{8}`, "\u215d", `\frac{5}{8}`, "\u215e", `\frac{7}{8}`,
	// Square and cubic unit signs, before NFKC folds their powers.
	"\u33a1", `\text{ m}^2`, "\u33a5", `\text{ m}^3`, "\u33a0", `\text{ cm}^2`, "\u33a4", `\text{ cm}^3`, "\u33a2", `\text{ km}^2`,
	"\u00a0", " ", "\u2009", "", "\u202f", "", "\u200b", "",
	// Invisible format characters: joiners, bidi marks, invisible operators,
	// the soft hyphen.
	"\u200c", "", "\u200d", "", "\u200e", "", "\u200f", "", "\u2060", "", "\u2061", "", "\u2062", "", "\u2063", "", "\u2064", "",
	"\u2066", "", "\u2067", "", "\u2068", "", "\u2069", "", "\u202a", "", "\u202b", "", "\u202c", "", "\u202d", "", "\u202e", "", "\u00ad", "", "\ufeff", "", "\u2019", "'", "\u2032", "'",
	"\u00b0", "",
	// Variant Greek letters are the same symbol.
	`\varepsilon`, `\epsilon`, `\varphi`, `\phi`, `\vartheta`, `\theta`,
	// Delimiter sizing and math-mode switches carry no meaning.
	`\left.`, "", `\right.`, "", `\left`, "", `\right`, "",
	`\bigl`, "", `\bigr`, "", `\Bigl`, "", `\Bigr`, "", `\biggl`, "", `\biggr`, "",
	`\displaystyle`, "", `\textstyle`, "", `\scriptstyle`, "",
	`\(`, "", `\)`, "", `\[`, "", `\]`, "", `\$`, "", "$", "",
	// Spacing. \, is a space, which the lexer joins in thousands groups of
	// exactly three digits (1\,000) and which keeps 2\,3/4 a mixed number,
	// not 23/4; before a unit it marks a lone letter as one. {,} is a
	// thousands separator: 1{,}000.
	`\!`, "", `\, `, " ", `\,`, " ", `{,}`, "", `\;`, " ", `\:`, " ", `\ `, " ", `\quad`, " ", `\qquad`, " ", "~", " ",
	// Degrees are a unit: 30^\circ is 30.
	`^{\circ}`, "", `^\circ`, "", `^{\circ }`, "", `\circ`, "", `\degree`, "",
	// Plain-text operators with a LaTeX spelling.
	`\lt`, "<", `\gt`, ">",
	`\dfrac`, `\frac`, `\tfrac`, `\frac`, `\cfrac`, `\frac`,
	`\lbrack`, "[", `\rbrack`, "]",
)

// textCommands are unwrapped to their content; \text{ cm} keeps its words
// so units and text answers survive to the next stage.
var textCommands = map[string]bool{
	"textbf": true, "textit": true, "textrm": true, "textnormal": true, "textsf": true, "texttt": true,
	"text": true, "mbox": true, "hbox": true, "mathrm": true, "mathbf": true, "mathit": true,
	"mathsf": true, "mathtt": true, "boldsymbol": true, "bm": true, "operatorname": true,
	"boxed": true, "fbox": true, "emph": true, "smash": true,
}

// invisibleCommands draw nothing: the command and its one argument go.
// \color{red} sets a colour for what follows; \textcolor{red}{4} keeps
// its second argument, 4.
var invisibleCommands = []string{`\phantom`, `\hphantom`, `\vphantom`, `\hspace*`, `\hspace`, `\vspace*`, `\vspace`, `\color`, `\textcolor`}

// dropInvisible removes the invisible commands with their argument.
func dropInvisible(s string) string {
	for _, cmd := range invisibleCommands {
		for guard := 0; guard < 16; guard++ {
			i := strings.Index(s, cmd)
			if i < 0 {
				break
			}
			j := i + len(cmd)
			if j < len(s) && isLetter(s[j]) {
				break // a longer command name
			}
			for j < len(s) && s[j] == ' ' {
				j++
			}
			end := j
			if j < len(s) && s[j] == '{' {
				if end = matchBrace(s, j); end < 0 {
					break
				}
				end++
			}
			// A space, so 1\hspace{1cm}2 stays two numbers apart.
			s = s[:i] + " " + s[end:]
		}
	}
	return s
}

// chooseAsBinom rewrites {n \choose k} as \binom{n}{k}.
func chooseAsBinom(s string) string {
	for guard := 0; guard < 8; guard++ {
		c := strings.Index(s, `\choose`)
		if c < 0 {
			return s
		}
		// The group around it: the nearest unmatched { to the left.
		open, depth := -1, 0
		for i := c - 1; i >= 0; i-- {
			if i > 0 && s[i-1] == '\\' {
				continue // \{ and \} do not count, as in matchBrace
			}
			if s[i] == '}' {
				depth++
			} else if s[i] == '{' {
				if depth == 0 {
					open = i
					break
				}
				depth--
			}
		}
		end := len(s)
		top, bottom := s[:c], s[c+len(`\choose`):]
		if open >= 0 {
			if end = matchBrace(s, open); end < c {
				return s
			}
			top, bottom = s[open+1:c], s[c+len(`\choose`):end]
			end++
		} else {
			open = 0
		}
		s = s[:open] + `\binom{` + strings.TrimSpace(top) + `}{` + strings.TrimSpace(bottom) + `}` + s[end:]
	}
	return s
}

// functionLHS matches the left side of f(x) = ..., g(s, t) = ...,
// P(A) = ...: a function (f, g, h, p, q, r in either case) of variables,
// which states the function's value, and returns where the value starts.
func functionLHS(s string) int {
	i := 0
	// The names functions go by: x(t) = 2 stays an equation in x, and
	// y = 2 is not answered by it.
	if i >= len(s) || !strings.ContainsRune("fghpqrFGHPQR", rune(s[i])) {
		return -1
	}
	var args []byte
	i++
	if i < len(s) && s[i] == '(' {
		i++
	} else {
		return -1
	}
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) || !isLetter(s[i]) {
			return -1
		}
		args = append(args, s[i])
		i++
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i < len(s) && s[i] == ',' {
			i++
			continue
		}
		break
	}
	if i >= len(s) || s[i] != ')' {
		return -1
	}
	i++
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) || s[i] != '=' || strings.Count(s, "=") != 1 {
		return -1
	}
	// A definition uses its variable (f(x) = 2x + 1), or names an event
	// (P(A) = 0.3); f(x) = 3 is an equation, not the value 3 nor x = 3.
	rhs := s[i+1:]
	for _, a := range args {
		if a >= 'A' && a <= 'Z' || strings.IndexByte(rhs, a) >= 0 {
			return i + 1
		}
	}
	return -1
}

// normalizeLatex turns an extracted answer into the spelling the parser
// reads: look-alikes unified, layout dropped, text wrappers unwrapped, units
// and trailing punctuation removed.
func normalizeLatex(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, scripts) {
		s = unicodeScripts(s)
	}
	if hasTrig(s) {
		// An angle of a trig function is in radians once degrees are
		// converted: \sin 30^\circ is 1/2. A bare 30^\circ stays 30.
		s = trigDegrees().ReplaceAllString(s, `{($1\cdot\frac{\pi}{180})}`)
	}
	s = latexReplacer.Replace(s)
	if !isASCII(s) {
		// Full-width and mathematical digits and letters (３, 𝟒), after
		// the look-alikes and vulgar fractions have their LaTeX spelling.
		s = norm.NFKC.String(s)
	}
	if strings.Contains(s, `\choose`) {
		s = chooseAsBinom(s)
	}
	s = dropInvisible(s)
	if strings.Contains(s, `\mathbb`) {
		// ℝ is the interval (-∞, ∞), so x \in \mathbb{R} and (-\infty,\infty)
		// compare; ℝ² and other powers stay as they are.
		s = strings.ReplaceAll(s, `\mathbb R`, `\mathbb{R}`)
		if !strings.Contains(s, `\mathbb{R}^`) {
			s = strings.ReplaceAll(s, `\mathbb{R}`, `(-\infty,\infty)`)
		}
	}
	s = unwrapCommands(s)
	if strings.Contains(s, `\overline{`) {
		s = repeatingDecimals(s)
	}
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, ".,;: ")
	// A leading "\approx 3.14" or "= 5" states the value.
	for _, p := range []string{`\approx`, `\sim`, "\u2248", "="} {
		if strings.HasPrefix(s, p) && !(p == `\sim` && len(s) > len(p) && isLetter(s[len(p)])) {
			s = s[len(p):]
			break
		}
	}
	s = strings.TrimSpace(s)
	// f(x) = 2x + 1 states the function's value, as x = 3 states x's.
	if k := functionLHS(s); k > 0 {
		s = strings.TrimSpace(s[k:])
	}
	// "approximately 3.14", "about 42": a qualifier word before a number
	// says how the value was reached, it is not a factor.
	for _, w := range []string{"approximately ", "approx. ", "approx ", "about ", "around ", "roughly ", "nearly ", "exactly ", "precisely "} {
		if len(s) > len(w) && strings.EqualFold(s[:len(w)], w) && startsNumber(s[len(w):]) {
			s = strings.TrimSpace(s[len(w):])
			break
		}
	}
	s = stripProseAside(s)
	s = stripUnits(s)
	return s
}

// stripProseAside drops a closing parenthetical that justifies the answer
// after a quantity: "5 (since 2+3=5)" is 5, not 5 times an expression in
// the letters of "since". One without words, "5 (2+3)", is left to the
// parser.
func stripProseAside(s string) string {
	if !strings.HasSuffix(s, ")") {
		return s
	}
	i := strings.LastIndex(s, " (")
	if i <= 0 || !hasDigit(s[:i]) {
		return s
	}
	inner := s[i+2 : len(s)-1]
	if strings.ContainsAny(inner, "()\\{}") {
		return s // nested, or LaTeX: (3,\infty) is an interval
	}
	words := strings.FieldsFunc(inner, func(r rune) bool { return r > 0x7f || !isLetter(byte(r)) })
	for _, w := range words {
		if hedgeWords[strings.ToLower(w)] {
			return s // "5 (or possibly 6)" offers another answer: not an aside
		}
	}
	// Only an aside that justifies the answer goes: "(since 2+3=5)",
	// "(because ...)". Any other "(in thousands)", "(if n is odd; 7
	// otherwise)" may change or hedge it, and stays to fail the parse.
	if len(words) > 0 && asideStarts[strings.ToLower(words[0])] && strings.HasPrefix(strings.ToLower(strings.TrimSpace(inner)), strings.ToLower(words[0])) {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// asideStarts open a parenthetical that justifies an answer.
var asideStarts = map[string]bool{
	"since": true, "because": true, "as": true, "from": true, "by": true, "using": true, "via": true,
	"which": true, "note": true, "verified": true, "checked": true, "check": true, "see": true, "per": true,
}

// hedgeWords in an aside offer another answer.
var hedgeWords = map[string]bool{
	"or": true, "maybe": true, "possibly": true, "perhaps": true, "either": true, "alternatively": true,
	"instead": true, "otherwise": true, "might": true, "could": true, "probably": true,
	"unless": true, "if": true, "then": true, "else": true, "also": true,
}

// hasTrig reports whether s applies a trigonometric function.
func hasTrig(s string) bool {
	for _, f := range []string{`\sin`, `\cos`, `\tan`, `\cot`, `\sec`, `\csc`} {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// trigDegrees matches a number in degrees: 30^\circ, 30^{\circ}, 30°,
// 30\degree.
var trigDegrees = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(\d+(?:\.\d+)?)\s*(?:\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree)`)
})

// scripts are the Unicode superscript and subscript digits and signs.
const scripts = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻₀₁₂₃₄₅₆₇₈₉₊₋"

// unicodeScripts rewrites runs of Unicode superscripts as ^{…} and of
// subscripts as _{…}: 2⁵ is 2^{5}, 32, not the 25 that folding them into
// plain digits would make of it.
func unicodeScripts(s string) string {
	var b strings.Builder
	mode := 0 // 0 outside a run, 1 in a superscript run, 2 in a subscript run
	for _, r := range s {
		m, c := scriptRune(r)
		if m != mode && mode != 0 {
			b.WriteByte('}')
		}
		switch {
		case m == 0:
			b.WriteRune(r)
		case m != mode:
			b.WriteString([]string{"", "^{", "_{"}[m])
			fallthrough
		default:
			b.WriteByte(c)
		}
		mode = m
	}
	if mode != 0 {
		b.WriteByte('}')
	}
	return b.String()
}

// scriptRune reports whether r is a superscript (1) or subscript (2) digit
// or sign, and its plain character.
func scriptRune(r rune) (int, byte) {
	switch {
	case r >= '⁰' && r <= '⁹' && r != 'ⁱ' && r != '\u2072' && r != '\u2073':
		return 1, byte('0' + r - '⁰')
	case r == '¹':
		return 1, '1'
	case r == '²':
		return 1, '2'
	case r == '³':
		return 1, '3'
	case r == '⁺':
		return 1, '+'
	case r == '⁻':
		return 1, '-'
	case r >= '₀' && r <= '₉':
		return 2, byte('0' + r - '₀')
	case r == '₊':
		return 2, '+'
	case r == '₋':
		return 2, '-'
	}
	return 0, 0
}

// repeatingDecimals rewrites 0.\overline{36} and 0.1\overline{6} as exact
// fractions: 0.1\overline{6} = (16 - 1)/90 = 1/6.
func repeatingDecimals(s string) string {
	for guard := 0; guard < 8; guard++ {
		i := strings.Index(s, `\overline{`)
		if i < 0 {
			return s
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return s
		}
		rep := s[i+len(`\overline{`) : i+end]
		// The decimal before it: digits, a point, digits.
		j := i
		for j > 0 && isDigit(s[j-1]) {
			j--
		}
		frac := s[j:i]
		if j == 0 || s[j-1] != '.' || !allDigits(rep) || len(rep) > 18 || len(frac) > 18 {
			return s
		}
		k := j - 1
		for k > 0 && isDigit(s[k-1]) {
			k--
		}
		whole := s[k : j-1]
		if whole == "" {
			whole = "0"
		}
		// x = whole + (frac·(10^r - 1) + rep) / (10^f · (10^r - 1))
		num, den := new(big.Int), new(big.Int)
		nines := new(big.Int).Sub(pow10(len(rep)), big.NewInt(1))
		f, _ := new(big.Int).SetString("0"+frac, 10)
		r, _ := new(big.Int).SetString(rep, 10)
		w, _ := new(big.Int).SetString(whole, 10)
		num.Mul(f, nines).Add(num, r)
		den.Mul(pow10(len(frac)), nines)
		num.Add(num, new(big.Int).Mul(w, den))
		s = s[:k] + "(" + num.String() + "/" + den.String() + ")" + s[i+end+1:]
	}
	return s
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// unwrapCommands replaces \text{...} and friends by their content.
func unwrapCommands(s string) string {
	off := 0
	for replaced := 0; replaced < 64; {
		i := strings.IndexByte(s[off:], '\\')
		if i < 0 {
			return s
		}
		best := off + i
		k := best + 1
		for k < len(s) && isLetter(s[k]) {
			k++
		}
		name := s[best+1 : k]
		if k == best+1 || !textCommands[name] {
			off = max(k, best+2)
			if off >= len(s) {
				return s
			}
			continue
		}
		j := k
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j >= len(s) || s[j] != '{' {
			// \text without braces: drop the command word only.
			s = s[:best] + s[k:]
			off = best
			replaced++
			continue
		}
		end := matchBrace(s, j)
		if end < 0 {
			s = s[:best] + s[j+1:]
			off = best
			replaced++
			continue
		}
		inner := s[j+1 : end]
		off = best
		replaced++
		rest := s[end+1:]
		for _, p := range []string{"^2", "^3", "^{2}", "^{3}", "^{-1}", "^{-2}"} {
			if strings.HasPrefix(rest, p) {
				rest = rest[len(p):]
				break
			}
		}
		// A lone SI letter closing the answer after a number and a space
		// (12\,\text{m}), or in \text (12\text{m}), is a unit; inside an
		// expression (2\,\text{x} + 1) a letter is a variable.
		loose := (strings.HasSuffix(s[:best], " ") || strings.HasPrefix(name, "text")) &&
			strings.TrimSpace(rest) == "" && endsInDigit(s[:best])
		if name != "boxed" && name != "fbox" && isUnitContent(inner, loose) && followsQuantity(s[:best]) {
			// 3 \mathrm{~m/s}, 5\text{ cm}: a unit after a quantity.
			s = s[:best] + " " + rest
			continue
		}
		pad := ""
		if strings.HasPrefix(name, "text") || name == "mbox" || name == "hbox" {
			pad = " "
		}
		s = s[:best] + pad + inner + pad + s[end+1:]
	}
	return s
}

// matchBrace returns the index of the } closing the { at open, or -1.
// Escaped braces \{ \} do not count.
func matchBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// isUnitContent reports the content of \text{} or \mathrm{} that is a unit:
// "~m/s", " cm", "kg", "m^2". A lone letter counts with the space or tilde
// LaTeX puts inside the braces before units, never as i, e, d or k (2\mathrm{i}
// keeps its imaginary unit, 5\text{k} is 5000); with loose (the content
// closes the answer after a number and a space, or is in \text), an SI
// letter counts too.
func isUnitContent(inner string, loose bool) bool {
	spaced := strings.HasPrefix(inner, " ") || strings.HasPrefix(inner, "~")
	fields := strings.Fields(strings.NewReplacer(`\cdot`, " ", "~", " ", `\,`, " ").Replace(inner))
	if len(fields) == 0 || len(fields) > 4 || isPowerWord(fields[0]) {
		return false // "squared" right after the number is an operation
	}
	for _, w := range fields {
		if isMathWord(w) || w == "to" {
			return false
		}
		if !isUnitWord(w) && !(spaced && isLetterUnit(w) && w != "i" && w != "e" && w != "d" && w != "k") && !(loose && siLetters[w]) {
			return false
		}
	}
	return true
}

// siLetters are the one-letter SI units and symbols that follow a number
// as units: metres, seconds, grams, newtons, joules, watts, volts,
// amperes, kelvins, litres, teslas, farads, henries, coulombs.
var siLetters = map[string]bool{"m": true, "s": true, "g": true, "N": true, "J": true, "W": true, "V": true,
	"A": true, "K": true, "L": true, "T": true, "F": true, "H": true, "C": true}

func endsInDigit(s string) bool {
	s = strings.TrimRight(s, " ")
	return s != "" && isDigit(s[len(s)-1])
}

// isLetterUnit matches one-letter units and their quotients: m, N, m/s, J/K.
func isLetterUnit(w string) bool {
	for _, part := range strings.Split(w, "/") {
		p := part
		if i := strings.IndexByte(p, '^'); i > 0 {
			p = p[:i]
		}
		if p == "" || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if !isLetter(p[i]) {
				return false
			}
		}
	}
	return true
}

// followsQuantity reports whether text ends in something a unit can follow:
// a digit, a closing bracket or brace.
func followsQuantity(s string) bool {
	s = strings.TrimRight(s, " ")
	if s == "" {
		return false
	}
	c := s[len(s)-1]
	return isDigit(c) || c == ')' || c == '}' || c == ']' || strings.HasSuffix(s, `\pi`)
}

// stripUnits removes trailing unit words after a quantity: "5 cm", "12
// dollars", "3 km/h", "20 m^2", "50 percent" (which becomes 50\%).
func stripUnits(s string) string {
	for guard := 0; guard < 4; guard++ {
		i := strings.LastIndexByte(s, ' ')
		if i < 0 {
			// "5cm": letters glued to a number.
			j := len(s)
			for j > 0 && isLetter(s[j-1]) {
				j--
			}
			if j > 0 && j < len(s)-1 && isDigit(s[j-1]) && isUnitWord(s[j:]) {
				return s[:j]
			}
			return s
		}
		head, word := strings.TrimSpace(s[:i]), s[i+1:]
		if f, ok := scaleFactors[strings.ToLower(strings.TrimRight(word, "."))]; ok && head != "" && isDigit(head[len(head)-1]) {
			// "1.2 million" is 1.2·10⁶, not 1.2 of a unit "million".
			return head + f
		}
		if head == "" || !isUnitWord(word) || !hasDigit(head) || (isPowerWord(word) && isDigit(head[len(head)-1])) {
			// "5 squared" is 25; "25 units squared" is 25 of a unit.
			return s
		}
		if w := strings.ToLower(word); w == "percent" || w == "per cent" {
			return head + `\%`
		}
		s = head
	}
	return s
}

// isUnitWord reports whether w looks like a unit: a word of three or more
// letters that is not a math word, or a known two-letter unit, with an
// optional power and an optional /unit. Two-letter words in general are
// left alone: "2 ab" is a product, not 2 of a unit "ab".
func isUnitWord(w string) bool {
	w = strings.TrimRight(w, ".")
	if len(w) > 2 && w[0] == '(' && w[len(w)-1] == ')' {
		w = w[1 : len(w)-1] // "7 (units)"
	}
	if w == "" {
		return false
	}
	if i := strings.IndexByte(w, '/'); i > 0 {
		return isLetterUnit(w) || (isUnitWord(w[:i]) && isUnitWord(w[i+1:]))
	}
	if i := strings.IndexByte(w, '^'); i > 0 {
		p := strings.Trim(w[i+1:], "{}")
		if p != "2" && p != "3" {
			return false
		}
		w = w[:i]
	}
	for i := 0; i < len(w); i++ {
		if !isLetter(w[i]) {
			return false
		}
	}
	switch {
	case len(w) < 2:
		return false
	case len(w) == 2:
		return twoLetterUnits[w]
	}
	return !isMathWord(w) && !isOperatorWord(w) && !strings.EqualFold(w, "to")
}

// twoLetterUnits are the two-letter words read as units after a number.
var twoLetterUnits = map[string]bool{
	"cm": true, "mm": true, "km": true, "kg": true, "mg": true, "ft": true, "yd": true, "mi": true,
	"in": true, "hr": true, "ms": true, "ml": true, "mL": true, "oz": true, "lb": true, "Hz": true,
	"kW": true, "sq": true, "cu": true, "hp": true, "eV": true, "km/h": true,
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

// isTextLike reports whether a normalized answer is words rather than math:
// no digits, operators, brackets or LaTeX commands, and a run of two or more
// letters that is not a math word. "Monday", "no solution", "yes" are text;
// "x", "2xy", "\pi/2" are math.
func isTextLike(s string) bool {
	if hasDigit(s) {
		return false
	}
	word := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' || c == '(' || c == '[':
			return false // a LaTeX command or a bracket: math
		case isLetter(c):
			j := i
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			if j-i >= 2 && !isMathWord(s[i:j]) {
				word = true
			}
			i = j
		case strings.IndexByte("+*/^=<>|_", c) >= 0:
			return false
		default:
			i++
		}
	}
	return word
}

// scaleFactors are the words that multiply the number before them.
var scaleFactors = map[string]string{
	"dozen": `\cdot 12`, "dozens": `\cdot 12`, "hundred": `\cdot 100`, "hundreds": `\cdot 100`,
	"thousand": `\cdot 10^{3}`, "thousands": `\cdot 10^{3}`, "million": `\cdot 10^{6}`, "millions": `\cdot 10^{6}`,
	"billion": `\cdot 10^{9}`, "billions": `\cdot 10^{9}`, "trillion": `\cdot 10^{12}`, "trillions": `\cdot 10^{12}`,
}

// isOperatorWord reports words that change the value of the number they
// follow, so they are never units: "3 plus 1" is not 3, "7 hundredths" not
// 7. "times", "more", "squared" stay units, as in "3 times", "12 more",
// "25 units squared".
func isOperatorWord(w string) bool {
	w = strings.ToLower(w)
	switch w {
	case "factorial", "inverse", "negative", "positive", "plus", "minus",
		"over", "divided", "by", "root", "roots", "power", "maybe", "not",
		"half", "halves", "third", "thirds", "k",
		"fourth", "fourths", "fifth", "fifths", "sixth", "sixths", "seventh", "sevenths", "eighth", "eighths",
		"ninth", "ninths", "tenth", "tenths", "hundredth", "hundredths", "thousandth", "thousandths":
		return true
	}
	_, ok := scaleFactors[w]
	return ok
}

// startsNumber reports text that opens with a number: "3.14", "-2", "$5".
func startsNumber(s string) bool {
	s = strings.TrimLeft(s, " -+$")
	return s != "" && (isDigit(s[0]) || s[0] == '.')
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isPowerWord reports "squared" and "cubed", units after a unit and
// operations after a number.
func isPowerWord(w string) bool {
	w = strings.ToLower(strings.TrimRight(w, "."))
	return w == "squared" || w == "cubed"
}

func isMathWord(w string) bool {
	switch strings.ToLower(w) {
	case "pi", "sqrt", "sin", "cos", "tan", "sec", "csc", "cot", "ln", "log", "exp", "inf", "infinity",
		"arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "or", "and":
		return true
	}
	return false
}

// normalizeText is the whole-answer text form: NFKC (full-width letters,
// ligatures), case folded, white space collapsed, LaTeX wrappers and
// surrounding punctuation removed.
func normalizeText(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	s = strings.ReplaceAll(s, `\`, " ")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '{', '}':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return strings.Trim(b.String(), " .,;:!?\"'`*")
}

// sameText compares two text forms ignoring spaces: "New York" is
// "new  york" and "NewYork".
func sameText(a, b string) bool {
	if a == b {
		return true
	}
	// Spaces between digits separate numbers: "2 3" is not 23.
	if digitsApart(a) || digitsApart(b) {
		return false
	}
	return strings.ReplaceAll(a, " ", "") == strings.ReplaceAll(b, " ", "")
}

// digitsApart reports a digit, spaces, then a digit.
func digitsApart(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' || i == 0 || !isDigit(s[i-1]) {
			continue
		}
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			return true
		}
		i = j - 1
	}
	return false
}
