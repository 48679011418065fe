package iso20022

import (
	"sort"
	"strings"
)

// Violation is one format or network-rule problem of a message. Code is
// stable: C1..C18 for the MT103 network validated rules, upper-case words
// for format problems (see the README for the list).
type Violation struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// network reports whether v is a network validated rule (C1..C18).
func (v Violation) network() bool {
	return len(v.Code) >= 2 && v.Code[0] == 'C' && isN(v.Code[1:])
}

// fieldSpec is one entry of the MT103 block 4 sequence.
type fieldSpec struct {
	num       string // tag number, e.g. "50"
	options   string // allowed option letters; "-" stands for no letter
	mandatory bool
	repeat    bool
}

// mt103Seq is the MT103 field sequence, in the order the fields must appear.
var mt103Seq = []fieldSpec{
	{"20", "-", true, false},
	{"13", "C", false, true},
	{"23", "B", true, false},
	{"23", "E", false, true},
	{"26", "T", false, false},
	{"32", "A", true, false},
	{"33", "B", false, false},
	{"36", "-", false, false},
	{"50", "AFK", true, false},
	{"51", "A", false, false},
	{"52", "AD", false, false},
	{"53", "ABD", false, false},
	{"54", "ABD", false, false},
	{"55", "ABD", false, false},
	{"56", "ACD", false, false},
	{"57", "ABCD", false, false},
	{"59", "-AF", true, false},
	{"70", "-", false, false},
	{"71", "A", true, false},
	{"71", "F", false, true},
	{"71", "G", false, false},
	{"72", "-", false, false},
	{"77", "B", false, false},
	{"77", "T", false, false},
}

// seqIndex returns the position of tag in mt103Seq, or -1.
func seqIndex(tag string) int {
	num, opt := tag[:2], "-"
	if len(tag) == 3 {
		opt = tag[2:]
	}
	for i, f := range mt103Seq {
		if f.num == num && strings.Contains(f.options, opt) {
			// 23B/23E and 71A/71F/71G share a number: the option picks the entry.
			return i
		}
	}
	return -1
}

// validator accumulates violations for one message.
type validator struct {
	out []Violation
	// bad[i] is set when field i has a format violation, so its row in the
	// translation table fails too.
	bad []bool
}

func (v *validator) add(code, field string, line int, msg string) {
	v.out = append(v.out, Violation{Code: code, Field: field, Line: line, Message: msg})
}

func (v *validator) addField(i int, f mtField, code string, lineOff int, msg string) {
	v.add(code, f.Tag, f.Line+lineOff, msg)
	if i >= 0 && i < len(v.bad) {
		v.bad[i] = true
	}
}

// validateMT checks a parsed message against the MT103 standard: headers,
// block 3, block 4 sequence and field formats, then the network rules.
// It returns the violations sorted by line and the per-field bad flags.
func validateMT(m *mtMessage) ([]Violation, []bool) {
	v := &validator{bad: make([]bool, len(m.Fields))}
	v.out = append(v.out, m.Problems...)
	v.headers(m)
	v.block3(m)
	v.block5(m)
	v.sequence(m)
	for i, f := range m.Fields {
		v.field(i, f)
	}
	v.networkRules(m)
	sort.SliceStable(v.out, func(i, j int) bool { return v.out[i].Line < v.out[j].Line })
	return v.out, v.bad
}

