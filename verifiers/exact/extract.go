package exact

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Extractors, as named in params.extract and details.extractor.
const (
	exAuto       = "auto"
	exBoxed      = "boxed"
	exAnswerTag  = "answer_tag"
	exPhrase     = "final_answer_phrase"
	exGSM8K      = "gsm8k"
	exLastNumber = "last_number"
	exFull       = "full"
	exRegex      = "regex"
	exLastLine   = "last_line" // choice mode only: a bare letter on the last line
)

// Extraction limits.
const (
	maxCandidates  = 32  // answers considered in one response
	maxPhraseBytes = 300 // text after "the final answer is"
	maxNumberBytes = 256 // digits of a last-number answer
	echoContext    = 32  // bytes before an answer that must also match for it to count as an echo
	maxEchoChecks  = 64  // prompt searches per response
	maxFences      = 1024
)

// candidate is one answer found in a response.
type candidate struct {
	text    string
	pos     int    // byte offset of the marker in the response (of its last repeat)
	end     int    // byte offset just after the answer
	source  string // extractor name
	repeats int    // further occurrences of the same text
}

// scanner finds answers in one response.
type scanner struct {
	resp       string
	prompt     string
	fences     [][2]int // fenced code blocks [start, end), in order
	overflow   bool     // more than maxCandidates different answers
	badBox     bool     // a box outside code that could not be read
	echoChecks int      // prompt searches made so far
}

func newScanner(resp, prompt string) *scanner {
	s := &scanner{resp: resp, prompt: prompt}
	s.fences = codeFences(resp)
	return s
}

// codeFences returns the ranges of ``` and ~~~ fenced blocks; an unclosed fence runs
// to the end of the response, and so does everything after maxFences blocks.
func codeFences(s string) [][2]int {
	var out [][2]int
	off := 0
	for {
		if len(out) == maxFences {
			// Past the limit, the rest of the response counts as code.
			return append(out, [2]int{off, len(s)})
		}
		i := strings.Index(s[off:], "```")
		fence := "```"
		if k := strings.Index(s[off:], "~~~"); k >= 0 && (i < 0 || k < i) {
			i, fence = k, "~~~" // Markdown's other fence
		}
		if i < 0 {
			return out
		}
		start := off + i
		j := strings.Index(s[start+3:], fence)
		if j < 0 {
			return append(out, [2]int{start, len(s)})
		}
		end := start + 3 + j + 3
		out = append(out, [2]int{start, end})
		off = end
	}
}

// keep reports whether a candidate counts: not empty, not inside a code
// block (code that quotes the problem or prints a format is not an answer)
// and not an echo of the prompt (see echo).
func (s *scanner) keep(c candidate) bool {
	return strings.TrimSpace(c.text) != "" && s.fenceAt(c.pos) < 0 && !s.echo(c)
}

// echo reports an answer whose text, with the echoContext bytes before it,
// occurs verbatim in the prompt, as when a response repeats a few-shot
// example with its boxed answer. At most maxEchoChecks searches are made per
// response, so a response cannot multiply the prompt's length.
func (s *scanner) echo(c candidate) bool {
	if s.prompt == "" || c.pos < echoContext || s.echoChecks >= maxEchoChecks {
		return false
	}
	s.echoChecks++
	return strings.Contains(s.prompt, s.resp[c.pos-echoContext:c.end])
}

// fenceAt returns the start of the code block containing pos, or -1.
func (s *scanner) fenceAt(pos int) int {
	i := sort.Search(len(s.fences), func(i int) bool { return s.fences[i][1] > pos })
	if i < len(s.fences) && pos >= s.fences[i][0] {
		return s.fences[i][0]
	}
	return -1
}

// add appends c to out unless it does not count (see keep). A repeat of an
// answer already in out only counts as a repeat, so repeating one answer
// any number of times never fills the list; more than maxCandidates
// different answers set overflow, itself a hedge.
func (s *scanner) add(out []candidate, c candidate) []candidate {
	t := strings.TrimSpace(c.text)
	if s.overflow || t == "" || s.fenceAt(c.pos) >= 0 {
		return out
	}
	for i := range out {
		if strings.TrimSpace(out[i].text) == t {
			out[i].repeats++
			if c.pos > out[i].pos {
				out[i].pos, out[i].end, out[i].source = c.pos, c.end, c.source
			}
			return out
		}
	}
	if s.echo(c) {
		return out
	}
	if len(out) >= maxCandidates {
		s.overflow = true
		return out
	}
	return append(out, c)
}

