package exact

import (
	"math/big"
	"strings"
)

// Number words: a whole answer written in English words ("five",
// "twenty-one", "one hundred and five", "minus three") is the integer it
// names. Only a whole answer is read this way, never words inside a
// sentence, and the grammar is strict ("five five" and "twenty thirty" are
// not numbers), so words cannot smuggle in a second answer.

var (
	unitWords = map[string]int64{
		"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
		"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
		"seventeen": 17, "eighteen": 18, "nineteen": 19,
	}
	tensWords = map[string]int64{
		"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
	}
	scaleWords = map[string]int64{"thousand": 1e3, "million": 1e6, "billion": 1e9}
)

// maxNumberWords bounds the words of one number ("nine hundred and
// ninety-nine billion ..." needs fewer).
const maxNumberWords = 24

// numberWords returns the integer that text (lower case, as normalizeText
// makes it) names in words, if it is exactly one such number.
func numberWords(text string) (int64, bool) {
	var words []string
	for _, f := range strings.Fields(text) {
		// A hyphen only joins tens and units ("twenty-one"): a leading,
		// trailing or doubled one is not a number word, and a minus sign
		// must never be dropped ("-five" is not 5).
		tens, unit, joined := strings.Cut(f, "-")
		if !joined {
			words = append(words, f)
			continue
		}
		if _, ok := tensWords[tens]; !ok {
			return 0, false
		}
		if v, ok := unitWords[unit]; !ok || v == 0 || v >= 10 {
			return 0, false
		}
		words = append(words, tens, unit)
	}
	if len(words) == 0 || len(words) > maxNumberWords {
		return 0, false
	}
	neg := false
	if words[0] == "minus" || words[0] == "negative" {
		neg, words = true, words[1:]
		if len(words) == 0 {
			return 0, false
		}
	}
	const (
		start   = iota // nothing in the current group yet
		unit           // a unit word: "hundred" or a scale may follow
		tens           // a tens word: a unit below ten or a scale may follow
		hundred        // "hundred": "and", tens or units may follow
	)
	var total, group int64
	state, lastScale := start, int64(0)
	zero := false
	// "and" must be followed by a tens or unit word: "one hundred and" is
	// not a number.
	andOpen := false
	for i, w := range words {
		if andOpen {
			_, u := unitWords[w]
			_, t := tensWords[w]
			if !u && !t {
				return 0, false
			}
			andOpen = false
		}
		if v, ok := unitWords[w]; ok {
			if state == unit || (state == tens && v >= 10) || zero {
				return 0, false
			}
			zero = v == 0
			if zero && (i > 0 || len(words) > 1) {
				return 0, false // "zero" stands alone
			}
			group += v
			state = unit
			continue
		}
		if v, ok := tensWords[w]; ok {
			if state == unit || state == tens {
				return 0, false
			}
			group += v
			state = tens
			continue
		}
		switch {
		case w == "and":
			if state != hundred && !(state == start && total > 0 && group == 0) {
				return 0, false
			}
			andOpen = true
			continue
		case w == "hundred":
			if state != unit || group >= 10 || group == 0 {
				return 0, false
			}
			group *= 100
			state = hundred
			continue
		}
		if v, ok := scaleWords[w]; ok {
			if group == 0 || (lastScale != 0 && v >= lastScale) {
				return 0, false
			}
			total += group * v
			group, state, lastScale = 0, start, v
			continue
		}
		return 0, false
	}
	if andOpen || (state == start && total == 0 && !zero) {
		return 0, false
	}
	n := total + group
	if neg {
		n = -n
	}
	return n, true
}

// numberWordsNode is numberWords as a number node.
func numberWordsNode(text string) (*node, bool) {
	v, ok := numberWords(text)
	if !ok {
		return nil, false
	}
	return &node{k: kNum, val: new(big.Rat).SetInt64(v)}, true
}
