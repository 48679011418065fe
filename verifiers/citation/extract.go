package citation

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of extraction: a model's answer is untrusted text.
const (
	// MaxResponseBytes bounds the answer scanned for citations.
	MaxResponseBytes = 1 << 20
	// MaxCitations bounds the citations scored in one answer; the rest are
	// ignored and reported.
	MaxCitations = 200
	// maxLinkText bounds the text of a markdown link.
	maxLinkText = 1000
	// maxQuoteBytes bounds a quoted passage.
	maxQuoteBytes = 4000
	// maxMarkerRange bounds a numbered range such as [1-5].
	maxMarkerRange = 20
	// maxClaimBytes bounds the claim text kept from one sentence.
	maxClaimBytes = 4096
	// maxQuotesPerCitation bounds the quoted passages checked per citation.
	maxQuotesPerCitation = 16
)

// Kinds of citation, by how the answer wrote it.
const (
	kindLink     = "link"     // [text](url) or <url>
	kindFootnote = "footnote" // [^label] with a [^label]: definition
	kindNumbered = "numbered" // [1] with a sources list
	kindRefLink  = "reference"
	kindBare     = "bare"   // a bare URL in running text
	kindSource   = "source" // an entry of a sources list no marker refers to
)

// Citation is one citation found in an answer, in order of appearance.
type Citation struct {
	// URL is the URL as written ("" when a marker has no definition).
	URL string
	// Kind says how the citation was written (see the kind constants).
	Kind string
	// Marker is the label of a footnote or numbered citation ("1", "^a").
	Marker string
	// Sentence is the index of the sentence the citation is tied to, -1 for
	// a sources-list entry no sentence refers to.
	Sentence int
	// Claim is the sentence's text with citations and attached quotes
	// removed: what the citation is offered as evidence for.
	Claim string
	// Quotes are the quoted passages attached to this citation.
	Quotes []string
	// Start is the byte offset of the citation in the answer (after any
	// invalid UTF-8 is replaced by U+FFFD).
	Start int
}

// definition is a footnote, reference-link or numbered-source definition.
type definition struct {
	url   string
	start int
	used  bool
}

type span struct {
	start, end int
	cites      []Citation // citations the span makes (several for [1,2])
	keepText   string     // text the span leaves in the claim (a link's text)
	marker     bool       // a marker that may trail a sentence's full stop
}

var (
	footnoteDefRE = regexp.MustCompile(`^ {0,3}\[\^([^\]\s]{1,64})\]:[ \t]*(.*)$`)
	refDefRE      = regexp.MustCompile(`^ {0,3}\[([^\]^][^\]]{0,63})\]:[ \t]*<?([^\s>]+)>?(.*)$`)
	listDefRE     = regexp.MustCompile(`^\s*(\d{1,4})[.)][ \t]+(.*)$`)
	headingRE     = regexp.MustCompile(`(?i)^\s{0,3}(?:#{1,6}[ \t]*)?(?:\*\*|__)?(sources|references|citations|bibliography|works cited|links|further reading|notes|footnotes)(?:\*\*|__)?[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*$`)
	anyHeadingRE  = regexp.MustCompile(`^\s{0,3}#{1,6}\s`)
)

// Extraction is the result of Extract: the citations in order of appearance.
type Extraction struct {
	Citations []Citation
	Truncated bool // more than MaxCitations were found
}

// Extract finds the citations of an answer. It is linear in the length of
// the answer: lines are classified once, and spans are found in one
// left-to-right pass whose look-aheads never overlap.
// blankComments replaces each <!-- ... --> (an unclosed one runs to the
// end) with spaces, keeping every offset and line break.
func blankComments(s string) string {
	i := strings.Index(s, "<!--")
	if i < 0 {
		return s
	}
	b := []byte(s)
	for i >= 0 {
		end := strings.Index(s[i+4:], "-->")
		stop := len(s)
		if end >= 0 {
			stop = i + 4 + end + 3
		}
		for k := i; k < stop; k++ {
			if b[k] != '\n' {
				b[k] = ' '
			}
		}
		if end < 0 {
			break
		}
		if j := strings.Index(s[stop:], "<!--"); j >= 0 {
			i = stop + j
		} else {
			i = -1
		}
	}
	return string(b)
}