// boxed finds \boxed{...} and \fbox{...} with nested braces, and the
// brace-less \boxed 5. Braces are matched in one pass over the response, so
// many unclosed boxes cost linear time; a box inside another box is part of
// the outer answer, not an answer of its own.
func (s *scanner) boxed(out []candidate) []candidate {
	r := s.resp
	var boxes []boxSpan
	for _, cmd := range []string{`\boxed`, `\fbox`} {
		off := 0
		for {
			i := strings.Index(r[off:], cmd)
			if i < 0 {
				break
			}
			start := off + i
			j := start + len(cmd)
			off = j
			if j < len(r) && isLetter(r[j]) {
				continue // \boxedfoo is another command
			}
			for j < len(r) && r[j] == ' ' {
				j++
			}
			if j >= len(r) {
				break
			}
			if r[j] == '{' {
				boxes = append(boxes, boxSpan{start: start, brace: j, end: -1})
				continue
			}
			if r[j] == '\\' && s.fenceAt(start) < 0 {
				// \boxed\frac12: a box whose argument is not a group;
				// unreadable, and no number after it answers in its place.
				s.badBox = true
				continue
			}
			// \boxed 7, and \boxed7 with a digit or sign right after.
			if j > start+len(cmd) || isDigit(r[j]) || r[j] == '-' {
				k := j
				for k < len(r) && k-j < 64 && !strings.ContainsRune(" \n\t$", rune(r[k])) {
					k++
				}
				boxes = append(boxes, boxSpan{start: start, brace: -1, end: k})
				off = k
			}
		}
	}
	sort.Slice(boxes, func(a, b int) bool { return boxes[a].start < boxes[b].start })
	matchBoxBraces(r, boxes)
	lastEnd := -1
	for _, b := range boxes {
		if b.end < 0 && s.fenceAt(b.start) < 0 {
			// Unclosed, or too long or deep to be an answer: the response
			// did box something, so no number from inside it or after it
			// may stand in for that answer.
			s.badBox = true
		}
		if b.end < 0 || b.start < lastEnd {
			continue // unclosed, or nested in the previous answer
		}
		text := r[b.brace+1 : max(b.end-1, b.brace+1)]
		if b.brace < 0 {
			text = strings.TrimSpace(r[b.start+len(`\boxed`) : b.end])
			if strings.HasPrefix(r[b.start:], `\fbox`) {
				text = strings.TrimSpace(r[b.start+len(`\fbox`) : b.end])
			}
		}
		lastEnd = b.end
		if out = s.add(out, candidate{text: text, pos: b.start, end: b.end, source: exBoxed}); s.overflow {
			break
		}
	}
	sortCandidates(out)
	return out
}

// boxSpan is a box command at start; brace is its opening brace (-1 when
// it has none) and end the index just after its answer (-1 if unclosed).
type boxSpan struct{ start, brace, end int }

// matchBoxBraces sets the end of every braced box in one pass over r
// (boxes sorted by position). Escaped braces do not count; content longer
// than maxAnswerBytes leaves a box unclosed.
func matchBoxBraces(r string, boxes []boxSpan) {
	type open struct{ box, depth int }
	var stack []open
	next := 0
	// skip moves next past brace-less boxes and braces already behind i.
	skip := func(i int) {
		for next < len(boxes) && (boxes[next].brace < 0 || boxes[next].brace < i) {
			next++
		}
	}
	skip(0)
	if next == len(boxes) {
		return
	}
	depth := 0
	for i := boxes[next].brace; i < len(r); i++ {
		skip(i)
		switch r[i] {
		case '\\':
			i++
		case '{':
			if next < len(boxes) && boxes[next].brace == i {
				stack = append(stack, open{box: next, depth: depth})
				next++
			}
			depth++
		case '}':
			depth--
			if n := len(stack); n > 0 && stack[n-1].depth == depth {
				b := &boxes[stack[n-1].box]
				if i-b.brace-1 <= maxAnswerBytes {
					b.end = i + 1
				}
				stack = stack[:n-1]
			}
			depth = max(depth, 0)
		}
		if len(stack) == 0 && next == len(boxes) {
			return
		}
	}
}

