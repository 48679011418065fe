package exact

import (
	"strings"
)

// maxChoices bounds params.choices (letters A to Z).
const maxChoices = 26

// choiceOptions describes the options of a multiple-choice task.
type choiceOptions struct {
	n     int       // number of options; 0 when params.choices is absent (A-J accepted)
	texts []string  // normalized option texts
	trees []*node   // parsed options (nil when not math)
	cmp   *comparer // compares an answer's math to an option's
}

func (o *choiceOptions) valid(l int) bool {
	if o.n == 0 {
		return l >= 0 && l < 10
	}
	return l >= 0 && l < o.n
}

// letterOf returns the option index of a single letter token such as "C",
// "(C)", "C)", "[c]", "{C}" or "C.". A lowercase letter counts too: the
// token is the whole answer, so it cannot be the article.
func (o *choiceOptions) letterOf(t string) (int, bool) {
	t = strings.Trim(t, " *_")
	if len(t) >= 3 && ((t[0] == '(' && t[len(t)-1] == ')') || (t[0] == '[' && t[len(t)-1] == ']') || (t[0] == '{' && t[len(t)-1] == '}')) {
		t = strings.TrimSpace(t[1 : len(t)-1])
	} else if len(t) == 2 && (t[1] == ')' || t[1] == '.' || t[1] == ':') {
		t = t[:1]
	}
	if len(t) != 1 || !isLetter(t[0]) {
		return 0, false
	}
	l := int(t[0] - 'A')
	if t[0] >= 'a' {
		l = int(t[0] - 'a')
	}
	if !o.valid(l) {
		return 0, false
	}
	return l, true
}

// choiceWords are words that may precede a letter: "Option C", "choice (B)".
var choiceWords = []string{"option", "choice", "answer", "letter", "the"}

// parse reads the letters one extracted answer commits to: none (not a
// choice), one, or several (a hedge such as "A or C").
func (o *choiceOptions) parse(raw string) []int {
	t := strings.TrimSpace(unwrapCommands(latexReplacer.Replace(raw)))
	t = strings.Trim(t, " *_.:;!")
	for changed := true; changed; {
		changed = false
		for _, w := range choiceWords {
			if len(t) > len(w) && hasPrefixFold(t, w) && !isLetter(t[len(w)]) {
				t = strings.TrimLeft(t[len(w):], " :*_")
				changed = true
			}
		}
	}
	if l, ok := o.letterOf(t); ok {
		return []int{l}
	}
	// "(B) or (C)", "\textbf{(B)}\textbf{(C)}", "(B) 12 or (C) 14": two
	// bracketed capitals choose two options, whatever is between them.
	if ls := o.bracketedLetters(t); len(ls) > 1 {
		return ls
	}
	// "(C) 12", "C) 12", "C. 12", "C: 12": a letter with its option text.
	if l, rest, ok := o.leadingLetter(t); ok {
		if o.n > 0 && rest != "" {
			if m, ok := o.matchText(rest); ok && m != l {
				return []int{l, m} // letter and text name different options
			}
		}
		return []int{l}
	}
	if o.n > 0 {
		if m, ok := o.matchText(t); ok {
			return []int{m}
		}
	}
	// Several letters: "A or C", "A, C", "A and B", "(A)(C)".
	parts := strings.FieldsFunc(strings.ReplaceAll(strings.ReplaceAll(t, " or ", ","), " and ", ","), func(r rune) bool {
		return r == ',' || r == '/' || r == '&' || r == ';'
	})
	if len(parts) < 2 {
		parts = splitBracketed(t)
	}
	if len(parts) >= 2 {
		var ls []int
		all := true
		for _, p := range parts {
			l, ok := o.letterOf(p)
			if !ok {
				all = false
				break
			}
			ls = appendUnique(ls, l)
		}
		if all {
			return ls
		}
	}
	// "C because ...", "A, since ...", "B is correct": a capital letter
	// followed by a connective. "A bit" or "A triangle" stays prose.
	if l, ok := o.letterThenConnective(t); ok {
		return []int{l}
	}
	return nil
}

// connectives may follow an option letter in a sentence.
var connectives = []string{"because", "since", "as", "is", "was", "which", "fits", "matches", "holds"}