func Extract(text string) Extraction {
	if len(text) > MaxResponseBytes {
		text = text[:MaxResponseBytes]
	}
	text = strings.ToValidUTF8(text, "\uFFFD")
	// An HTML comment is not rendered: a citation hidden in one is no
	// citation, and its text no claim.
	text = blankComments(text)
	body := []byte(text)
	foot := map[string]*definition{}
	refs := map[string]*definition{}
	nums := map[string]*definition{}
	var sourceLines []Citation // unnumbered entries of a sources section

	// Pass 1: definition lines, blanked out of the body so they are not
	// read as sentences.
	inSources := false
	var markers map[string]bool // numbers used as [n] markers, computed on demand
	inFence := false            // inside a fenced code block
	for off := 0; off < len(text); {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text) - off
		}
		line := text[off : off+end]
		// Cheap tests of the first character keep the regular
		// expressions off lines that cannot match them.
		trimmed := strings.TrimLeft(line, " \t")
		first := byte(0)
		if trimmed != "" {
			first = trimmed[0]
		}
		// "[1] ..." or "- [1] ...": a bracket then a digit.
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			inFence = !inFence
		}
		if inFence || strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			// Code is not prose: URLs in it are not citations.
			for i := off; i < off+end; i++ {
				body[i] = ' '
			}
			off += end + 1
			continue
		}
		bracketed := false
		if b := strings.IndexByte(trimmed, '['); b >= 0 && b <= 2 && b+1 < len(trimmed) && isDigitByte(trimmed[b+1]) {
			bracketed = b == 0 || first == '-' || first == '*' || first == '+'
		}
		blank := true
		switch {
		case len(trimmed) <= 40 && first != 0 && first != '[' && headingRE.MatchString(line):
			inSources = true
		case first == '#' && anyHeadingRE.MatchString(line):
			inSources = false
			blank = false
		default:
			if first == '[' && len(trimmed) > 1 && trimmed[1] == '^' && footnoteDefRE.MatchString(line) {
				m := footnoteDefRE.FindStringSubmatch(line)
				addDef(foot, m[1], m[2], off)
			} else if label, rest, ok := numberedDef(trimmed, bracketed); ok && findURL(rest) != "" {
				addDef(nums, label, rest, off)
			} else if m := matchIf(first == '[' && strings.Contains(trimmed, "]:"), refDefRE, line); m != nil && isURLish(m[2]) {
				label := strings.ToLower(strings.TrimSpace(m[1]))
				addDef(refs, label, m[2]+m[3], off)
				if _, err := strconv.Atoi(label); err == nil {
					addDef(nums, label, m[2]+m[3], off)
				}
			} else if m := matchIf(first >= '0' && first <= '9', listDefRE, line); m != nil && findURL(m[2]) != "" &&
				(inSources || usedMarkers(text, &markers)[m[1]]) {
				// "1. url" defines source 1 in a sources section, or
				// anywhere once the answer uses the marker [1].
				addDef(nums, m[1], m[2], off)
			} else if inSources && findURL(line) != "" {
				sourceLines = append(sourceLines, Citation{URL: findURL(line), Kind: kindSource, Sentence: -1, Start: off})
			} else {
				blank = false
			}
		}
		if blank {
			for i := off; i < off+end; i++ {
				body[i] = ' '
			}
		}
		off += end + 1
	}

	// Pass 2: spans in the body.
	bodyS := string(body) // converted once: every later step reads it
	spans := findSpans(bodyS, foot, refs, nums)
	quotes := findQuotes(bodyS, spans)
	sents := splitSentences(bodyS, spans, quotes)

	// Tie citations and quotes to sentences; spans, quotes and sentences
	// are all sorted, so one merge pass does it.
	var out []Citation
	qi, spi := 0, 0
	var pending []quote // blockquotes waiting for the attribution that follows them
	for s, sent := range sents {
		var inSent []int // indexes into spans
		for spi < len(spans) && spans[spi].start < sent.end {
			if spans[spi].start >= sent.start && len(spans[spi].cites) > 0 {
				inSent = append(inSent, spi)
			}
			spi++
		}
		// Claims: the sentence with spans replaced and quotes removed.
		var sentQuotes []quote
		for qi < len(quotes) && quotes[qi].start < sent.end {
			if quotes[qi].start >= sent.start {
				sentQuotes = append(sentQuotes, quotes[qi])
			}
			qi++
		}
		claim := claimText(bodyS, sent, spans, sentQuotes)
		if len(inSent) == 0 {
			// A blockquote with no citation of its own is attributed by
			// the citation that follows it ("> passage" then "— [src](url)").
			quoted := false
			for _, q := range sentQuotes {
				if body[q.start] == '>' {
					pending = append(pending, q)
					quoted = true
				}
			}
			if !quoted {
				pending = nil
			}
			continue
		}
		if len(pending) > 0 && len(sentQuotes) == 0 {
			sentQuotes, pending = pending, nil
		}
		pending = nil
		// Attach each quote to the first citation after it in the
		// sentence, else the last one before it.
		attached := make([][]string, len(inSent))
		for _, q := range sentQuotes {
			target := -1
			for k, si := range inSent {
				if spans[si].start >= q.end {
					target = k
					break
				}
			}
			if target < 0 && len(inSent) > 0 {
				target = len(inSent) - 1
			}
			if target >= 0 && len(attached[target]) < maxQuotesPerCitation {
				attached[target] = append(attached[target], q.text)
			}
		}
		for k, si := range inSent {
			for _, c := range spans[si].cites {
				c.Sentence = s
				c.Claim = claim
				c.Quotes = append(append([]string(nil), c.Quotes...), attached[k]...)
				if len(c.Quotes) > maxQuotesPerCitation {
					c.Quotes = c.Quotes[:maxQuotesPerCitation]
				}
				out = append(out, c)
			}
		}
	}
	// Definitions no marker used are citations without a claim.
	var extra []Citation
	for _, set := range []struct {
		defs map[string]*definition
		kind string
	}{{foot, kindFootnote}, {nums, kindNumbered}} {
		for _, l := range sortedKeys(set.defs) {
			d := set.defs[l]
			if d.used || set.kind == kindNumbered && refs[l] != nil && refs[l].used {
				continue // used, or a "[1]: url" definition used as a reference link
			}
			extra = append(extra, Citation{URL: d.url, Kind: kindSource, Marker: markerOf(set.kind, l), Sentence: -1, Start: d.start})
		}
	}
	extra = append(extra, sourceLines...)
	sort.SliceStable(extra, func(i, j int) bool { return extra[i].Start < extra[j].Start })
	out = append(out, extra...)
	res := Extraction{Citations: out}
	if len(out) > MaxCitations {
		res.Citations, res.Truncated = out[:MaxCitations], true
	}
	return res
}