// answerTags finds <answer>...</answer>.
func (s *scanner) answerTags(out []candidate) []candidate {
	off := 0
	for !s.overflow {
		i := strings.Index(s.resp[off:], "<answer>")
		if i < 0 {
			return out
		}
		start := off + i
		body := start + len("<answer>")
		j := strings.Index(s.resp[body:], "</answer>")
		end := len(s.resp)
		if j >= 0 {
			end = body + j
		} else if end-body > maxPhraseBytes {
			return out
		}
		if end-body <= maxAnswerBytes {
			out = s.add(out, candidate{text: withoutAnnouncement(s.resp[body:end]), pos: start, end: end, source: exAnswerTag})
		}
		off = end
	}
	return out
}

// withoutAnnouncement drops the words that announce an answer at the start
// of a tag's body: <answer>The answer is 5</answer> answers 5, as R1-style
// models often write it.
func withoutAnnouncement(t string) string {
	trimmed := strings.TrimLeft(t, " \t\n*")
	for _, p := range []string{"the final answer is", "final answer is", "final answer:", "the answer is", "answer is", "answer:"} {
		if len(trimmed) >= len(p) && strings.EqualFold(trimmed[:len(p)], p) {
			rest := strings.TrimLeft(trimmed[len(p):], " \t\n*:")
			if rest != "" {
				return rest
			}
		}
	}
	return t
}

// gsm8k finds GSM8K's "#### 42" answer lines; a Markdown heading such as
// "#### Step 1: add" is not one.
func (s *scanner) gsm8k(out []candidate) []candidate {
	off := 0
	for !s.overflow {
		i := strings.Index(s.resp[off:], "####")
		if i < 0 {
			return out
		}
		start := off + i
		j := start + 4
		for j < len(s.resp) && s.resp[j] == '#' {
			j++
		}
		end := j
		for end < len(s.resp) && s.resp[end] != '\n' && end-j < maxPhraseBytes {
			end++
		}
		off = end
		text := strings.TrimSpace(s.resp[j:end])
		if looksNumeric(text) {
			out = s.add(out, candidate{text: text, pos: start, end: end, source: exGSM8K})
		}
	}
	return out
}

// looksNumeric reports an answer made of a number and at most a unit word:
// digits, signs, separators, fractions and LaTeX, no prose.
func looksNumeric(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	digit := false
	words := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case isDigit(c):
			digit = true
		case c == '\\':
			for i+1 < len(t) && isLetter(t[i+1]) {
				i++
			}
		case isLetter(c):
			j := i
			for j < len(t) && isLetter(t[j]) {
				j++
			}
			if j-i > 1 {
				words++
			}
			i = j - 1
		case c == ':' || c == '?':
			return false
		}
	}
	return digit && words <= 1
}

// phrases finds answers announced in words. Strong phrases contain "final
// answer"; weak ones are "the answer is" and "answer:".
func (s *scanner) phrases(out []candidate, strong bool) []candidate {
	r := s.resp
	for _, pat := range []string{"nswer", "NSWER"} {
		off := 0
		for !s.overflow {
			i := strings.Index(r[off:], pat)
			if i < 0 {
				break
			}
			at := off + i - 1 // the 'a' of "answer"
			off += i + len(pat)
			if at < 0 || (r[at] != 'a' && r[at] != 'A') {
				continue
			}
			if at > 0 && isLetter(r[at-1]) {
				continue // "unanswered"
			}
			isFinal := hasWordBefore(r, at, "final")
			if isFinal != strong {
				continue
			}
			j, ok, colon := afterAnnouncement(r, at+len("answer"), isFinal)
			if !ok {
				continue
			}
			// "Answer: X" anywhere; "answer is X" only as "the/my/correct
			// answer is", so "an answer is hard to find" is not one.
			if !isFinal && !colon && !hasWordBefore(r, at, "the") && !hasWordBefore(r, at, "correct") &&
				!hasWordBefore(r, at, "my") && !startsLine(r, at) {
				continue
			}
			// A capture never runs into the next "answer" (it would be
			// rejected below anyway), which keeps the scan linear.
			limit := min(len(r), j+maxPhraseBytes+8)
			if nx := strings.Index(r[j:limit], pat); nx >= 0 {
				limit = j + nx
			}
			text, end := capturePhrase(r, j, limit)
			if text == "" || len(text) > maxPhraseBytes {
				continue
			}
			low := strings.ToLower(text)
			if strings.Contains(low, "answer") {
				continue // "Final Answer: The final answer is 5": the inner phrase counts
			}
			out = s.add(out, candidate{text: text, pos: at, end: end, source: exPhrase})
		}
	}
	sortCandidates(out)
	return out
}