// headers checks blocks 1 and 2 and fills Sender, Receiver and MsgType.
func (v *validator) headers(m *mtMessage) {
	var b1LT string
	if m.HasB1 {
		b := m.B1
		switch {
		case len(b) != 25 || !strings.HasPrefix(b, "F01"):
			v.add("BLOCK1", "1", m.B1Line, "basic header must be F01 + 12-character logical terminal + 4!n session + 6!n sequence")
		case !validLT(b[3:15]):
			v.add("BLOCK1", "1", m.B1Line, "logical terminal "+b[3:15]+" is not a BIC8 + terminal code + branch")
		case !isN(b[15:]):
			v.add("BLOCK1", "1", m.B1Line, "session and sequence numbers must be digits")
		}
		if len(b) >= 15 && validLT(b[3:15]) {
			b1LT = b[3:15]
		}
	} else if m.HasB4 && (m.HasB2 || m.HasB3) {
		v.add("BLOCK1", "1", m.B2Line, "basic header block {1:} is missing")
	}
	if !m.HasB2 {
		if m.HasB1 {
			v.add("BLOCK2", "2", m.B1Line, "application header block {2:} is missing")
		}
		if b1LT != "" {
			m.Sender = ltBIC(b1LT)
		}
		return
	}
	b := m.B2
	if len(b) < 4 {
		v.add("BLOCK2", "2", m.B2Line, "application header is too short")
		return
	}
	m.MsgType = b[1:4]
	switch b[0] {
	case 'I':
		m.Input = true
		// I + 103 + LT12 + [priority N|U|S] [+ delivery monitoring 1!n] [+ obsolescence 3!n]
		rest := b[4:]
		if len(rest) < 12 || !validLT(rest[:12]) {
			v.add("BLOCK2", "2", m.B2Line, "input header needs the receiver's 12-character logical terminal address")
			break
		}
		m.Receiver = ltBIC(rest[:12])
		tail := rest[12:]
		if tail != "" && strings.IndexByte("NUS", tail[0]) >= 0 {
			tail = tail[1:]
		}
		if len(tail) != 0 && len(tail) != 1 && len(tail) != 4 || (tail != "" && !isN(tail)) {
			v.add("BLOCK2", "2", m.B2Line, "input header ends with priority N, U or S, then optional monitoring 1!n and obsolescence 3!n")
		}
		if b1LT != "" {
			m.Sender = ltBIC(b1LT)
		}
	case 'O':
		// O + 103 + HHMM + MIR(YYMMDD + LT12 + 4!n + 6!n) + YYMMDD + HHMM [+ priority]
		if len(b) != 46 && len(b) != 47 {
			v.add("BLOCK2", "2", m.B2Line, "output header is O + type + input time + 28-character MIR + output date and time [+ priority]")
			break
		}
		if !validHHMM(b[4:8]) || !validDate(b[8:14]) || !validLT(b[14:26]) || !isN(b[26:36]) || !validDate(b[36:42]) || !validHHMM(b[42:46]) {
			v.add("BLOCK2", "2", m.B2Line, "output header has an invalid time, date or message input reference")
			break
		}
		if len(b) == 47 && strings.IndexByte("NUS", b[46]) < 0 {
			v.add("BLOCK2", "2", m.B2Line, "priority must be N, U or S")
		}
		m.Sender = ltBIC(b[14:26])
		if b1LT != "" {
			m.Receiver = ltBIC(b1LT)
		}
	default:
		v.add("BLOCK2", "2", m.B2Line, "application header must start with I (input) or O (output)")
	}
}

// validLT checks a 12-character logical terminal: BIC8, a terminal code
// and a 3-character branch (XXX for none).
func validLT(s string) bool {
	return len(s) == 12 && validBIC(s[:8]) && isUpperAlnum(s[8]) && isC(s[9:])
}

// ltBIC returns the BIC11 of a logical terminal address.
func ltBIC(lt string) string { return lt[:8] + lt[9:] }