// usedMarkers returns the numbers the text uses in markers such as [1]
// or [2, 4-5], computing them once (one linear scan) into *cache.
func usedMarkers(text string, cache *map[string]bool) map[string]bool {
	if *cache != nil {
		return *cache
	}
	m := map[string]bool{}
	for i := 0; i < len(text); i++ {
		if text[i] != '[' {
			continue
		}
		end := strings.IndexByte(text[i+1:min(len(text), i+102)], ']')
		if end < 0 || !isMarkerList(text[i+1:i+1+end]) {
			continue
		}
		for _, n := range markerNumbers(text[i+1 : i+1+end]) {
			m[strconv.Itoa(n)] = true
		}
		i += end
	}
	*cache = m
	return m
}

// numberedDef parses a numbered source line, "[12] rest" or "- [12]: rest"
// (after a list bullet; a ":", ".", ")" or dash may follow the bracket).
func numberedDef(trimmed string, pre bool) (label, rest string, ok bool) {
	if !pre {
		return "", "", false
	}
	s := trimmed
	if s[0] == '-' || s[0] == '*' || s[0] == '+' {
		s = strings.TrimLeft(s[1:], " \t")
	}
	if len(s) < 3 || s[0] != '[' {
		return "", "", false
	}
	end := strings.IndexByte(s, ']')
	if end < 2 || end > 5 {
		return "", "", false
	}
	for i := 1; i < end; i++ {
		if !isDigitByte(s[i]) {
			return "", "", false
		}
	}
	label, s = s[1:end], strings.TrimLeft(s[end+1:], " \t")
	for _, p := range []string{":", ".", ")", "-", "–", "—"} {
		if strings.HasPrefix(s, p) {
			s = s[len(p):]
			break
		}
	}
	return label, strings.TrimLeft(s, " \t"), true
}