// hasWordBefore reports whether word (case-insensitive) ends just before
// position at, separated by spaces or Markdown emphasis.
func hasWordBefore(s string, at int, word string) bool {
	j := at
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '*' || s[j-1] == '_') {
		j--
	}
	if j == at || j < len(word) {
		return false
	}
	if !strings.EqualFold(s[j-len(word):j], word) {
		return false
	}
	return j-len(word) == 0 || !isLetter(s[j-len(word)-1])
}

// startsLine reports whether position at begins a line (after Markdown).
func startsLine(s string, at int) bool {
	j := at
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '*' || s[j-1] == '#' || s[j-1] == '_' || s[j-1] == '>') {
		j--
	}
	return j == 0 || s[j-1] == '\n'
}

// afterAnnouncement skips "s", " is", ":", "**", " would be" and the like
// after the word "answer"; ok is false when no announcement follows. After
// "final answer" a line break then display math also announces the answer.
func afterAnnouncement(s string, j int, final bool) (int, bool, bool) {
	if j < len(s) && (s[j] == 's' || s[j] == 'S') {
		return 0, false, false // "answers": plural, not a final answer
	}
	announced, colon := false, false
	for k := 0; k < 8 && j < len(s); k++ {
		switch {
		case s[j] == '*' || s[j] == '_' || s[j] == ' ' || s[j] == '\t':
			j++
		case s[j] == ':':
			announced, colon = true, true
			j++
		case hasPrefixFold(s[j:], "is") && (j+2 == len(s) || !isLetter(s[j+2])):
			announced = true
			j += 2
		case hasPrefixFold(s[j:], "would be"):
			announced = true
			j += len("would be")
		case hasPrefixFold(s[j:], "will be"):
			announced = true
			j += len("will be")
		default:
			k = 8
		}
	}
	if !announced {
		// A "**Final Answer**" heading followed by display math.
		k := j
		for k < len(s) && (s[k] == '\n' || s[k] == '\r' || s[k] == ' ') {
			k++
		}
		if !final || k == j || !strings.Contains(s[j:k], "\n") || !(strings.HasPrefix(s[k:], "$") || strings.HasPrefix(s[k:], `\[`) || strings.HasPrefix(s[k:], `\(`)) {
			return 0, false, false
		}
		return k, true, false
	}
	// The answer may start on the next line: "Final Answer:\n\n$$ 5 $$".
	for j < len(s) && (s[j] == '\n' || s[j] == '\r' || s[j] == ' ') {
		j++
	}
	return j, true, colon
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// capturePhrase reads the announced answer at j, within s[:limit]: a math
// span ($...$, $$...$$, \(...\), \[...\]) or the rest of the sentence. An
// answer cut off by the limit is no answer.
func capturePhrase(s string, j, limit int) (string, int) {
	text, end, ok := captureSentence(s, j, limit)
	for _, d := range [][2]string{{"$$", "$$"}, {"$", "$"}, {`\[`, `\]`}, {`\(`, `\)`}} {
		if !strings.HasPrefix(s[j:limit], d[0]) {
			continue
		}
		stop := limit
		if d[0] == "$" {
			// Inline math closes on its line; a lone $ is currency ("$18").
			if nl := strings.IndexByte(s[j:limit], '\n'); nl >= 0 {
				stop = j + nl
			}
		}
		k := strings.Index(s[j+len(d[0]):stop], d[1])
		if k < 0 {
			if d[0] == "$" {
				break
			}
			return "", j
		}
		mEnd := j + len(d[0]) + k + len(d[1])
		// "$3$ or $4$", "$1$, $2$": the sentence goes on with more values,
		// so the answer is the sentence; otherwise it is the math span.
		if ok && mEnd < end && continuesWithValues(s[mEnd:end]) {
			return text, end
		}
		return s[j+len(d[0]) : mEnd-len(d[1])], mEnd
	}
	if !ok {
		return "", j
	}
	return text, end
}

// continuesWithValues reports text after a math span that adds values:
// "or ...", "and ...", "to ...", ", ...", "\pm ...".
func continuesWithValues(t string) bool {
	t = strings.TrimLeft(t, " ")
	for _, p := range []string{"or ", "and ", "to ", ",", `\pm`, "\u00b1", "/"} {
		if strings.HasPrefix(t, p) {
			return strings.ContainsAny(t, "0123456789$")
		}
	}
	return false
}

// captureSentence reads the rest of the sentence at j: up to a line break,
// a full stop that is not a decimal point, or a comma followed by prose.
// ok is false when the limit cuts it off.
func captureSentence(s string, j, limit int) (string, int, bool) {
	end := j
	for end < limit {
		c := s[end]
		if c == '\n' {
			break
		}
		if c == ',' && end+2 < len(s) && s[end+1] == ' ' && startsProse(s[end+2:]) {
			break // "5, which is ...", "5, not 6": the answer ends at the comma
		}
		if c == '.' && (end+1 == len(s) || s[end+1] == ' ' || s[end+1] == '\n' || s[end+1] == '*') {
			if !(end > j && isDigit(s[end-1]) && end+1 < len(s) && isDigit(s[end+1])) {
				break
			}
		}
		end++
	}
	if end == limit && limit < len(s) {
		return "", j, false
	}
	t := strings.TrimSpace(s[j:end])
	t = strings.Trim(t, "*_ ")
	return t, end, true
}

// startsProse reports a lowercase word of two or more letters other than
// "and" and "or", which continue a list ("1, 2, and 3").
func startsProse(s string) bool {
	k := 0
	for k < len(s) && s[k] >= 'a' && s[k] <= 'z' {
		k++
	}
	if k < 2 || (k < len(s) && isLetter(s[k])) {
		return false
	}
	w := s[:k]
	return w != "and" && w != "or"
}

// lastNumber finds the last number in the response (outside code blocks):
// "-3", "1,000", "2.5", "3/4", "$18". ok is false for a hedge such as
// "3 or 4" in the final sentence.
func (s *scanner) lastNumber() (candidate, bool, bool) {
	r := s.resp
	end := len(r)
	i := end - 1
	for i >= 0 {
		if end-i > 4096 {
			return candidate{}, false, false
		}
		if f := s.fenceAt(i); f >= 0 {
			i = f - 1 // numbers in code blocks are not answers
			end = f
			continue
		}
		if isDigit(r[i]) {
			break
		}
		i--
	}
	if i < 0 {
		return candidate{}, false, false
	}
	stop := i + 1
	j := i
scan:
	for j > 0 {
		switch {
		case isDigit(r[j-1]) || r[j-1] == '.' || r[j-1] == '/' || (r[j-1] == ',' && j >= 2 && isDigit(r[j-2])):
			j--
		case j >= 3 && r[j-2:j] == `\,` && isDigit(r[j-3]) && groupOfThree(r, j):
			j -= 2 // 1\,500
		case j >= 4 && r[j-3:j] == "{,}" && isDigit(r[j-4]) && groupOfThree(r, j):
			j -= 3 // 1{,}500
		default:
			break scan
		}
		if stop-j > maxNumberBytes {
			return candidate{}, false, false
		}
	}
	for j < stop && !isDigit(r[j]) {
		j++
	}
	// "2 3/4 cups": a whole number before a fraction makes a mixed number.
	if k := j - 1; strings.IndexByte(r[j:stop], '/') > 0 && k > 0 && r[k] == ' ' && isDigit(r[k-1]) {
		for k > 0 && isDigit(r[k-1]) && j-k < maxNumberBytes {
			k--
		}
		j = k
	}
	if j > 0 && r[j-1] == '-' {
		j--
	}
	c := candidate{text: r[j:stop], pos: j, end: stop, source: exLastNumber}
	if after := numberSuffix(r[stop:]); after > 0 {
		// "20%", "7 million", "5 squared": what follows changes the value.
		c.end = stop + after
		c.text = r[j:c.end]
	}
	lineStart := strings.LastIndexByte(r[:j], '\n') + 1
	if m, ok := enclosingMath(r, lineStart, j, stop); ok {
		// The number ends a formula such as $\frac{1}{6}$: the answer is
		// the formula, not its last digit; a formula too long to be an
		// answer is not one.
		if len(m) > maxAnswerBytes {
			return candidate{}, false, false
		}
		c.text = m
	}
	if !s.keep(c) {
		return candidate{}, false, false
	}
	// Hedge: "... is 3 or 4" in the same line.
	line := strings.ToLower(r[lineStart:j])
	trimmed := strings.TrimRight(line, " $*")
	if strings.HasSuffix(trimmed, ",") {
		// "Possible answers: 41, 42, 43": a list of numbers, not one answer.
		rest := strings.TrimRight(trimmed[:len(trimmed)-1], " $*%")
		if rest != "" && isDigit(rest[len(rest)-1]) {
			return c, true, true
		}
	}
	for _, w := range []string{" or", " to", " and"} {
		if !strings.HasSuffix(trimmed, w) {
			continue
		}
		rest := strings.TrimRight(trimmed[:len(trimmed)-len(w)], " $*%")
		if rest != "" && isDigit(rest[len(rest)-1]) && (w != " and" || strings.Contains(line, "between")) {
			return c, true, true
		}
	}
	return c, true, false
}

func isVulgarFraction(r rune) bool { return (r >= '¼' && r <= '¾') || (r >= '⅐' && r <= '⅞') }

// groupOfThree reports exactly three digits at r[j:], as after a
// thousands separator.
func groupOfThree(r string, j int) bool {
	return j+3 <= len(r) && isDigit(r[j]) && isDigit(r[j+1]) && isDigit(r[j+2]) && (j+3 == len(r) || !isDigit(r[j+3]))
}

// Math delimiters: $, but not the escaped dollar sign \$.
func isDollar(s string, i int) bool { return s[i] == '$' && (i == 0 || s[i-1] != '\\') }

func countDollars(s string) int {
	n := 0
	for i := range len(s) {
		if isDollar(s, i) {
			n++
		}
	}
	return n
}

func lastDollar(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if isDollar(s, i) {
			return i
		}
	}
	return -1
}