func (v *validator) block3(m *mtMessage) {
	var has121, has111 bool
	seen := map[string]bool{}
	for _, t := range m.B3 {
		if seen[t.Tag] {
			v.add("BLOCK3", t.Tag, t.Line, "block 3 tag "+t.Tag+" is repeated")
		}
		seen[t.Tag] = true
		switch t.Tag {
		case "121":
			has121 = true
			if !validUETR(t.Value) {
				v.add("UETR", "121", t.Line, "UETR must be a lowercase UUID version 4 (xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx)")
			}
		case "111":
			has111 = true
			if len(t.Value) != 3 || !isN(t.Value) {
				v.add("BLOCK3", "111", t.Line, "service type identifier must be 3!n")
			}
		case "103":
			if len(t.Value) != 3 || !isA(t.Value) {
				v.add("BLOCK3", "103", t.Line, "service identifier must be 3!a")
			}
		case "113":
			if len(t.Value) != 4 || firstNonX(t.Value) >= 0 {
				v.add("BLOCK3", "113", t.Line, "banking priority must be 4!x")
			}
		case "108":
			if t.Value == "" || len(t.Value) > 16 || firstNonX(t.Value) >= 0 {
				v.add("BLOCK3", "108", t.Line, "message user reference must be 16x")
			}
		case "119":
			if t.Value != "STP" && t.Value != "REMIT" {
				v.add("BLOCK3", "119", t.Line, "validation flag of an MT103 is STP or REMIT")
			}
		case "106", "115", "165", "423", "424", "433", "434":
			// System-set or screening tags: format owned by the network.
		default:
			v.add("BLOCK3", t.Tag, t.Line, "tag "+t.Tag+" is not a user header tag")
		}
	}
	if has111 && !has121 {
		v.add("BLOCK3", "111", m.B4Line, "tag 111 requires tag 121")
	}
	if !has121 && (m.HasB1 || m.HasB2) {
		line := m.B2Line
		if line == 0 {
			line = m.B1Line
		}
		v.add("UETR", "121", line, "block 3 must carry the UETR in tag 121 (mandatory for MT103 since SR2018)")
	}
}

// block5 checks the trailer: CHK 12!h, MAC and PAC 8!h, and the other
// trailer tags the network sets.
func (v *validator) block5(m *mtMessage) {
	for _, t := range m.B5 {
		switch t.Tag {
		case "CHK":
			if len(t.Value) != 12 || !allOf(t.Value, isUpperHex) {
				v.add("BLOCK5", "CHK", t.Line, "checksum must be 12 hexadecimal characters (12!h)")
			}
		case "MAC", "PAC":
			if len(t.Value) != 8 || !allOf(t.Value, isUpperHex) {
				v.add("BLOCK5", t.Tag, t.Line, t.Tag+" must be 8 hexadecimal characters (8!h)")
			}
		case "TNG", "PDE", "PDM", "DLM", "MRF", "SYS":
		default:
			v.add("BLOCK5", t.Tag, t.Line, "tag "+t.Tag+" is not a trailer tag")
		}
	}
}

func isUpperHex(c byte) bool { return isDigit(c) || (c >= 'A' && c <= 'F') }

// sequence checks the order, presence and repetition of block 4 fields.
func (v *validator) sequence(m *mtMessage) {
	last := -1
	count := make([]int, len(mt103Seq))
	for i, f := range m.Fields {
		k := seqIndex(f.Tag)
		if k < 0 {
			v.addField(i, f, "UNKNOWN_FIELD", 0, "field "+f.Tag+" is not part of an MT103")
			continue
		}
		if k < last {
			v.addField(i, f, "FIELD_ORDER", 0, "field "+f.Tag+" is out of sequence")
		}
		if k == last && !mt103Seq[k].repeat || count[k] > 0 && k != last && !mt103Seq[k].repeat {
			v.addField(i, f, "DUPLICATE_FIELD", 0, "field "+f.Tag+" may appear only once")
		} else if count[k] > 0 && k != last {
			v.addField(i, f, "FIELD_ORDER", 0, "repetitions of "+f.Tag+" must be consecutive")
		}
		count[k]++
		if k > last {
			last = k
		}
	}
	for k, s := range mt103Seq {
		if s.mandatory && count[k] == 0 {
			name := s.num
			if len(s.options) == 1 && s.options != "-" {
				name += s.options
			} else if len(s.options) > 1 {
				name += "a"
			}
			v.add("MISSING_FIELD", name, m.B4Line, "mandatory field "+name+" is missing")
		}
	}
	if has(m, "70") && has(m, "77T") {
		v.add("FIELD_CONFLICT", "77T", m.B4Line, "fields 70 and 77T are mutually exclusive")
	}
	if has(m, "77T") && tag3(m, "119") != "REMIT" {
		v.add("FIELD_CONFLICT", "77T", m.B4Line, "field 77T is only allowed in the REMIT variant (119:REMIT)")
	}
	if tag3(m, "119") == "REMIT" && !has(m, "77T") {
		// The REMIT variant carries its remittance data in 77T, which is
		// then mandatory (and 70 is not allowed, as checked above).
		v.add("MISSING_FIELD", "77T", m.B4Line, "the REMIT variant (119:REMIT) requires field 77T")
	}
	if has(m, "51A") {
		v.add("FIELD_CONFLICT", "51A", m.B4Line, "field 51A is only valid in FileAct (error code D63), not in a FIN MT103")
	}
	if tag3(m, "119") == "STP" {
		v.stp(m)
	}
}