// matchIf runs re on line only when a cheap pre-test passed.
func matchIf(pre bool, re *regexp.Regexp, line string) []string {
	if !pre {
		return nil
	}
	return re.FindStringSubmatch(line)
}

func markerOf(kind, label string) string {
	if kind == kindFootnote {
		return "^" + label
	}
	return label
}

func sortedKeys(m map[string]*definition) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// addDef records a definition; the first definition of a label wins, as in
// CommonMark.
func addDef(defs map[string]*definition, label, rest string, off int) {
	if _, ok := defs[label]; ok {
		return
	}
	// Quoted text in a definition is almost always the page's title
	// ("[1] "Title", Site, url"), not a passage, so it is not checked.
	defs[label] = &definition{url: findURL(rest), start: off}
}

// isURLish reports whether s starts like a web URL.
func isURLish(s string) bool {
	return hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") || hasPrefixFold(s, "www.")
}

// indexURL returns the start of the first web URL in s that begins at a
// word boundary, or -1.
func indexURL(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if (c == 'h' || c == 'w') && (i == 0 || !isLetterByte(s[i-1]) && !isDigitByte(s[i-1])) && isURLish(s[i:]) {
			return i
		}
	}
	return -1
}

// findURL returns the first URL in s: a markdown link's target, an
// autolink, or a bare URL.
func findURL(s string) string {
	if i := strings.Index(s, "]("); i >= 0 {
		if u, _, ok := linkTarget(s, i+2); ok {
			return u
		}
	}
	i := indexURL(s)
	if i < 0 {
		return ""
	}
	u, _ := bareURL(s, i)
	return u
}

// bareURL reads a URL starting at i and trims what is most likely the
// sentence's punctuation: trailing .,;:!?'"*_ and closing brackets that do
// not close a bracket opened inside the URL.
func bareURL(s string, i int) (string, int) {
	j := i
	for j < len(s) {
		if c := s[j]; c < utf8.RuneSelf {
			// ASCII: stop at white space and the characters that end a
			// URL in prose.
			if c <= ' ' || c == '<' || c == '>' || c == '"' || c == '`' || c == '|' || j-i >= 4096 {
				break
			}
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if unicode.IsSpace(r) || r == '<' || r == '>' || r == '"' || r == '`' || r == '|' ||
			r >= 0x80 && (unicode.IsPunct(r) || unicode.IsSymbol(r)) || j-i >= 4096 {
			break
		}
		j += size
	}
	// Count brackets once, then trim: each trimmed closer updates the
	// counts, so trimming is linear in the URL.
	var opens, closes [3]int
	const closers = ")]}"
	for k := i; k < j; k++ {
		switch s[k] {
		case '(':
			opens[0]++
		case '[':
			opens[1]++
		case '{':
			opens[2]++
		case ')':
			closes[0]++
		case ']':
			closes[1]++
		case '}':
			closes[2]++
		}
	}
	for j > i {
		c := s[j-1]
		if strings.IndexByte(".,;:!?'\"*_~", c) >= 0 {
			j--
			continue
		}
		if b := strings.IndexByte(closers, c); b >= 0 && opens[b] < closes[b] {
			closes[b]--
			j--
			continue
		}
		break
	}
	return s[i:j], j
}

// linkTarget reads "url)" or "url "title")" at i, allowing balanced
// parentheses in the URL, and returns the URL and the index after ")".
func linkTarget(s string, i int) (string, int, bool) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	angle := i < len(s) && s[i] == '<'
	if angle {
		i++
	}
	start, depth, ipv6 := i, 0, false
	for ; i < len(s) && i-start < 4096; i++ {
		c := s[i]
		if angle {
			if c == '>' {
				break
			}
			if c == '\n' || c == '<' {
				return "", 0, false
			}
			continue
		}
		if c == '(' {
			depth++
		} else if c == ')' {
			if depth == 0 {
				break
			}
			depth--
		} else if c == '[' && i > start && s[i-1] == '/' && !ipv6 {
			ipv6 = true // an IPv6 host after "//"
		} else if c == ']' && ipv6 {
			ipv6 = false
		} else if c == ' ' || c == '\t' || c == '\n' || c == '<' || c == '[' || c == ']' {
			// Other brackets end a link target, so a run of "[a](" cannot
			// make every start rescan.
			break
		}
	}
	u := s[start:i]
	if angle {
		i++
	}
	// optional title, then ")"
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		q := s[i]
		j := strings.IndexByte(s[i+1:], q)
		if j < 0 || j > maxLinkText {
			return "", 0, false
		}
		i += j + 2
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	if i >= len(s) || s[i] != ')' || u == "" {
		return "", 0, false
	}
	return u, i + 1, true
}