func firstDollar(s string) int {
	for i := range len(s) {
		if isDollar(s, i) {
			return i
		}
	}
	return -1
}

// numberSuffix returns the length of what, after a number, belongs to its
// value: a per cent sign, a superscript or vulgar fraction, or a scale or
// operator word ("million", "hundredths"); 0 when there is none.
func numberSuffix(rest string) int {
	if strings.HasPrefix(rest, "%") {
		return 1
	}
	// 5² is 25 and 2½ is 5/2: the run of superscripts or the fraction
	// belongs to the number.
	n := 0
	for n < len(rest) {
		r, size := utf8.DecodeRuneInString(rest[n:])
		if m, _ := scriptRune(r); m != 1 && !isVulgarFraction(r) {
			break
		}
		n += size
	}
	if n > 0 {
		return n
	}
	if strings.HasPrefix(rest, `\%`) {
		return 2
	}
	i := 0
	for i < len(rest) && rest[i] == ' ' {
		i++
	}
	k := i
	for k < len(rest) && k-i < 16 && isLetter(rest[k]) {
		k++
	}
	// "4 hundred-dollar bills" counts bills: a hyphen makes the word an
	// adjective.
	if k > i && (k == len(rest) || (!isLetter(rest[k]) && rest[k] != '-')) && changesValue(rest[i:k]) {
		return k
	}
	return 0
}