// stp checks the MT103+ (119:STP) restrictions: party fields in their
// identifier (A) options, 23E limited to four codes, and the beneficiary's
// account present.
func (v *validator) stp(m *mtMessage) {
	allowed := map[string]string{"50": "AFK", "52": "A", "53": "AB", "54": "A", "55": "A", "56": "A", "57": "A", "59": "-AF"}
	for i, f := range m.Fields {
		num, opt := f.Tag[:2], "-"
		if len(f.Tag) == 3 {
			opt = f.Tag[2:]
		}
		if ok, in := allowed[num]; in && !strings.Contains(ok, opt) {
			var opts []string
			for _, c := range ok {
				if c == '-' {
					opts = append(opts, "no letter")
				} else {
					opts = append(opts, string(c))
				}
			}
			v.addField(i, f, "STP", 0, "field "+f.Tag+" is not allowed in an MT103+ (119:STP): options "+strings.Join(opts, ", "))
		}
		switch {
		case f.Tag == "23E":
			code, _, _ := strings.Cut(f.Value, "/")
			if code != "CORT" && code != "INTC" && code != "SDVA" && code != "REPA" {
				v.addField(i, f, "STP", 0, "23E code "+code+" is not allowed in an MT103+: only CORT, INTC, SDVA, REPA")
			}
		case num == "59" && !strings.HasPrefix(f.Value, "/"):
			v.addField(i, f, "STP", 0, "an MT103+ needs the beneficiary's account on the first line of field "+f.Tag)
		}
	}
}

func has(m *mtMessage, tag string) bool {
	for _, f := range m.Fields {
		if f.Tag == tag {
			return true
		}
	}
	return false
}

func tag3(m *mtMessage, tag string) string {
	for _, t := range m.B3 {
		if t.Tag == tag {
			return t.Value
		}
	}
	return ""
}

// lines splits a field value into lines, reporting characters outside the
// X set, too many lines, lines too long and lines starting with ':' or '-'.
func (v *validator) lines(i int, f mtField, maxLines, maxLen int) []string {
	ls := strings.Split(f.Value, "\n")
	if maxLines > 0 && len(ls) > maxLines {
		v.addField(i, f, "TOO_MANY_LINES", maxLines, "field "+f.Tag+" has "+itoa(len(ls))+" lines, at most "+itoa(maxLines)+" allowed")
	}
	for k, l := range ls {
		if j := firstNonX(l); j >= 0 {
			v.addField(i, f, "CHARSET", k, "character "+quoteChar(l, j)+" at column "+itoa(j+1)+" is not in the SWIFT X character set")
		}
		if maxLen > 0 && len(l) > maxLen {
			v.addField(i, f, "LINE_TOO_LONG", k, "line "+itoa(k+1)+" of field "+f.Tag+" has "+itoa(len(l))+" characters, at most "+itoa(maxLen)+" allowed")
		}
		if k > 0 && l != "" && (l[0] == '-' || l[0] == ':') {
			v.addField(i, f, "LINE_START", k, "a field line must not start with ':' or '-'")
		}
		// An empty first line too: the content starts right after the
		// tag (":70:" then a line break is an empty line 1).
		if l == "" {
			v.addField(i, f, "EMPTY_LINE", k, "field "+f.Tag+" has an empty line")
		}
	}
	return ls
}

func quoteChar(s string, j int) string {
	r := []rune(s[j:])
	if len(r) == 0 {
		return "?"
	}
	return "'" + string(r[0]) + "'"
}