func (o *choiceOptions) letterThenConnective(t string) (int, bool) {
	if len(t) < 3 || t[0] < 'A' || t[0] > 'Z' {
		return 0, false
	}
	rest := t[1:]
	switch rest[0] {
	case ',', ';', '-':
		rest = rest[1:]
	case ' ':
	default:
		return 0, false
	}
	rest = strings.TrimLeft(rest, " ")
	l, ok := o.letterOf(t[:1])
	if !ok {
		return 0, false
	}
	if strings.HasPrefix(rest, "\u2014") || strings.HasPrefix(rest, "(") {
		return l, true
	}
	for _, w := range connectives {
		if hasPrefixFold(rest, w) && (len(rest) == len(w) || !isLetter(rest[len(w)])) {
			return l, true
		}
	}
	return 0, false
}

// leadingLetter matches "(C) text", "C) text", "C. text", "C: text"; a bare
// "A text" is the article, not an option.
func (o *choiceOptions) leadingLetter(t string) (int, string, bool) {
	var l string
	var rest string
	switch {
	case len(t) >= 4 && (t[0] == '(' || t[0] == '[') && (t[2] == ')' || t[2] == ']') && t[3] == ' ':
		l, rest = t[1:2], t[4:]
	case len(t) >= 3 && (t[1] == ')' || t[1] == '.' || t[1] == ':') && t[2] == ' ' && t[0] >= 'A' && t[0] <= 'Z':
		l, rest = t[:1], t[3:]
	default:
		return 0, "", false
	}
	i, ok := o.letterOf(l)
	return i, strings.TrimSpace(rest), ok
}

// matchText returns the option whose text equals t (as text, or as math).
func (o *choiceOptions) matchText(t string) (int, bool) {
	nt := normalizeText(normalizeLatex(t))
	for i, x := range o.texts {
		if x != "" && sameText(x, nt) {
			return i, true
		}
	}
	norm := normalizeLatex(t)
	if isTextLike(norm) {
		return 0, false
	}
	tree, err := parseMath(norm)
	if err != nil {
		return 0, false
	}
	tree = fold(tree)
	c := *o.cmp
	c.budget = maxCompareWork
	for i, x := range o.trees {
		if x != nil && c.equal(tree, x).ok {
			return i, true
		}
	}
	return 0, false
}

// optionMarkers counts the distinct capitals that open an option in t:
// "(B)", "B)" or "B." at the start or after a space or comma. A line with
// two, "(A) 1 (B) 2" or "A) 1 or B) 2", lists options; it chooses none.
func optionMarkers(t string) int {
	seen := map[byte]bool{}
	for i := 0; i+1 < len(t); i++ {
		c := t[i]
		if c < 'A' || c > 'Z' || (i > 0 && t[i-1] != ' ' && t[i-1] != ',' && t[i-1] != '(') {
			continue
		}
		next := t[i+1]
		if (next == ')' || next == '.') && (i+2 == len(t) || t[i+2] == ' ') {
			seen[c] = true
		}
	}
	return len(seen)
}

// bracketedLetters returns the distinct options named as "(X)" anywhere in
// t, with X a capital letter.
func (o *choiceOptions) bracketedLetters(t string) []int {
	var ls []int
	for i := 0; i+2 < len(t); i++ {
		if t[i] == '(' && t[i+2] == ')' && t[i+1] >= 'A' && t[i+1] <= 'Z' {
			if l := int(t[i+1] - 'A'); o.valid(l) {
				ls = appendUnique(ls, l)
			}
		}
	}
	return ls
}

func splitBracketed(t string) []string {
	var parts []string
	for len(t) >= 3 && t[0] == '(' && t[2] == ')' {
		parts = append(parts, t[:3])
		t = strings.TrimLeft(t[3:], " ")
	}
	if t != "" {
		return nil
	}
	return parts
}

func appendUnique(ls []int, l int) []int {
	for _, x := range ls {
		if x == l {
			return ls
		}
	}
	return append(ls, l)
}

// lastLine returns the last non-empty line of the response outside a code
// block, as a candidate for a bare letter answer.
func (s *scanner) lastLine() (candidate, bool) {
	r := s.resp
	end := len(r)
	for _, f := range s.fences {
		if f[1] == len(r) {
			end = f[0]
		}
	}
	for end > 0 {
		start := strings.LastIndexByte(r[:end], '\n') + 1
		line := strings.TrimSpace(r[start:end])
		if line != "" {
			if len(line) > maxPhraseBytes {
				return candidate{}, false
			}
			return candidate{text: line, pos: start, end: end, source: exLastLine}, true
		}
		end = start - 1
	}
	return candidate{}, false
}

func letterName(l int) string { return string(rune('A' + l)) }