// changesValue reports the words that, right after a number, change the
// value it stands for ("7 million", "3 tenths", "5 factorial"); "10 more
// apples" and "7 quarters" keep their number.
func changesValue(w string) bool {
	w = strings.ToLower(w)
	if _, ok := scaleFactors[w]; ok {
		return true
	}
	switch w {
	case "factorial", "percent", "halves", "thirds", "fourths", "fifths", "sixths",
		"sevenths", "eighths", "ninths", "tenths", "hundredths", "thousandths":
		return true
	}
	return false
}

// enclosingMath returns the inline math span ($...$ or \(...\)) of the
// line starting at lineStart that contains [j, stop), if there is one.
func enclosingMath(r string, lineStart, j, stop int) (string, bool) {
	lineEnd := strings.IndexByte(r[stop:], '\n')
	if lineEnd < 0 {
		lineEnd = len(r)
	} else {
		lineEnd += stop
	}
	if open := strings.LastIndex(r[lineStart:j], `\(`); open >= 0 {
		if cl := strings.Index(r[stop:lineEnd], `\)`); cl >= 0 {
			return r[lineStart+open+2 : stop+cl], true
		}
	}
	if countDollars(r[lineStart:j])%2 == 1 {
		open := lastDollar(r[lineStart:j])
		if cl := firstDollar(r[stop:lineEnd]); cl >= 0 && open >= 0 {
			return r[lineStart+open+1 : stop+cl], true
		}
	}
	return "", false
}