// field checks one field's format notation.
func (v *validator) field(i int, f mtField) {
	switch f.Tag {
	case "20":
		ls := v.lines(i, f, 1, 16)
		if s := ls[0]; strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.Contains(s, "//") {
			v.addField(i, f, "FORMAT", 0, "reference must not start or end with '/' nor contain '//' (T26)")
		}
	case "13C":
		ls := v.lines(i, f, 1, 0)
		s := ls[0]
		// /8c/4!n1!x4!n
		j := strings.IndexByte(s[min(1, len(s)):], '/') + 1
		if len(s) < 2 || s[0] != '/' || j < 2 || len(s) != j+10 {
			v.addField(i, f, "FORMAT", 0, "time indication must be /code/HHMM+HHMM")
			return
		}
		code, tm, sign, off := s[1:j], s[j+1:j+5], s[j+5], s[j+6:]
		if !codes13C[code] {
			v.addField(i, f, "CODE", 0, "time indication code must be CLSTIME, RNCTIME or SNDTIME")
		}
		if !validHHMM(tm) || (sign != '+' && sign != '-') || len(off) != 4 || !isN(off) || atoi(off[:2]) > 13 || atoi(off[2:]) > 59 {
			v.addField(i, f, "FORMAT", 0, "time indication must be HHMM then +/- and a UTC offset HHMM")
		}
	case "23B":
		ls := v.lines(i, f, 1, 4)
		if !codes23B[ls[0]] {
			v.addField(i, f, "CODE", 0, "bank operation code must be CRED, CRTS, SPAY, SPRI or SSTD (T36)")
		}
	case "23E":
		ls := v.lines(i, f, 1, 35)
		code, text, slash := strings.Cut(ls[0], "/")
		if rank23E(code) < 0 {
			v.addField(i, f, "CODE", 0, "instruction code "+code+" is not allowed in an MT103 (T47)")
		} else if slash && !codes23EText[code] {
			v.addField(i, f, "CODE", 0, "instruction code "+code+" takes no additional information (D97)")
		}
		if slash && (text == "" || len(text) > 30) {
			v.addField(i, f, "FORMAT", 0, "additional information after the code is 30x")
		}
	case "26T":
		ls := v.lines(i, f, 1, 3)
		if len(ls[0]) != 3 || !isC(ls[0]) {
			v.addField(i, f, "FORMAT", 0, "transaction type code must be 3!c")
		}
	case "32A":
		ls := v.lines(i, f, 1, 0)
		s := ls[0]
		if len(s) < 10 {
			v.addField(i, f, "FORMAT", 0, "value date, currency and amount must be 6!n3!a15d")
			return
		}
		if !validDate(s[:6]) {
			v.addField(i, f, "DATE", 0, "value date "+s[:6]+" is not a valid YYMMDD date (T50)")
		}
		if metals[s[6:9]] {
			v.addField(i, f, "CURRENCY", 0, "precious metals are not allowed in 32A (C08)")
		}
		v.amount(i, f, s[6:9], s[9:])
	case "33B", "71F", "71G":
		ls := v.lines(i, f, 1, 0)
		s := ls[0]
		if len(s) < 4 {
			v.addField(i, f, "FORMAT", 0, "currency and amount must be 3!a15d")
			return
		}
		v.amount(i, f, s[:3], s[3:])
	case "36":
		ls := v.lines(i, f, 1, 0)
		if code, msg := amountProblem(ls[0], 12, -1); code != "" {
			v.addField(i, f, "FORMAT", 0, "exchange rate (12d): "+msg)
		}
	case "50A", "59A":
		ls := v.lines(i, f, 2, 0)
		if len(ls) == 2 {
			v.account(i, f, ls[0], 0, false)
		}
		v.bic(i, f, ls[len(ls)-1], len(ls)-1)
	case "51A", "52A", "53A", "54A", "55A", "56A", "57A":
		ls := v.lines(i, f, 2, 0)
		if len(ls) == 2 {
			v.partyID(i, f, ls[0])
		}
		v.bic(i, f, ls[len(ls)-1], len(ls)-1)
	case "50K", "59":
		ls := v.lines(i, f, 5, 35)
		if len(ls) > 0 && strings.HasPrefix(ls[0], "/") {
			v.account(i, f, ls[0], 0, true)
			if len(ls) > 5 {
				return
			}
		} else if len(ls) > 4 {
			v.addField(i, f, "TOO_MANY_LINES", 4, "name and address are at most 4 lines (4*35x)")
		}
	case "50F", "59F":
		v.structured(i, f)
	case "52D", "53D", "54D", "55D", "56D", "57D":
		ls := v.lines(i, f, 5, 0)
		body := ls
		if strings.HasPrefix(ls[0], "/") {
			v.partyID(i, f, ls[0])
			body = ls[1:]
		}
		if len(body) == 0 || len(body) > 4 {
			v.addField(i, f, "FORMAT", 0, "name and address must be 1 to 4 lines of 35x")
		}
		for k, l := range body {
			if len(l) > 35 {
				v.addField(i, f, "LINE_TOO_LONG", len(ls)-len(body)+k, "name and address lines are at most 35 characters")
			}
		}
	case "53B", "54B", "55B", "57B":
		ls := v.lines(i, f, 2, 0)
		body := ls
		if strings.HasPrefix(ls[0], "/") {
			v.partyID(i, f, ls[0])
			body = ls[1:]
		}
		if len(body) > 1 || (len(body) == 1 && len(body[0]) > 35) {
			v.addField(i, f, "FORMAT", 0, "location is one optional line of 35x")
		}
	case "56C", "57C":
		ls := v.lines(i, f, 1, 0)
		if !strings.HasPrefix(ls[0], "/") || len(ls[0]) > 35 || len(ls[0]) < 2 {
			v.addField(i, f, "FORMAT", 0, "party identifier must be /34x")
		}
	case "70":
		v.lines(i, f, 4, 35)
	case "72":
		ls := v.lines(i, f, 6, 35)
		if !strings.HasPrefix(ls[0], "/") || strings.HasPrefix(ls[0], "//") || strings.IndexByte(ls[0][1:], '/') < 0 {
			v.addField(i, f, "FORMAT", 0, "first line of 72 must be /code/[text] (/8c/[32x])")
		}
		for k, l := range ls {
			if !strings.HasPrefix(l, "/") {
				v.addField(i, f, "FORMAT", k, "each line of 72 must start with /code/ or // for a continuation")
			} else if !strings.HasPrefix(l, "//") {
				code, _, ok := strings.Cut(l[1:], "/")
				if !ok || code == "" || len(code) > 8 || !isC(code) {
					v.addField(i, f, "FORMAT", k, "code of 72 must be /8c/")
				}
			}
		}
	case "77B":
		v.lines(i, f, 3, 35)
	case "77T":
		if len(f.Value) > 9000 {
			v.addField(i, f, "FORMAT", 0, "envelope contents are at most 9000 characters")
		}
	case "71A":
		ls := v.lines(i, f, 1, 3)
		if !codes71A[ls[0]] {
			v.addField(i, f, "CODE", 0, "details of charges must be BEN, OUR or SHA")
		}
	}
}

