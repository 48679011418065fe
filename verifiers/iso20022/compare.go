package iso20022

import "strings"

// Row is one line of the field table in the details.
type Row struct {
	Field    string  `json:"field"`
	Expected string  `json:"expected"`
	Got      string  `json:"got"`
	OK       bool    `json:"ok"`
	Reason   string  `json:"reason,omitempty"`
	Weight   float64 `json:"weight"`
}

// compareShapes pairs expected and got shapes by group and returns the
// rows in expected order, then unexpected fields in message order, with
// the weighted sums. bad marks got MT fields with format violations.
// With toMX set (a pacs.008 response) the parts a pacs.008 always carries
// (sender, receiver, UETR, debtor and creditor agents) are not unexpected
// when a headerless reference MT103 leaves them open.
func compareShapes(exp, got []shape, bad []bool, w weights, toMX bool) (rows []Row, earned, total float64) {
	used := make([]bool, len(got))
	rows = make([]Row, 0, len(exp)+2)
	for i := range exp {
		e := &exp[i]
		j := -1
		for k := range got {
			if !used[k] && got[k].group == e.group {
				j = k
				break
			}
		}
		wt := w.of(e.group)
		r := Row{Field: e.tag, Expected: e.display, Weight: wt}
		if j < 0 {
			if e.optional {
				r.OK, r.Reason = true, "absent, which is correct too: the agent is the "+optionalWho(e.group)
			} else {
				r.Reason = "missing"
			}
		} else {
			used[j] = true
			g := &got[j]
			r.Got = g.display
			r.OK, r.Reason = compareShape(e, g)
			if r.OK && g.idx >= 0 && g.idx < len(bad) && bad[g.idx] {
				r.OK, r.Reason = false, "right value, but the field breaks the format rules (see violations)"
			}
		}
		total += wt
		if r.OK {
			earned += wt
		}
		rows = append(rows, r)
	}
	for k := range got {
		if used[k] {
			continue
		}
		g := &got[k]
		if toMX {
			if g.synthetic {
				continue
			}
			switch g.group {
			case "sender", "receiver", "121", "52", "57":
				continue
			}
		}
		wt := w.of("extra")
		rows = append(rows, Row{Field: g.tag, Got: g.display, Reason: "not expected from the source message", Weight: wt})
		total += wt
	}
	return rows, earned, total
}

func optionalWho(group string) string {
	if group == "52" {
		return "sender"
	}
	return "receiver"
}

// compareShape compares one expected and one got shape of the same group.
func compareShape(e, g *shape) (bool, string) {
	if e.tag != g.tag {
		if isPartyGroup(e.group) {
			return false, "option " + optionOf(g.tag) + " given where " + optionOf(e.tag) + " is due"
		}
		return false, "field " + g.tag + " given where " + e.tag + " is due"
	}
	switch e.kind {
	case kindPlain:
		if e.group == "sender" || e.group == "receiver" {
			if bic11(e.plain) == bic11(g.plain) {
				return true, ""
			}
			return false, "wrong BIC"
		}
		if e.plain == g.plain {
			return true, ""
		}
		// A reference with characters outside the X set cannot be copied
		// verbatim: any transliteration of it counts.
		if e.group == "20" && firstNonX(e.plain) >= 0 && matchAny(canon(e.plain), canon(g.plain)) {
			return true, ""
		}
		return false, "wrong value"
	case kindAmount:
		var wrong []string
		if e.date != g.date {
			wrong = append(wrong, "date")
		}
		if e.ccy != g.ccy {
			wrong = append(wrong, "currency")
		}
		if e.amt != g.amt || g.amt == "" {
			wrong = append(wrong, "amount")
		}
		if len(wrong) > 0 {
			return false, "wrong " + strings.Join(wrong, " and ")
		}
		return true, ""
	case kindItems:
		if strings.Join(e.items, "|") == strings.Join(g.items, "|") {
			return true, ""
		}
		return false, "codes or texts differ"
	case kindText:
		if matchText(e.rest, g.rest, e.fits, e.capacity) {
			return true, ""
		}
		if e.extendOK {
			for _, x := range e.rest {
				for _, y := range g.rest {
					if x != "" && strings.HasPrefix(y, x) {
						return true, ""
					}
				}
			}
		}
		return false, "text differs"
	}
	// Parties and agents.
	var wrong []string
	if e.acct != g.acct {
		wrong = append(wrong, "account")
	}
	if e.bic != g.bic {
		wrong = append(wrong, "BIC")
	}
	if e.ctry != g.ctry {
		wrong = append(wrong, "country")
	}
	if len(e.name) > 0 && !matchText(e.name, g.name, e.fits, e.capacity) {
		wrong = append(wrong, "name")
	}
	if len(e.rest) > 0 {
		// A post code may sit inside the town line or in its own element:
		// whichever side has it as an element, it is optional in the other.
		if !matchText(stripAll(e.rest, g.pstcd), stripAll(g.rest, e.pstcd), e.fits, e.capacity) {
			wrong = append(wrong, "name or address")
		}
	}
	if len(wrong) > 0 {
		return false, "wrong " + strings.Join(wrong, ", ")
	}
	return true, ""
}

func optionOf(tag string) string {
	if len(tag) == 3 {
		return tag[2:]
	}
	return "(none)"
}

// stripAll removes the first occurrence of sub from each variant.
func stripAll(vs []string, sub string) []string {
	if sub == "" {
		return vs
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strings.Replace(v, sub, "", 1)
	}
	return out
}
