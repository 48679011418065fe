package citation

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// normalize is the text form quotes, claims and pages are compared in:
// NFKC, case folded, quotation marks and dashes unified, punctuation and
// symbols turned into spaces, white space collapsed to single spaces. Digit
// groups keep their meaning: "3.5" stays "3.5" and "1,234" becomes "1234",
// so numbers still compare as numbers. The result has no leading or
// trailing space.
func normalize(s string) string {
	if !isASCII(s) {
		// NFKC and case folding leave ASCII as it is (apart from case,
		// which the loop below lowers), so only non-ASCII text pays.
		s = cases.Fold().String(norm.NFKC.String(s))
	}
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			b.WriteByte(byte(r))
			space = false
		case r >= 'A' && r <= 'Z':
			b.WriteByte(byte(r) + 'a' - 'A')
			space = false
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
			b.WriteRune(r)
			space = false
		case (r == '.' || r == ',') && i > 0 && isDigitByte(s[i-1]) && i+1 < len(s) && isDigitByte(s[i+1]):
			// A decimal point stays; a thousands separator (comma before
			// exactly three digits) goes; any other comma separates.
			if r == '.' {
				b.WriteByte('.')
			} else if !(threeDigits(s[i+1:])) {
				b.WriteByte(' ')
				space = true
			}
		default:
			// quotes, dashes, other punctuation, symbols, white space
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
		i += size
	}
	return strings.TrimSuffix(b.String(), " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hasDigit(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf && isDigitByte(byte(r)) || r >= utf8.RuneSelf && unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func threeDigits(s string) bool {
	return len(s) >= 3 && isDigitByte(s[0]) && isDigitByte(s[1]) && isDigitByte(s[2]) && (len(s) == 3 || !isDigitByte(s[3]))
}

// doc is a page prepared for support checks: its normalized text (padded
// with spaces so a word-boundary match is a plain substring search) and
// where each word occurs.
type doc struct {
	padded string
	tokens []string
	pos    map[string][]int32
}

func newDoc(text string) *doc {
	n := normalize(text)
	d := &doc{padded: " " + n + " ", tokens: strings.Fields(n)}
	d.pos = make(map[string][]int32, len(d.tokens)/4+1)
	for i, t := range d.tokens {
		d.pos[t] = append(d.pos[t], int32(i))
	}
	return d
}