// findSpans finds the citations written in the body, left to right.
func findSpans(body string, foot, refs, nums map[string]*definition) []span {
	var spans []span
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == '[':
			if sp, ok := bracketSpan(body, i, foot, refs, nums); ok {
				spans = append(spans, sp)
				i = sp.end
				continue
			}
		case c == '`':
			// Inline code is not prose; skip to its closing backtick on
			// the same line (scans never overlap).
			if j := strings.IndexAny(body[i+1:], "`\n"); j >= 0 && body[i+1+j] == '`' {
				i += j + 2
				continue
			}
		case c == '<' && i+1 < len(body) && (body[i+1] == 'h' || body[i+1] == 'H'):
			if j := strings.IndexAny(body[i+1:min(len(body), i+4096)], "> \t\n<") + 1; j > 0 && body[i+j] == '>' {
				u := body[i+1 : i+j]
				if isURLish(u) && !strings.ContainsAny(u, " \t\n<") {
					spans = append(spans, span{start: i, end: i + j + 1, cites: []Citation{{URL: u, Kind: kindLink, Start: i}}})
					i += j + 1
					continue
				}
			}
		case c == 'h' || c == 'H' || c == 'w' || c == 'W':
			if i > 0 && isWordByte(body[i-1]) {
				break
			}
			rest := body[i:min(len(body), i+8)]
			if hasPrefixFold(rest, "http://") || hasPrefixFold(rest, "https://") || hasPrefixFold(rest, "www.") {
				u, j := bareURL(body, i)
				if len(u) > len("https://") || hasPrefixFold(u, "www.") && len(u) > 5 {
					spans = append(spans, span{start: i, end: j, cites: []Citation{{URL: u, Kind: kindBare, Start: i}}})
					i = j
					continue
				}
			}
		}
		i++
	}
	return spans
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || c == '/' || c == '.'
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// closingBracket returns the "]" closing the "[" at i when no other bracket
// comes between them and the text is at most maxLinkText long. The scan
// stops at the next bracket, so scans from successive "[" never overlap
// and findSpans stays linear.
func closingBracket(body string, i int) (int, bool) {
	j := strings.IndexAny(body[i+1:min(len(body), i+2+maxLinkText)], "[]")
	if j < 0 || body[i+1+j] != ']' {
		return 0, false
	}
	return i + 1 + j, true
}