// regexCandidates returns group 1 of every match of re outside code blocks.
func (s *scanner) regexCandidates(re *regexp.Regexp) []candidate {
	var out []candidate
	for _, m := range re.FindAllStringSubmatchIndex(s.resp, maxCandidates) {
		if m[2] < 0 {
			continue
		}
		out = s.add(out, candidate{text: s.resp[m[2]:m[3]], pos: m[0], end: m[1], source: exRegex})
	}
	return out
}

// sortCandidates orders candidates by position (insertion sort: few items).
func sortCandidates(cs []candidate) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].pos < cs[j-1].pos; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// dropPhrasesAroundBoxes removes phrase candidates whose text contains a
// box that is itself a candidate ("The final answer is $\boxed{5}$"): the
// same answer need not be parsed twice.
func dropPhrasesAroundBoxes(cs []candidate) []candidate {
	out := make([]candidate, 0, len(cs))
	for _, c := range cs {
		if c.source == exPhrase && containsBox(cs, c) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func containsBox(cs []candidate, p candidate) bool {
	for _, b := range cs {
		if b.source == exBoxed && b.pos >= p.pos && b.end <= p.end {
			return true
		}
	}
	return false
}

// extract collects the answers of one response with the given extractor.
// hedge is set when the last-number fallback saw "3 or 4".
func (s *scanner) extract(mode string, re *regexp.Regexp, allowLastNumber bool) (cands []candidate, hedge bool) {
	switch mode {
	case exBoxed:
		return s.boxed(nil), false
	case exAnswerTag:
		return s.answerTags(nil), false
	case exGSM8K:
		return s.gsm8k(nil), false
	case exPhrase:
		c := s.phrases(nil, true)
		if len(c) == 0 {
			c = s.phrases(nil, false)
		}
		return c, false
	case exLastNumber:
		c, ok, h := s.lastNumber()
		if !ok {
			return nil, false
		}
		return []candidate{c}, h
	case exFull:
		t := strings.TrimSpace(s.resp)
		if t == "" || len(t) > maxAnswerBytes {
			return nil, false
		}
		return []candidate{{text: t, pos: 0, end: len(s.resp), source: exFull}}, false
	case exRegex:
		return s.regexCandidates(re), false
	}
	// auto: every explicit marker must agree; weaker ones only count when
	// there is no explicit marker.
	cands = s.boxed(nil)
	cands = s.answerTags(cands)
	cands = s.gsm8k(cands)
	boxes := len(cands)
	cands = s.phrases(cands, true)
	if boxes > 0 && len(cands) > boxes {
		cands = dropPhrasesAroundBoxes(cands)
	}
	if len(cands) > 0 {
		return cands, false
	}
	if cands = s.phrases(nil, false); len(cands) > 0 {
		return cands, false
	}
	if allowLastNumber && !s.badBox {
		c, ok, h := s.lastNumber()
		if ok {
			return []candidate{c}, h
		}
	}
	return nil, false
}
