package iso20022

import "strings"

// isXByte reports whether c is in the SWIFT X character set (CR and LF are
// handled by line splitting and never reach it).
func isXByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '/', '-', '?', ':', '(', ')', '.', ',', '\'', '+', ' ':
		return true
	}
	return false
}

// firstNonX returns the index of the first byte outside the X set, or -1.
func firstNonX(s string) int {
	for i := 0; i < len(s); i++ {
		if !isXByte(s[i]) {
			return i
		}
	}
	return -1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isUpperAlnum(c byte) bool {
	return isUpper(c) || isDigit(c)
}

// allOf reports whether s is non-empty and every byte satisfies f.
func allOf(s string, f func(byte) bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return false
		}
	}
	return true
}

func isN(s string) bool { return allOf(s, isDigit) }
func isA(s string) bool { return allOf(s, isUpper) }
func isC(s string) bool { return allOf(s, isUpperAlnum) }

// validBIC checks the BIC format 4!a2!a2!c[3!c] with a known country code.
func validBIC(s string) bool {
	if len(s) != 8 && len(s) != 11 {
		return false
	}
	return isA(s[:4]) && countries[s[4:6]] && isC(s[6:8]) && (len(s) == 8 || isC(s[8:]))
}

// bic11 returns the 11-character form of a BIC so that BIC8 and BIC8+XXX
// compare equal; other strings are returned upper-cased.
func bic11(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) == 8 {
		return s + "XXX"
	}
	return s
}

// ibanStatus classifies an account: notIBAN when it does not look like an
// IBAN of a registry country, else whether length and check digits hold.
type ibanStatus int

const (
	notIBAN ibanStatus = iota
	ibanOK
	ibanBad
)

func checkIBAN(acct string) ibanStatus {
	if len(acct) < 5 || !isUpper(acct[0]) || !isUpper(acct[1]) || !isDigit(acct[2]) || !isDigit(acct[3]) || !isC(acct) {
		return notIBAN
	}
	want, ok := ibanLengths[acct[:2]]
	if !ok {
		return notIBAN
	}
	if len(acct) != want {
		return ibanBad
	}
	// ISO 13616 mod-97: move the first four characters to the end, letters
	// become 10..35, and the remainder must be 1. Computed digit by digit so
	// no big integers are needed.
	rem := 0
	for i := 0; i < len(acct); i++ {
		c := acct[(i+4)%len(acct)]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	if rem != 1 {
		return ibanBad
	}
	return ibanOK
}

// validDate checks YYMMDD (or YYYYMMDD when len is 8).
func validDate(s string) bool {
	if !isN(s) || (len(s) != 6 && len(s) != 8) {
		return false
	}
	y := atoi(s[:len(s)-4])
	if len(s) == 6 {
		y += 2000 // only leap years matter; 00 is a leap year either way
	}
	m, d := atoi(s[len(s)-4:len(s)-2]), atoi(s[len(s)-2:])
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && (y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		days = 29
	}
	return d <= days
}

// validHHMM checks a time of day HHMM.
func validHHMM(s string) bool {
	return len(s) == 4 && isN(s) && atoi(s[:2]) < 24 && atoi(s[2:]) < 60
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// amountProblem checks an MT amount (the d notation): digits and exactly
// one decimal comma, at least one integer digit, at most maxLen characters
// including the comma, and at most minor decimals when minor >= 0. It
// returns a violation code and message, or "" when the amount is valid.
func amountProblem(s string, maxLen, minor int) (string, string) {
	if s == "" {
		return "AMOUNT", "amount is missing"
	}
	if len(s) > maxLen {
		return "AMOUNT", "amount is longer than " + itoa(maxLen) + " characters"
	}
	comma := strings.IndexByte(s, ',')
	if comma < 0 {
		if strings.IndexByte(s, '.') >= 0 {
			return "AMOUNT", "decimal separator must be a comma, not a point"
		}
		return "AMOUNT", "decimal comma is mandatory"
	}
	if comma == 0 {
		return "AMOUNT", "integer part must have at least one digit"
	}
	intPart, frac := s[:comma], s[comma+1:]
	if !isN(intPart) || (frac != "" && !isN(frac)) {
		return "AMOUNT", "amount may only contain digits and one decimal comma (no thousands separators)"
	}
	if minor >= 0 && len(frac) > minor {
		return "DECIMALS", "more decimal digits than the currency's " + itoa(minor) + " minor units"
	}
	return "", ""
}

// normAmount turns an MT ("1250,50") or XML ("1250.50") amount into a
// canonical decimal ("1250.5") so equal values compare equal; "" when s is
// not a plain decimal number.
func normAmount(s string) string {
	s = strings.TrimSpace(s)
	sep := strings.IndexAny(s, ",.")
	intPart, frac := s, ""
	if sep >= 0 {
		intPart, frac = s[:sep], s[sep+1:]
	}
	if (intPart != "" && !isN(intPart)) || (frac != "" && !isN(frac)) || intPart+frac == "" {
		return ""
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	frac = strings.TrimRight(frac, "0")
	if frac == "" {
		return intPart
	}
	return intPart + "." + frac
}

// mtAmount renders a canonical decimal in MT form: comma, no trailing zeros,
// a trailing comma for integers (TR012).
func mtAmount(canon string) string {
	if i := strings.IndexByte(canon, '.'); i >= 0 {
		return canon[:i] + "," + canon[i+1:]
	}
	return canon + ","
}

// addAmounts adds canonical decimals exactly (used for the 71G sum).
func addAmounts(a, b string) string {
	ai, af := splitDec(a)
	bi, bf := splitDec(b)
	for len(af) < len(bf) {
		af += "0"
	}
	for len(bf) < len(af) {
		bf += "0"
	}
	x, y := ai+af, bi+bf
	for len(x) < len(y) {
		x = "0" + x
	}
	for len(y) < len(x) {
		y = "0" + y
	}
	out := make([]byte, len(x)+1)
	carry := 0
	for i := len(x) - 1; i >= 0; i-- {
		d := int(x[i]-'0') + int(y[i]-'0') + carry
		out[i+1] = byte('0' + d%10)
		carry = d / 10
	}
	out[0] = byte('0' + carry)
	s := string(out)
	n := len(s) - len(af)
	if len(af) == 0 {
		return normAmount(s)
	}
	return normAmount(s[:n] + "." + s[n:])
}

func splitDec(s string) (string, string) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// validUETR checks a lowercase UUID version 4 with the RFC 4122 variant, as
// block 3 field 121 requires.
func validUETR(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(isDigit(c) || (c >= 'a' && c <= 'f')) {
				return false
			}
		}
	}
	return s[14] == '4' && strings.IndexByte("89ab", s[19]) >= 0
}
