package compat

import (
	"math"
	"strings"
	"unicode"
)

// Limits that keep the quadratic metrics (fuzzy_match, rouge_l) bounded:
// only the first maxRunes code points and maxTokens tokens of each text
// count. 4096 x 4096 cells is a few milliseconds of work.
const (
	maxRunes  = 4096
	maxTokens = 4096
)

// Metrics lists the text_similarity metrics referee computes, in the order
// the OpenAI grader documents them. cosine is missing on purpose: it needs an
// embedding model.
var Metrics = []string{"fuzzy_match", "bleu", "gleu", "meteor", "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l"}

// similarity computes metric between a candidate (the rendered input) and a
// reference. Every metric is in [0,1].
func similarity(metric, candidate, reference string) float64 {
	switch metric {
	case "fuzzy_match":
		return fuzzyRatio(candidate, reference)
	}
	hyp, ref := tokenize(candidate), tokenize(reference)
	switch metric {
	case "bleu":
		return bleu(hyp, ref)
	case "gleu":
		return gleu(hyp, ref)
	case "meteor":
		return meteor(hyp, ref)
	case "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5":
		return rougeN(hyp, ref, int(metric[len(metric)-1]-'0'))
	case "rouge_l":
		return rougeL(hyp, ref)
	}
	return 0
}

// fuzzyRatio is rapidfuzz's fuzz.ratio / 100: the normalized InDel
// similarity 2*LCS/(len(a)+len(b)) over code points, case-sensitive.
func fuzzyRatio(a, b string) float64 {
	ra, rb := truncate([]rune(a), maxRunes), truncate([]rune(b), maxRunes)
	if len(ra)+len(rb) == 0 {
		return 1
	}
	return 2 * float64(lcs(ra, rb)) / float64(len(ra)+len(rb))
}

func truncate[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// lcs is the length of the longest common subsequence, in O(len(a)*len(b))
// time and O(len(b)) memory.
func lcs[T comparable](a, b []T) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			switch {
			case a[i] == b[j]:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// tokenize lowercases and splits on everything that is not a letter, digit
// or mark, like rouge_score's tokenizer but for every script (its ASCII-only
// rule would drop non-English text entirely).
func tokenize(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	return truncate(f, maxTokens)
}

func ngrams(toks []string, n int) map[string]int {
	m := make(map[string]int)
	for i := 0; i+n <= len(toks); i++ {
		m[strings.Join(toks[i:i+n], "\x00")]++
	}
	return m
}

// overlap counts clipped matches of hyp's n-grams in ref.
func overlap(hyp, ref map[string]int) int {
	n := 0
	for g, c := range hyp {
		n += min(c, ref[g])
	}
	return n
}

// bleu is sentence BLEU-4 as sacrebleu's sentence_bleu computes it: uniform
// weights, clipped precisions, brevity penalty, "exp" smoothing and the
// effective order (orders longer than the candidate are left out).
func bleu(hyp, ref []string) float64 {
	if len(hyp) == 0 || len(ref) == 0 {
		return 0
	}
	const maxOrder = 4
	logSum, orders, k := 0.0, 0, 1.0
	for n := 1; n <= maxOrder; n++ {
		total := len(hyp) - n + 1
		if total <= 0 {
			break
		}
		orders++
		match := overlap(ngrams(hyp, n), ngrams(ref, n))
		p := float64(match) / float64(total)
		if match == 0 {
			k *= 2
			p = 1 / (k * float64(total))
		}
		logSum += math.Log(p)
	}
	bp := 1.0
	if len(hyp) < len(ref) {
		bp = math.Exp(1 - float64(len(ref))/float64(len(hyp)))
	}
	return clamp01(bp * math.Exp(logSum/float64(orders)))
}

// gleu is Google's sentence GLEU (Wu et al. 2016, nltk's sentence_gleu):
// the minimum of precision and recall over all 1- to 4-grams.
func gleu(hyp, ref []string) float64 {
	match, hypTotal, refTotal := 0, 0, 0
	for n := 1; n <= 4; n++ {
		h, r := ngrams(hyp, n), ngrams(ref, n)
		match += overlap(h, r)
		hypTotal += max(len(hyp)-n+1, 0)
		refTotal += max(len(ref)-n+1, 0)
	}
	if hypTotal == 0 || refTotal == 0 {
		return 0
	}
	return clamp01(min(float64(match)/float64(hypTotal), float64(match)/float64(refTotal)))
}

// meteor is METEOR (Banerjee and Lavie 2005) with exact unigram matching
// only (no stemming or synonyms: those need WordNet), with nltk's
// parameters alpha 0.9, beta 3, gamma 0.5. Words are aligned greedily in
// candidate order, preferring the reference word that continues a chunk.
func meteor(hyp, ref []string) float64 {
	if len(hyp) == 0 || len(ref) == 0 {
		return 0
	}
	used := make([]bool, len(ref))
	align := make([]int, 0, len(hyp)) // ref index of each matched hyp word, in hyp order
	next := -1                        // the ref position that would continue the current chunk
	for _, w := range hyp {
		// Greedy alignment that prefers extending the current chunk, so
		// a repeated word ("the") does not split a phrase that matches
		// as a whole.
		j := -1
		if next >= 0 && next < len(ref) && !used[next] && ref[next] == w {
			j = next
		} else {
			for k, r := range ref {
				if !used[k] && r == w {
					j = k
					break
				}
			}
		}
		next = -1
		if j >= 0 {
			used[j] = true
			align = append(align, j)
			next = j + 1
		}
	}
	m := len(align)
	if m == 0 {
		return 0
	}
	p, r := float64(m)/float64(len(hyp)), float64(m)/float64(len(ref))
	fmean := p * r / (0.9*p + 0.1*r)
	chunks := 1
	for i := 1; i < m; i++ {
		if align[i] != align[i-1]+1 {
			chunks++
		}
	}
	penalty := 0.5 * math.Pow(float64(chunks)/float64(m), 3)
	return clamp01(fmean * (1 - penalty))
}

// rougeN is the F1 of clipped n-gram overlap.
func rougeN(hyp, ref []string, n int) float64 {
	h, r := ngrams(hyp, n), ngrams(ref, n)
	ht, rt := max(len(hyp)-n+1, 0), max(len(ref)-n+1, 0)
	return f1(overlap(h, r), ht, rt)
}

// rougeL is the F1 of the longest common token subsequence.
func rougeL(hyp, ref []string) float64 {
	return f1(lcs(hyp, ref), len(hyp), len(ref))
}

func f1(match, hypTotal, refTotal int) float64 {
	if match == 0 || hypTotal == 0 || refTotal == 0 {
		return 0
	}
	p, r := float64(match)/float64(hypTotal), float64(match)/float64(refTotal)
	return clamp01(2 * p * r / (p + r))
}

func clamp01(f float64) float64 {
	if math.IsNaN(f) || f < 0 {
		return 0
	}
	return min(f, 1)
}