// quotePieces splits a quote at its ellipses ("…", "...", "[...]",
// "(...)"), which mark omissions, and normalizes each piece.
func quotePieces(q string) []string {
	if strings.Contains(q, "...") || strings.Contains(q, "[…]") {
		for _, e := range []string{"[...]", "(...)", "[…]", "..."} {
			q = strings.ReplaceAll(q, e, "…")
		}
	}
	var out []string
	for _, p := range strings.Split(q, "…") {
		if n := normalize(p); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// quoteSupported reports whether the quote's normalized pieces all occur in
// the page, in order, on word boundaries; evidence is the page text around
// the first piece.
func (d *doc) quoteSupported(q string) (bool, string) {
	pieces := quotePieces(q)
	if len(pieces) == 0 {
		return false, ""
	}
	at, first := 0, -1
	for _, p := range pieces {
		i := strings.Index(d.padded[at:], " "+p+" ")
		if i < 0 {
			return false, ""
		}
		if first < 0 {
			first = at + i
		}
		at += i + len(p) + 1
	}
	return true, d.snippetAt(first, len(pieces[0]))
}

// snippetAt returns up to ~200 bytes of normalized page text around offset.
func (d *doc) snippetAt(off, n int) string {
	start := max(0, off-60)
	end := min(len(d.padded), off+max(n, 0)+60)
	for start > 0 && d.padded[start-1] != ' ' {
		start--
	}
	for end < len(d.padded) && d.padded[end] != ' ' {
		end++
	}
	s := strings.TrimSpace(d.padded[start:end])
	if len(s) > 240 {
		s = s[:240]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// claim is a claim prepared for support checks.
type claim struct {
	words   []string // distinct content words, in claim order
	numbers []string // distinct number tokens
	negated bool     // says not, no, never, ...n't: the page must say so too
}

// isNegation reports the words that turn a claim into its opposite.
func isNegation(w string) bool {
	switch w {
	case "not", "no", "never", "neither", "nor", "without", "cannot", "none", "nothing", "nobody", "nowhere":
		return true
	}
	return false
}

// hasNegation reports a negation among normalized tokens, "n't" included
// (normalized as "isn t" or "isnt").
func hasNegation(n string) bool {
	prev := ""
	for _, t := range strings.Fields(n) {
		if isNegation(t) || (t == "t" && strings.HasSuffix(prev, "n")) || (len(t) > 3 && strings.HasSuffix(t, "nt") && isContraction(t)) {
			return true
		}
		prev = t
	}
	return false
}

func isContraction(t string) bool {
	switch t {
	case "isnt", "arent", "wasnt", "werent", "dont", "doesnt", "didnt", "cant", "couldnt", "wont", "wouldnt",
		"shouldnt", "hasnt", "havent", "hadnt", "mustnt", "neednt":
		return true
	}
	return false
}

// newClaim picks a claim's content words: normalized tokens that are not
// stop words; tokens with a digit are numbers and are also content words.
func newClaim(text string) claim {
	c := claim{words: make([]string, 0, 16)}
	n := normalize(text)
	c.negated = hasNegation(n)
	for len(n) > 0 && len(c.words) < maxClaimWords {
		// Walk the single-spaced normalized text without allocating.
		t := n
		if i := strings.IndexByte(n, ' '); i >= 0 {
			t, n = n[:i], n[i+1:]
		} else {
			n = ""
		}
		// At most maxClaimWords words, so a linear duplicate check is
		// cheaper than a map.
		if isStopWord(t) || slices.Contains(c.words, t) {
			continue
		}
		if hasDigit(t) {
			c.numbers = append(c.numbers, t)
		} else if len(t) < 2 || utf8.RuneCountInString(t) < 2 {
			continue
		}
		c.words = append(c.words, t)
	}
	return c
}

// maxClaimWords bounds the content words taken from one claim.
const maxClaimWords = 64

// maxRareOccurrences bounds the windows tried around the rarest word.
const maxRareOccurrences = 64

// claimSupported checks a claim against the page: find the claim's rarest
// word that the page contains (fewest occurrences; ties go to the longer,
// then earlier word), and in a window of ±window words around each of its
// occurrences count the claim's content words present. The claim is
// supported when, in some window, that share reaches threshold and every
// number of the claim is present. It returns the best share and evidence.
func (d *doc) claimSupported(c claim, window int, threshold float64) (bool, float64, string) {
	if len(c.words) == 0 {
		return false, 0, ""
	}
	rare, rareN := "", 0
	for _, w := range c.words {
		n := len(d.pos[w])
		if n == 0 {
			continue
		}
		if rare == "" || n < rareN || n == rareN && len(w) > len(rare) {
			rare, rareN = w, n
		}
	}
	if rare == "" {
		return false, 0, ""
	}
	best, bestAt, bestNums := -1.0, 0, false
	occ := d.pos[rare]
	if len(occ) > maxRareOccurrences {
		occ = occ[:maxRareOccurrences]
	}
	for _, p := range occ {
		lo, hi := int(p)-window, int(p)+window
		found := 0
		for _, w := range c.words {
			if d.near(w, lo, hi) {
				found++
			}
		}
		nums := true
		for _, n := range c.numbers {
			if !d.near(n, lo, hi) {
				nums = false
				break
			}
		}
		share := float64(found) / float64(len(c.words))
		// prefer windows that satisfy the numbers, then higher share
		if nums && !bestNums || nums == bestNums && share > best {
			best, bestAt, bestNums = share, int(p), nums
		}
	}
	ok := bestNums && best >= threshold
	return ok, best, d.snippetTokens(bestAt, 12)
}

// near reports whether word w occurs at a token position in [lo, hi].
func (d *doc) near(w string, lo, hi int) bool {
	ps := d.pos[w]
	k := sort.Search(len(ps), func(k int) bool { return int(ps[k]) >= lo })
	return k < len(ps) && int(ps[k]) <= hi
}

func (d *doc) snippetTokens(at, radius int) string {
	lo, hi := max(0, at-radius), min(len(d.tokens), at+radius+1)
	return strings.Join(d.tokens[lo:hi], " ")
}

// isStopWord lists English function words and the words answers use to
// introduce a citation ("according to", "source"), which carry no claim.
func isStopWord(w string) bool {
	switch w {
	case "a", "an", "the", "and", "or", "but", "if", "of", "in", "on", "at", "to", "for", "from", "by", "with",
		"as", "is", "are", "was", "were", "be", "been", "being", "am", "it", "its", "this", "that", "these",
		"those", "there", "here", "their", "they", "them", "he", "she", "his", "her", "we", "our", "you", "your",
		"i", "me", "my", "not", "no", "so", "than", "then", "also", "which", "who", "whom", "whose", "what",
		"when", "where", "why", "how", "has", "have", "had", "do", "does", "did", "can", "could", "will",
		"would", "shall", "should", "may", "might", "must", "about", "into", "over", "under", "after",
		"before", "between", "during", "such", "some", "any", "all", "each", "other", "more", "most", "very",
		"s", "t", "according", "source", "sources", "see", "cited", "cite", "citation", "reference",
		"references", "reported", "reports", "says", "said", "states", "stated", "per", "via", "link",
		"page", "article", "website", "site", "here's", "e", "g", "ie", "eg", "etc", "up", "out":
		return true
	}
	return false
}