// amount checks a currency code and an amount (15d) together.
func (v *validator) amount(i int, f mtField, ccy, amt string) {
	minor, ok := currencyMinor[ccy]
	if !ok {
		v.addField(i, f, "CURRENCY", 0, "currency "+ccy+" is not an ISO 4217 code (T52)")
		minor = -1
	}
	if code, msg := amountProblem(amt, 15, minor); code != "" {
		v.addField(i, f, code, 0, msg)
	}
}

func (v *validator) bic(i int, f mtField, s string, line int) {
	if !validBIC(s) {
		v.addField(i, f, "BIC", line, "\""+s+"\" is not a valid BIC (4!a2!a2!c[3!c])")
	}
}

// account checks [/34x], and IBAN check digits when it looks like an IBAN.
func (v *validator) account(i int, f mtField, s string, line int, optional bool) {
	if !strings.HasPrefix(s, "/") {
		if !optional {
			v.addField(i, f, "FORMAT", line, "account must be /34x")
		}
		return
	}
	a := s[1:]
	if a == "" || len(a) > 34 {
		v.addField(i, f, "FORMAT", line, "account must be /34x")
		return
	}
	v.iban(i, f, a, line)
}

func (v *validator) iban(i int, f mtField, a string, line int) {
	if checkIBAN(a) == ibanBad {
		v.addField(i, f, "IBAN", line, "IBAN "+a+" has a wrong length or check digits")
	}
}

