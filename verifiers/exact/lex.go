package exact

import (
	"errors"
	"fmt"
	"strings"
)

// tokKind is the lexical class of a token.
type tokKind uint8

const (
	tEOF   tokKind = iota
	tNum           // digits with an optional decimal part or exponent: "12", "0.5", "1.2e-3"
	tIdent         // a run of ASCII letters in plain text: "x", "sin", "or"
	tCmd           // a LaTeX command without its backslash: "frac", "{", "%", "\\"
	tOp            // one- or two-character operator or bracket: "+", "(", "<=", "**"
)

// token is one lexeme. Text holds the digits, letters, command name or
// operator; dec marks a number written with a decimal point or exponent.
type token struct {
	kind tokKind
	text string
	dec  bool
}

// errTooLong is returned for inputs over the lexer's limit, so no later stage
// sees an unbounded token list.
var errTooLong = errors.New("expression too long")

// maxTokens bounds the token list of one expression.
const maxTokens = 1024

// lex splits a normalized math string into tokens. Thousands separators in
// "1,000,000" are joined only outside brackets, where a comma cannot separate
// the coordinates of a tuple.
func lex(s string) ([]token, error) {
	toks := make([]token, 0, len(s)/2+2)
	depth := 0
	for i := 0; i < len(s); {
		if len(toks) >= maxTokens {
			return nil, errTooLong
		}
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			j, dec := scanNumber(s, i, depth == 0)
			num := token{kind: tNum, text: stripSeparators(s[i:j]), dec: dec}
			if n := len(toks); n > 0 && toks[n-1].kind == tNum && i > 0 && isSpace(s[i-1]) &&
				!(n > 1 && toks[n-2].kind == tOp && (toks[n-2].text == "_" || toks[n-2].text == "^")) {
				if n > 1 && afterOperand(toks, n-1) {
					// 1/2 3/4: the 2 belongs to the fraction before it.
					return nil, errors.New("two numbers side by side")
				}
				// Two numbers side by side (not a subscript's, as in
				// \log_2 8). "2 3/4" is the mixed number 11/4, as recipes
				// and GSM8K write it; "2 3" is no expression at all, not
				// the product 6.
				k := j + 1
				for k < len(s) && isDigit(s[k]) {
					k++
				}
				if toks[n-1].dec || dec || j >= len(s) || s[j] != '/' || k == j+1 || (k < len(s) && s[k] == '.') {
					return nil, errors.New("two numbers side by side")
				}
				whole := toks[n-1]
				toks = append(toks[:n-1], token{kind: tOp, text: "("}, whole, token{kind: tOp, text: "+"},
					num, token{kind: tOp, text: "/"}, token{kind: tNum, text: s[j+1 : k]}, token{kind: tOp, text: ")"})
				i = k
				continue
			}
			toks = append(toks, num)
			i = j
		case isLetter(c):
			j := i
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tIdent, text: s[i:j]})
			i = j
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("trailing backslash")
			}
			j := i + 1
			if isLetter(s[j]) {
				for j < len(s) && isLetter(s[j]) {
					j++
				}
			} else {
				j++
			}
			name := s[i+1 : j]
			toks = append(toks, token{kind: tCmd, text: name})
			i = j
		default:
			op := string(c)
			if i+1 < len(s) {
				switch s[i : i+2] {
				case "<=", ">=", "!=", "**", "=>", "->":
					op = s[i : i+2]
				}
			}
			// Only ( and [ make a comma a separator of coordinates; braces
			// group LaTeX arguments, so \frac{1,000}{3} is 1000/3.
			switch op {
			case "(", "[":
				depth++
			case ")", "]":
				depth--
			}
			if !isOpChar(c) {
				return nil, fmt.Errorf("unexpected character %q", c)
			}
			toks = append(toks, token{kind: tOp, text: op})
			i += len(op)
		}
	}
	return append(toks, token{kind: tEOF}), nil
}

// afterOperand reports whether toks[k] is the right operand of a binary
// operator (1/2, 3*4, 5-2), not a whole number of its own.
func afterOperand(toks []token, k int) bool {
	if k < 1 || toks[k-1].kind != tOp {
		return false
	}
	switch toks[k-1].text {
	case "/", "*":
		return true
	case "-", "+":
		// Binary only after an operand: "-2 3/4" is a negative mixed number.
		return k >= 2 && (toks[k-2].kind == tNum || toks[k-2].kind == tIdent || toks[k-2].text == ")")
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isOpChar(c byte) bool {
	switch c {
	case '+', '-', '*', '/', '^', '_', '(', ')', '[', ']', '{', '}', ',', ';', '=', '<', '>', '!', '|', '&', '\'', ':', '.', '%':
		return true
	}
	return false
}

// scanNumber returns the end of the number starting at i and whether it has
// a decimal point or exponent. With thousands set, groups like ",000" are
// part of the number when every group has exactly three digits.
func scanNumber(s string, i int, thousands bool) (int, bool) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j-i <= 3 && j > i {
		// Groups of exactly three digits after a comma (outside brackets)
		// or a space (anywhere: 10 000 is never a product), all with the
		// same separator.
		k := j
		for k+3 < len(s) && (s[k] == ' ' || (thousands && s[k] == ',')) && (k == j || s[k-4] == s[k]) &&
			isDigit(s[k+1]) && isDigit(s[k+2]) && isDigit(s[k+3]) && (k+4 == len(s) || !isDigit(s[k+4])) {
			k += 4
		}
		j = k
	}
	dec := false
	if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		dec = true
		j++
		group := j
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		// Decimals grouped by three from the point, with a thin space
		// (3.141\,59, 0.123\,456): the last group may be shorter.
		for j-group == 3 && j+1 < len(s) && s[j] == ' ' && isDigit(s[j+1]) {
			k := j + 1
			for k < len(s) && isDigit(s[k]) && k-j <= 3 {
				k++
			}
			if k-j-1 > 3 || (k < len(s) && isDigit(s[k])) {
				break
			}
			group, j = j+1, k
		}
	}
	// Scientific notation: 1.2e5, 3E-4; the exponent needs digits so "2e"
	// stays the product 2·e.
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			if k == len(s) || !isLetter(s[k]) {
				return k, true
			}
		}
	}
	return j, dec
}

// stripSeparators removes thousands separators (commas and spaces).
func stripSeparators(s string) string {
	if !strings.ContainsAny(s, ", ") {
		return s
	}
	return strings.NewReplacer(",", "", " ", "").Replace(s)
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