// bracketSpan reads what starts with "[" at i: a footnote reference, an
// inline or reference link, or numbered markers. Images are not citations.
func bracketSpan(body string, i int, foot, refs, nums map[string]*definition) (span, bool) {
	close, ok := closingBracket(body, i)
	if !ok {
		return span{}, false
	}
	inner := body[i+1 : close]
	after := close + 1
	if i > 0 && body[i-1] == '!' {
		// An image cites nothing; skip it whole so its URL is not read
		// as a bare URL.
		if after < len(body) && body[after] == '(' {
			if _, end, ok := linkTarget(body, after+1); ok {
				return span{start: i, end: end}, true
			}
		}
		return span{}, false
	}
	if strings.HasPrefix(inner, "^") && len(inner) > 1 && !strings.ContainsAny(inner, " \t\n") {
		label := inner[1:]
		d := foot[label]
		if d == nil {
			// A footnote reference without its definition cites nothing
			// real: a citation with no URL.
			return span{start: i, end: after, marker: true, cites: []Citation{{Kind: kindFootnote, Marker: "^" + label, Start: i}}}, true
		}
		d.used = true
		return span{start: i, end: after, marker: true, cites: []Citation{{URL: d.url, Kind: kindFootnote, Marker: "^" + label, Start: i}}}, true
	}
	if after < len(body) && body[after] == '(' {
		if u, end, ok := linkTarget(body, after+1); ok {
			if isURLish(u) || strings.Contains(u, "://") {
				return span{start: i, end: end, keepText: inner, cites: []Citation{{URL: u, Kind: kindLink, Start: i}}}, true
			}
			return span{start: i, end: end, keepText: inner}, true // a relative link cites nothing
		}
	}
	if after < len(body) && body[after] == '[' {
		if c2, ok := closingBracket(body, after); ok && c2-after <= 64 {
			label := strings.ToLower(strings.TrimSpace(body[after+1 : c2]))
			if label == "" {
				label = strings.ToLower(strings.TrimSpace(inner))
			}
			if d := refs[label]; d != nil {
				if _, err := strconv.Atoi(label); err != nil || !isMarkerList(inner) {
					d.used = true
					return span{start: i, end: c2 + 1, keepText: inner, cites: []Citation{{URL: d.url, Kind: kindRefLink, Marker: label, Start: i}}}, true
				}
			}
		}
	}
	if len(nums) > 0 && isMarkerList(inner) {
		var cites []Citation
		for _, n := range markerNumbers(inner) {
			label := strconv.Itoa(n)
			c := Citation{Kind: kindNumbered, Marker: label, Start: i}
			if d := nums[label]; d != nil {
				d.used = true
				c.URL = d.url
				if r := refs[label]; r != nil {
					r.used = true
				}
			}
			cites = append(cites, c)
		}
		return span{start: i, end: after, marker: true, cites: cites}, true
	}
	if d := refs[strings.ToLower(strings.TrimSpace(inner))]; d != nil && !(after < len(body) && body[after] == ':') {
		// A shortcut reference link [label].
		d.used = true
		return span{start: i, end: after, keepText: inner, cites: []Citation{{URL: d.url, Kind: kindRefLink, Marker: strings.ToLower(strings.TrimSpace(inner)), Start: i}}}, true
	}
	return span{}, false
}

// isMarkerList reports whether s is a marker list such as "1", "1, 3" or
// "2-4": numbers of up to 4 digits joined by commas and dashes.
func isMarkerList(s string) bool {
	if len(s) > 100 {
		return false
	}
	s = strings.ReplaceAll(s, "–", "-")
	expect, inNum, after, n := true, false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			switch {
			case inNum && n < 4:
				n++
			case expect:
				inNum, expect, n = true, false, 1
			default:
				return false
			}
		case c == ',' || c == '-':
			if !inNum && !after {
				return false
			}
			expect, inNum, after = true, false, false
		case c == ' ' || c == '\t':
			if inNum {
				inNum, after = false, true
			}
		default:
			return false
		}
	}
	return inNum || after
}

// markerNumbers expands "1, 3-5" into 1 3 4 5; ranges longer than
// maxMarkerRange are cut.
func markerNumbers(s string) []int {
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		part = strings.ReplaceAll(part, "–", "-")
		if a, b, ok := strings.Cut(part, "-"); ok {
			lo, _ := strconv.Atoi(strings.TrimSpace(a))
			hi, _ := strconv.Atoi(strings.TrimSpace(b))
			for n := lo; n <= hi && n-lo < maxMarkerRange; n++ {
				out = append(out, n)
			}
			continue
		}
		n, _ := strconv.Atoi(part)
		out = append(out, n)
	}
	return out
}

type quote struct {
	start, end int // of the whole quoted region, quote marks included
	text       string
}

// minQuoteWords: a quoted phrase of fewer words ("so-called", a title) is
// part of the claim, not a passage the source must contain word for word.
const minQuoteWords = 3

// maxAnchorWords: link texts of up to this many words name the source
// rather than state the claim.
const maxAnchorWords = 3