// partyID checks [/1!a][/34x] of the agent options.
func (v *validator) partyID(i int, f mtField, s string) {
	if !strings.HasPrefix(s, "/") {
		v.addField(i, f, "FORMAT", 0, "party identifier must be [/1!a][/34x]")
		return
	}
	a := s[1:]
	if len(a) >= 2 && (a[0] == 'C' || a[0] == 'D') && a[1] == '/' {
		a = a[2:]
	} else if strings.HasPrefix(a, "/") {
		// "//" starts a clearing system code such as //FW021000018.
		a = a[1:]
	}
	if a == "" || len(a) > 34 {
		v.addField(i, f, "FORMAT", 0, "party identifier must be [/1!a][/34x]")
		return
	}
	v.iban(i, f, a, 0)
}

// structured checks 50F and 59F: an identifier line then numbered lines
// 1!n/33x with the ordering rules of T56 and a country on the first 3/.
func (v *validator) structured(i int, f mtField) {
	ls := v.lines(i, f, 5, 35)
	body := ls
	if f.Tag == "50F" {
		id := ls[0]
		body = ls[1:]
		if strings.HasPrefix(id, "/") {
			v.account(i, f, id, 0, false)
		} else {
			code, rest, ok := strings.Cut(id, "/")
			cc, ident, ok2 := strings.Cut(rest, "/")
			switch {
			case !ok || !ok2 || !codes50FIdent[code]:
				v.addField(i, f, "FORMAT", 0, "first line of 50F is /account or code/country/identifier with code ARNU, CCPT, CUST, DRLC, EMPL, NIDN, SOSE or TXID (T54, T55)")
			case !countries[cc]:
				v.addField(i, f, "COUNTRY", 0, "country "+cc+" of the party identifier is not an ISO 3166 code")
			case ident == "" || len(ident) > 27:
				v.addField(i, f, "FORMAT", 0, "identifier of 50F is 27x")
			}
		}
	} else if strings.HasPrefix(ls[0], "/") {
		v.account(i, f, ls[0], 0, true)
		body = ls[1:]
	}
	off := len(ls) - len(body)
	if len(body) == 0 {
		v.addField(i, f, "FORMAT", 0, "name and address lines (1!n/33x) are missing")
		return
	}
	maxNum := byte('8')
	if f.Tag == "59F" {
		maxNum = '3'
	}
	prev := byte('0')
	seen := map[byte]bool{}
	first3 := true
	for k, l := range body {
		if len(l) < 3 || l[1] != '/' || l[0] < '1' || l[0] > maxNum {
			v.addField(i, f, "FORMAT", off+k, "line must be a number 1-"+string(maxNum)+" then '/' and up to 33 characters (T56)")
			continue
		}
		n := l[0]
		if k == 0 && n != '1' {
			v.addField(i, f, "FORMAT", off+k, "the first numbered line must be 1/ (name) (T56)")
		}
		if n < prev {
			v.addField(i, f, "FORMAT", off+k, "numbered lines must be in ascending order (T56)")
		}
		prev = n
		seen[n] = true
		if n == '3' && first3 {
			first3 = false
			cc, town, ok := strings.Cut(l[2:], "/")
			if !ok || !countries[cc] {
				v.addField(i, f, "COUNTRY", off+k, "3/ must start with a valid ISO country code and '/' (T73)")
			} else if town == "" {
				v.addField(i, f, "FORMAT", off+k, "3/ needs a town after the country code")
			}
		}
	}
	if seen['2'] && !seen['3'] {
		v.addField(i, f, "FORMAT", 0, "line 2/ (address) requires line 3/ (country and town) (T56)")
	}
	if seen['4'] != seen['5'] {
		v.addField(i, f, "FORMAT", 0, "lines 4/ (date of birth) and 5/ (place of birth) go together (T56)")
	}
	if seen['4'] {
		for k, l := range body {
			if len(l) >= 2 && l[0] == '4' && !validDate(l[2:]) {
				v.addField(i, f, "DATE", off+k, "date of birth must be YYYYMMDD")
			}
		}
	}
}
