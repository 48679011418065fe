package iso20022

import (
	"sort"
	"strings"
)

// kind says how a field is compared.
type kind uint8

const (
	kindPlain  kind = iota // exact string (references, codes, BICs of headers)
	kindAmount             // [date] currency amount, amounts compared as numbers
	kindParty              // account, BIC, name and address
	kindText               // free text, canonical with truncation allowance
	kindItems              // unordered coded items (13C, 23E, 72)
)

// shape is one field in comparable form. Both directions reduce both sides
// to shapes: an MT field is parsed into one, and a pacs.008 is mapped into
// the shapes of the MT103 a correct translation holds.
type shape struct {
	tag     string // field with option ("50F") or "sender", "receiver", "121", "111"
	group   string // pairing key: the tag without option for parties, "71F#2" for the 2nd 71F
	display string // MT rendering shown in details
	kind    kind
	idx     int // got side: index of the MT field (-1 when none)

	plain          string
	date, ccy, amt string
	acct, bic      string
	ctry           string
	name, rest     []string // canonical variants: name; address (+town) or whole text
	pstcd          string   // canonical post code, optional inside rest
	items          []string
	fits           bool // expected side: no truncation was needed
	capacity       int  // canonical capacity used for truncation allowance
	optional       bool // expected side: absence is correct too
	extendOK       bool // expected side: text was cut with '+', a longer got text is fine
	synthetic      bool // made up by the mapping rules, not read from the message
}

// groupOf maps a tag to its pairing key: parties pair whatever their
// option, so 50K against an expected 50F is reported as a wrong option.
func groupOf(tag string) string {
	if len(tag) == 3 && isDigit(tag[0]) {
		switch tag[:2] {
		case "50", "52", "53", "54", "55", "56", "57", "59":
			return tag[:2]
		}
	}
	return tag
}

func isPartyGroup(g string) bool {
	switch g {
	case "50", "52", "53", "54", "55", "56", "57", "59":
		return true
	}
	return false
}

// mtShapes turns a parsed MT message into shapes (got side of mx_to_mt,
// expected side of mt_to_mx).
func mtShapes(m *mtMessage) []shape {
	out := make([]shape, 0, len(m.Fields)+4)
	if m.Sender != "" {
		out = append(out, shape{tag: "sender", group: "sender", plain: m.Sender, display: m.Sender, idx: -1})
	}
	if m.Receiver != "" {
		out = append(out, shape{tag: "receiver", group: "receiver", plain: m.Receiver, display: m.Receiver, idx: -1})
	}
	for _, t := range m.B3 {
		if t.Tag == "121" || t.Tag == "111" {
			out = append(out, shape{tag: t.Tag, group: t.Tag, plain: t.Value, display: t.Value, idx: -1})
		}
	}
	n71F := 0
	merged := map[string]int{} // 13C and 23E occurrences merge into one shape
	for i, f := range m.Fields {
		s := shapeOfField(f.Tag, f.Value)
		s.idx = i
		switch f.Tag {
		case "71F":
			n71F++
			s.group = "71F#" + itoa(n71F)
		case "13C", "23E":
			if j, ok := merged[f.Tag]; ok {
				out[j].items = append(out[j].items, s.items...)
				out[j].display += "\n" + s.display
				continue
			}
			merged[f.Tag] = len(out)
		}
		out = append(out, s)
	}
	// Sorted once, not per occurrence: a response repeating 23E a
	// thousand times re-sorted the growing list each time.
	for _, j := range merged {
		sort.Strings(out[j].items)
	}
	return out
}

// shapeOfField parses one MT field value into a shape; malformed values
// give partial shapes that simply fail to compare equal.
func shapeOfField(tag, v string) shape {
	s := shape{tag: tag, group: groupOf(tag), display: v, idx: -1}
	ls := strings.Split(v, "\n")
	switch tag {
	case "32A":
		s.kind = kindAmount
		if len(v) >= 9 {
			s.date, s.ccy, s.amt = v[:6], v[6:9], normAmount(v[9:])
		}
	case "33B", "71F", "71G":
		s.kind = kindAmount
		if len(v) >= 3 {
			s.ccy, s.amt = v[:3], normAmount(v[3:])
		}
	case "36":
		s.plain = normAmount(v)
	case "13C":
		s.kind = kindItems
		s.items = []string{strings.TrimPrefix(v, "/")}
	case "23E":
		s.kind = kindItems
		s.items = []string{item23E(v)}
	case "72":
		s.kind = kindItems
		s.items = items72(ls)
	case "70", "77B":
		s.kind = kindText
		s.rest = canon(strings.Join(ls, " "))
	case "50A", "59A", "51A", "52A", "53A", "54A", "55A", "56A", "57A":
		s.kind = kindParty
		if len(ls) > 1 {
			s.acct = normAcct(ls[0])
		}
		s.bic = bic11(ls[len(ls)-1])
	case "50K", "59", "52D", "53D", "54D", "55D", "56D", "57D", "53B", "54B", "55B", "57B":
		s.kind = kindParty
		if strings.HasPrefix(ls[0], "/") {
			s.acct = normAcct(ls[0])
			ls = ls[1:]
		}
		s.rest = canon(strings.Join(ls, " "))
	case "56C", "57C":
		s.kind = kindParty
		s.acct = normAcct(v)
	case "50F", "59F":
		s.kind = kindParty
		if tag == "50F" || strings.HasPrefix(ls[0], "/") {
			s.acct = normAcct(ls[0])
			ls = ls[1:]
		}
		var name, rest []string
		town := false
		for _, l := range ls {
			if len(l) < 2 || l[1] != '/' {
				rest = append(rest, l)
				continue
			}
			body := l[2:]
			switch l[0] {
			case '1':
				name = append(name, body)
			case '2':
				rest = append(rest, body)
			case '3':
				if !town {
					town = true
					cc, t, _ := strings.Cut(body, "/")
					s.ctry = cc
					body = t
				}
				rest = append(rest, body)
			default:
				// 4/ date and place of birth, 5/ place of birth, 6/
				// customer id, 7/ national id, 8/ continuation: identity
				// data that must come from the source, never invented.
				rest = append(rest, l)
			}
		}
		s.name = canon(strings.Join(name, " "))
		s.rest = canon(strings.Join(rest, " "))
	default:
		s.plain = v
	}
	return s
}

// normAcct normalises an account or party identifier line: no leading '/',
// upper case, no spaces. "/D/123" stays "D/123"; "//FW123" stays "/FW123".
func normAcct(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "/")
	return strings.ToUpper(strings.ReplaceAll(s, " ", ""))
}

func item23E(v string) string {
	code, text, ok := strings.Cut(v, "/")
	if !ok {
		return code
	}
	return code + "/" + canonASCII(text)
}

// items72 parses field 72 into "CODE/TEXT" items: a line /CODE/text starts
// an item, a line //text continues the previous one.
func items72(ls []string) []string {
	var items []string
	for _, l := range ls {
		if strings.HasPrefix(l, "//") && len(items) > 0 {
			items[len(items)-1] += canonASCII(l[2:])
			continue
		}
		code, text, _ := strings.Cut(strings.TrimPrefix(l, "/"), "/")
		if code == "INS" || code == "INTA" {
			if validBIC(strings.TrimSpace(text)) {
				items = append(items, code+"/"+bic11(text))
				continue
			}
		}
		items = append(items, code+"/"+canonASCII(text))
	}
	sort.Strings(items)
	return items
}