// findQuotes finds quoted passages: text between matching quotation marks
// (straight or typographic, «guillemets», 「corner brackets」) within one
// paragraph, and blockquote lines. Quotes inside spans are ignored.
func findQuotes(body string, spans []span) []quote {
	var out []quote
	inSpan := func(i int) bool {
		k := sort.Search(len(spans), func(k int) bool { return spans[k].end > i })
		return k < len(spans) && spans[k].start <= i
	}
	type scan struct {
		end     int  // no closer before here (from the failed opener on)
		atBreak bool // the search stopped at a paragraph break
	}
	failed := map[rune]scan{}
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRuneInString(body[i:])
		if r == '>' && (i == 0 || body[i-1] == '\n') {
			// A blockquote line.
			end := strings.IndexByte(body[i:], '\n')
			if end < 0 {
				end = len(body) - i
			}
			text := strings.TrimSpace(strings.TrimLeft(body[i:i+end], "> "))
			if wordCount(text) >= minQuoteWords {
				out = append(out, quote{start: i, end: i + end, text: stripSpans(text)})
			}
			i += end
			continue
		}
		closer, ok := closerOf(r)
		if !ok || inSpan(i) {
			i += size
			continue
		}
		// Find the closer within the paragraph and the size limit. A
		// failed search is remembered per closer, so later openers resume
		// where it stopped instead of rescanning: linear overall.
		j := i + size
		if f, ok := failed[closer]; ok && j < f.end {
			if f.atBreak {
				i += size
				continue
			}
			j = f.end
		}
		found := -1
		for j < len(body) && j-i < maxQuoteBytes {
			r2, s2 := utf8.DecodeRuneInString(body[j:])
			if r2 == closer && !inSpan(j) {
				found = j
				break
			}
			if r2 == '\n' && j+1 < len(body) && body[j+1] == '\n' {
				failed[closer] = scan{end: j, atBreak: true}
				break
			}
			j += s2
		}
		if found < 0 {
			if f := failed[closer]; !f.atBreak || f.end != j {
				failed[closer] = scan{end: j}
			}
			i += size
			continue
		}
		_, cs := utf8.DecodeRuneInString(body[found:])
		text := body[i+size : found]
		if wordCount(text) >= minQuoteWords {
			out = append(out, quote{start: i, end: found + cs, text: strings.TrimSpace(text)})
		}
		i = found + cs
	}
	return out
}

// closerOf returns the quotation mark that closes r.
func closerOf(r rune) (rune, bool) {
	switch r {
	case '"':
		return '"', true
	case '“':
		return '”', true
	case '„':
		return '“', true
	case '«':
		return '»', true
	case '「':
		return '」', true
	case '『':
		return '』', true
	}
	return 0, false
}

// stripSpans removes citation markers such as [1] from a blockquote's text.
func stripSpans(s string) string {
	return strings.TrimSpace(markerInTextRE.ReplaceAllString(s, " "))
}

var markerInTextRE = regexp.MustCompile(`\[\^?[^\]\s]{1,10}\]|\(?https?://\S+`)

func wordCount(s string) int { return len(strings.Fields(s)) }

type sentence struct{ start, end int }

// splitSentences splits the body at sentence ends outside quotes and
// citations. Markers right after a full stop ("...in 2020.[1]") belong to
// the sentence they follow. Newlines end a sentence unless the line is
// hard-wrapped running text.
func splitSentences(body string, spans []span, quotes []quote) []sentence {
	var out []sentence
	spanAt := make(map[int]int, len(spans)) // start -> index
	for k, sp := range spans {
		spanAt[sp.start] = k
	}
	// i only grows, so the span and quote containing it are found with
	// pointers that only move forward.
	sk, qk := 0, 0
	masked := func(i int) (int, bool) { // end of a span or quote containing i
		for sk < len(spans) && spans[sk].end <= i {
			sk++
		}
		if sk < len(spans) && spans[sk].start <= i {
			return spans[sk].end, true
		}
		for qk < len(quotes) && quotes[qk].end <= i {
			qk++
		}
		if qk < len(quotes) && quotes[qk].start <= i && body[quotes[qk].start] != '>' {
			return quotes[qk].end, true
		}
		return 0, false
	}
	start := 0
	emit := func(end int) {
		if strings.TrimSpace(body[start:end]) != "" {
			out = append(out, sentence{start, end})
		}
		start = end
	}
	for i := 0; i < len(body); {
		// Jump to the next byte that can end a sentence; only there does
		// it matter whether we are inside a citation or a quote.
		n := indexSentenceByte(body[i:])
		if n < 0 {
			break
		}
		i += n
		if e, ok := masked(i); ok && e > i {
			i = e
			continue
		}
		c := body[i]
		switch {
		case c == '.' || c == '!' || c == '?':
			if c == '.' && (isAbbrev(body, i) || i+1 < len(body) && body[i+1] >= '0' && body[i+1] <= '9') {
				i++
				continue
			}
			j := i + 1
			for j < len(body) && strings.IndexByte(`.!?"')]*_`, body[j]) >= 0 {
				j++
			}
			for j < len(body) && strings.HasPrefix(body[j:], "”") {
				j += len("”")
			}
			// trailing markers
			for {
				k := j
				for k < len(body) && (body[k] == ' ' || body[k] == '\t') {
					k++
				}
				if si, ok := spanAt[k]; ok && spans[si].marker {
					j = spans[si].end
					continue
				}
				break
			}
			if j >= len(body) || body[j] == ' ' || body[j] == '\n' || body[j] == '\t' {
				emit(j)
			}
			i = j
		case c == '\n':
			if lineBreakEndsSentence(body, i) {
				emit(i + 1)
			}
			i++
		default:
			_, size := utf8.DecodeRuneInString(body[i:])
			if r, _ := utf8.DecodeRuneInString(body[i:]); r == '。' || r == '！' || r == '？' {
				emit(i + size)
			}
			i += size
		}
	}
	emit(len(body))
	return out
}

