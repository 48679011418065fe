package iso20022

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// canon returns the comparison forms of a free text: upper case, letters
// and digits only, so line wrapping, punctuation and spacing do not matter.
// Text outside ASCII yields the transliterations a correct translation may
// use: diacritics dropped (Müller -> MULLER) and the German form (MUELLER);
// "&" yields a form with AND and one without it.
func canon(s string) []string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i] == '&' {
			ascii = false
			break
		}
	}
	if ascii {
		return []string{canonASCII(s)}
	}
	var plain, german strings.Builder
	for _, r := range s {
		switch r {
		case 'ä', 'Ä':
			plain.WriteByte('A')
			german.WriteString("AE")
			continue
		case 'ö', 'Ö':
			plain.WriteByte('O')
			german.WriteString("OE")
			continue
		case 'ü', 'Ü':
			plain.WriteByte('U')
			german.WriteString("UE")
			continue
		}
		t := foldRune(r)
		plain.WriteString(t)
		german.WriteString(t)
	}
	out := []string{plain.String()}
	if g := german.String(); g != out[0] {
		out = append(out, g)
	}
	if strings.Contains(s, "&") {
		n := len(out)
		for _, v := range out[:n] {
			out = append(out, strings.ReplaceAll(v, "&", "AND"))
		}
	}
	for i, v := range out {
		out[i] = strings.ReplaceAll(v, "&", "")
	}
	return out
}

func canonASCII(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		case isUpperAlnum(c):
			b = append(b, c)
		}
	}
	return string(b)
}

// foldRune transliterates one rune to upper-case ASCII letters or digits
// ("" for punctuation and marks); "&" is kept for canon to expand.
func foldRune(r rune) string {
	if r < utf8.RuneSelf {
		c := byte(r)
		switch {
		case c >= 'a' && c <= 'z':
			return string(c - 'a' + 'A')
		case isUpperAlnum(c), c == '&':
			return string(c)
		}
		return ""
	}
	switch unicode.ToLower(r) {
	case 'ß':
		return "SS"
	case 'æ':
		return "AE"
	case 'œ':
		return "OE"
	case 'ø':
		return "O"
	case 'ł':
		return "L"
	case 'đ', 'ð':
		return "D"
	case 'þ':
		return "TH"
	case 'ı':
		return "I"
	}
	var b strings.Builder
	for _, d := range norm.NFD.String(string(r)) {
		if d < utf8.RuneSelf {
			b.WriteString(foldRune(d))
		}
	}
	return b.String()
}

// toX transliterates text into the SWIFT X character set for display of
// expected fields: diacritics dropped, other characters become '.'.
func toX(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			if isXByte(byte(r)) {
				b.WriteRune(r)
			} else if r == '\n' || r == '\t' {
				b.WriteByte(' ')
			} else {
				b.WriteByte('.')
			}
			continue
		}
		switch unicode.ToLower(r) {
		case 'ß':
			b.WriteString("ss")
			continue
		}
		t := ""
		for _, d := range norm.NFD.String(string(r)) {
			if d < utf8.RuneSelf && isXByte(byte(d)) {
				t += string(d)
			}
		}
		if t == "" {
			t = "."
		}
		b.WriteString(t)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// wrap hard-wraps s into lines of at most width bytes.
func wrap(s string, width int) []string {
	var out []string
	for len(s) > width {
		out = append(out, s[:width])
		s = s[width:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// matchAny reports whether the variant sets share a value.
func matchAny(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// matchText compares canonical texts. When the expected text did not fit
// the field (fits false), a truncated translation is accepted: the got
// text must be a prefix of the full text and keep at least half of the
// capacity (or of the text, if shorter).
func matchText(exp, got []string, fits bool, capacity int) bool {
	if matchAny(exp, got) {
		return true
	}
	if fits {
		return false
	}
	for _, e := range exp {
		for _, g := range got {
			if g != "" && strings.HasPrefix(e, g) && 2*len(g) >= min(len(e), capacity) {
				return true
			}
		}
	}
	return false
}