// indexSentenceByte returns the index of the first byte of s that may end
// a sentence: . ! ? newline, or the lead byte of a full-width terminator.
func indexSentenceByte(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.', '!', '?', '\n', 0xE3, 0xEF:
			return i
		}
	}
	return -1
}

// lineBreakEndsSentence: a newline continues the sentence only when the
// next line carries on in lower case (hard-wrapped prose).
func lineBreakEndsSentence(body string, i int) bool {
	next := body[i+1:]
	trimmed := strings.TrimLeft(next, " \t")
	if trimmed == "" || trimmed[0] == '\n' {
		return true
	}
	r, _ := utf8.DecodeRuneInString(trimmed)
	if !unicode.IsLower(r) {
		return true
	}
	// previous line is a heading or list item: the list item may still wrap
	ls := strings.LastIndexByte(body[:i], '\n') + 1
	return anyHeadingRE.MatchString(body[ls:i])
}

var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "etc": true, "vs": true, "dr": true, "mr": true, "mrs": true, "ms": true,
	"prof": true, "st": true, "jr": true, "sr": true, "inc": true, "ltd": true, "co": true, "no": true,
	"fig": true, "al": true, "approx": true, "u.s": true, "u.k": true, "jan": true, "feb": true,
	"mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true,
	"oct": true, "nov": true, "dec": true, "p": true, "pp": true, "vol": true, "ed": true, "cf": true,
}

// isAbbrev reports whether the full stop at i ends a common abbreviation or
// an initial ("J. Smith"), which does not end a sentence.
func isAbbrev(body string, i int) bool {
	j := i
	for j > 0 && i-j < 8 && (isLetterByte(body[j-1]) || body[j-1] == '.') {
		j--
	}
	w := strings.ToLower(body[j:i])
	if abbreviations[w] {
		return true
	}
	return len(w) == 1 && body[j] >= 'A' && body[j] <= 'Z'
}

func isLetterByte(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// claimText is a sentence with citations replaced by their link text (or
// nothing) and quoted passages removed.
func claimText(body string, sent sentence, spans []span, quotes []quote) string {
	var b strings.Builder
	i := sent.start
	k := sort.Search(len(spans), func(k int) bool { return spans[k].end > sent.start })
	q := 0
	for i < sent.end && b.Len() < maxClaimBytes {
		if k < len(spans) && spans[k].start <= i {
			// A link's text is part of the claim when it says something
			// ("[the tower is 330 m tall](url)"); a short anchor is the
			// source's name ("Wikipedia", "this report") and is dropped.
			if kt := spans[k].keepText; wordCount(kt) > maxAnchorWords && !isURLish(kt) {
				b.WriteString(kt)
			}
			b.WriteByte(' ')
			i = max(spans[k].end, i+1)
			k++
			continue
		}
		if q < len(quotes) && quotes[q].start <= i {
			b.WriteByte(' ')
			i = max(quotes[q].end, i+1)
			q++
			continue
		}
		// Copy up to the next span or quote in one piece.
		next := sent.end
		if k < len(spans) && spans[k].start < next {
			next = spans[k].start
		}
		if q < len(quotes) && quotes[q].start < next {
			next = quotes[q].start
		}
		next = min(next, i+maxClaimBytes-b.Len())
		b.WriteString(body[i:max(next, i+1)])
		i = max(next, i+1)
	}
	return strings.TrimSpace(b.String())
}
