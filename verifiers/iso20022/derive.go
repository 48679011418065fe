package iso20022

import (
	"sort"
	"strings"
)

// clearingCodes maps ISO clearing system identifiers to the two-letter
// codes MT party identifiers use after "//" (e.g. //FW021000018).
var clearingCodes = map[string]string{
	"USABA": "FW", "DEBLZ": "BL", "GBDSC": "SC", "IENCC": "SC", "CHBCC": "SW", "CHSIC": "SW",
	"ATBLZ": "AT", "AUBSB": "AU", "CACPA": "CC", "ESNCC": "ES", "ITNCC": "IT", "INFSC": "IN",
	"NZNCC": "NZ", "PTNCC": "PT", "RUCBC": "RU", "ZANCC": "ZA", "HKNCC": "HK", "GRBIC": "GR",
	"PLKNR": "PL", "USPID": "CP",
}

// view is the MT103 a correct translation of a pacs.008 holds, as shapes
// in MT sequence order.
type view struct {
	shapes []shape
}

func (w *view) add(s shape) {
	if s.group == "" {
		s.group = groupOf(s.tag)
	}
	s.idx = -1
	w.shapes = append(w.shapes, s)
}

// mtView maps a pacs.008 to the MT103 shapes following the graded mapping
// (see README for the decisions on rows graded G). It includes what an
// MT103 must synthesise (33B copied under C2 or C15, a zero 71F under BEN),
// marked synthetic: a pacs.008 response (mt_to_mx) that lacks them is not
// charged for an unexpected field when the reference MT103 lacks them too.
func mtView(msg *pacsMessage) []shape {
	w := &view{}
	t := &msg.Doc.Txs[0]
	sttl := &msg.Doc.GrpHdr.SttlmInf
	sender, receiver := "", ""
	if msg.Hdr != nil {
		sender, receiver = bic11(msg.Hdr.Fr.BICFI), bic11(msg.Hdr.To.BICFI)
	}
	if sender == "" && t.InstgAgt != nil {
		sender = bic11(t.InstgAgt.BICFI)
	}
	if receiver == "" && t.InstdAgt != nil {
		receiver = bic11(t.InstdAgt.BICFI)
	}
	if sender != "" {
		w.add(shape{tag: "sender", plain: sender, display: sender})
	}
	if receiver != "" {
		w.add(shape{tag: "receiver", plain: receiver, display: receiver})
	}
	if u := strings.TrimSpace(t.PmtID.UETR); u != "" {
		u = strings.ToLower(u)
		w.add(shape{tag: "121", plain: u, display: u})
	}
	svc := ""
	for _, s := range t.PmtTpInf.SvcLvl {
		if c := strings.TrimSpace(s.Cd); len(c) == 4 && strings.HasPrefix(c, "G00") && isDigit(c[3]) && svc == "" {
			svc = c[1:]
			w.add(shape{tag: "111", plain: svc, display: svc})
		}
	}
	// 20: <=16 copied, longer cut to 15 + '+', absent NOTPROVIDED (TR001).
	ref := strings.TrimSpace(t.PmtID.InstrID)
	switch {
	case ref == "":
		ref = "NOTPROVIDED"
	case len(ref) > 16:
		ref = ref[:15] + "+"
	}
	w.add(shape{tag: "20", plain: ref, display: ref})
	// 13C
	var times []string
	if x := timeIndication("SNDTIME", t.SttlmTmIndctn.DbtDtTm); x != "" {
		times = append(times, x)
	}
	if x := timeIndication("RNCTIME", t.SttlmTmIndctn.CdtDtTm); x != "" {
		times = append(times, x)
	}
	if x := timeIndication("CLSTIME", t.SttlmTmReq.CLSTm); x != "" {
		times = append(times, x)
	}
	if len(times) > 0 {
		sort.Strings(times)
		w.add(shape{tag: "13C", kind: kindItems, items: times, display: "/" + strings.Join(times, "\n/")})
	}
	// 23B
	op := "CRED"
	if p := strings.TrimSpace(t.PmtTpInf.LclInstrm.Prtry); codes23B[p] {
		op = p
	}
	w.add(shape{tag: "23B", plain: op, display: op})
	// 23E
	var e23 []string
	for _, s := range t.PmtTpInf.SvcLvl {
		if strings.TrimSpace(s.Cd) == "SDVA" {
			e23 = append(e23, "SDVA")
		}
	}
	if c := strings.TrimSpace(t.PmtTpInf.CtgyPurp.Cd); c == "INTC" || c == "CORT" {
		e23 = append(e23, c)
	}
	var rec, acc []string // 72 /REC/ and /ACC/ texts
	for _, in := range t.InstrForCdtrAgt {
		c, inf := strings.TrimSpace(in.Cd), strings.TrimSpace(in.InstrInf)
		switch c {
		case "CHQB", "HOLD", "PHOB", "TELB":
			if inf != "" && codes23EText[c] {
				e23 = append(e23, c+"/"+inf)
			} else {
				e23 = append(e23, c)
				if inf != "" {
					acc = append(acc, inf)
				}
			}
		default:
			if inf != "" {
				acc = append(acc, inf)
			}
		}
	}
	for _, in := range t.InstrForNxtAgt {
		c, inf := strings.TrimSpace(in.Cd), strings.TrimSpace(in.InstrInf)
		// Decision (row graded G): ISO's PHOA/TELA address the next agent,
		// which is the intermediary when 56a is present, else the account
		// with institution; MT codes given directly are taken as they are.
		switch c {
		case "PHOA":
			c = "PHON"
			if t.IntrmyAgt1 != nil {
				c = "PHOI"
			}
		case "TELA":
			c = "TELE"
			if t.IntrmyAgt1 != nil {
				c = "TELI"
			}
		case "PHON", "TELE", "PHOI", "TELI", "REPA":
		default:
			c = ""
		}
		switch {
		case c != "" && inf != "":
			e23 = append(e23, c+"/"+inf)
		case c != "":
			e23 = append(e23, c)
		case inf != "":
			rec = append(rec, inf)
		}
	}
	if len(e23) > 0 {
		sort.SliceStable(e23, func(i, j int) bool { return rank23E(cut(e23[i])) < rank23E(cut(e23[j])) })
		items := make([]string, len(e23))
		for i, e := range e23 {
			items[i] = item23E(e)
		}
		sort.Strings(items)
		disp := make([]string, len(e23))
		for i, e := range e23 {
			disp[i] = toX(e)
		}
		w.add(shape{tag: "23E", kind: kindItems, items: items, display: strings.Join(disp, "\n")})
	}
	// 26T
	if p := strings.TrimSpace(t.Purp.Prtry); len(p) == 3 && isC(p) {
		w.add(shape{tag: "26T", plain: p, display: p})
	}
	// 32A
	date := isoDateToMT(t.IntrBkSttlmDt)
	ccy := strings.TrimSpace(t.IntrBkSttlmAmt.Ccy)
	amt := normAmount(t.IntrBkSttlmAmt.Value)
	w.add(shape{tag: "32A", kind: kindAmount, date: date, ccy: ccy, amt: amt, display: date + ccy + mtAmount(amt)})
	// 71A and charges decide 71F/71G, which decide 33B (C15).
	bearer := strings.TrimSpace(t.ChrgBr)
	code71A := map[string]string{"DEBT": "OUR", "CRED": "BEN", "SHAR": "SHA", "SLEV": "SHA"}[bearer]
	var charges []shape
	if code71A == "OUR" {
		sum, cc := "", ""
		for _, c := range t.ChrgsInf {
			a := normAmount(c.Amt.Value)
			if a == "" {
				continue
			}
			if sum == "" {
				sum, cc = a, strings.TrimSpace(c.Amt.Ccy)
			} else {
				sum = addAmounts(sum, a)
			}
		}
		if sum != "" {
			charges = append(charges, shape{tag: "71G", kind: kindAmount, ccy: cc, amt: sum, display: cc + mtAmount(sum)})
		}
	} else if code71A != "" {
		for i, c := range t.ChrgsInf {
			a, cc := normAmount(c.Amt.Value), strings.TrimSpace(c.Amt.Ccy)
			charges = append(charges, shape{tag: "71F", group: "71F#" + itoa(i+1), kind: kindAmount, ccy: cc, amt: a, display: cc + mtAmount(a)})
		}
		if code71A == "BEN" && len(charges) == 0 {
			// C14 needs at least one 71F with BEN: a zero charge.
			charges = append(charges, shape{tag: "71F", group: "71F#1", kind: kindAmount, ccy: ccy, amt: "0", display: ccy + "0,", synthetic: true})
		}
	}
	// 33B: InstdAmt; else a copy of the settlement amount when C2 or C15
	// make 33B mandatory (TR013; decision for C15).
	if a := t.InstdAmt; a != nil && normAmount(a.Value) != "" {
		v := normAmount(a.Value)
		w.add(shape{tag: "33B", kind: kindAmount, ccy: strings.TrimSpace(a.Ccy), amt: v, display: strings.TrimSpace(a.Ccy) + mtAmount(v)})
	} else if (len(sender) >= 6 && len(receiver) >= 6 && c2Countries[sender[4:6]] && c2Countries[receiver[4:6]]) || len(charges) > 0 {
		w.add(shape{tag: "33B", kind: kindAmount, ccy: ccy, amt: amt, display: ccy + mtAmount(amt), synthetic: true})
	}
	if r := normAmount(t.XchgRate); r != "" {
		w.add(shape{tag: "36", plain: r, display: mtAmount(r)})
	}
	// 50a
	w.add(customer("50", &t.Dbtr, t.DbtrAcct))
	// 52a .. 57a
	if t.DbtrAgt != nil {
		s := agentShape("52", t.DbtrAgt, t.DbtrAgtAcct, "AD")
		s.optional = s.bic != "" && s.bic == sender && s.acct == ""
		w.add(s)
	}
	if a := sttl.InstgRmbrsmntAgt; a != nil {
		w.add(agentShape("53", a, sttl.InstgRmbrsmntAgtAcct, "ABD"))
	} else if id := sttl.SttlmAcct.id(); id != "" {
		w.add(shape{tag: "53B", kind: kindParty, acct: normAcct(id), rest: canon(""), display: "/" + id})
	}
	if a := sttl.InstdRmbrsmntAgt; a != nil {
		w.add(agentShape("54", a, sttl.InstdRmbrsmntAgtAcct, "ABD"))
	}
	if a := sttl.ThrdRmbrsmntAgt; a != nil {
		w.add(agentShape("55", a, sttl.ThrdRmbrsmntAgtAcct, "ABD"))
	}
	if t.IntrmyAgt1 != nil {
		w.add(agentShape("56", t.IntrmyAgt1, t.IntrmyAgt1Acct, "ACD"))
	}
	if t.CdtrAgt != nil {
		s := agentShape("57", t.CdtrAgt, t.CdtrAgtAcct, "ACD")
		s.optional = s.bic != "" && s.bic == receiver && s.acct == ""
		w.add(s)
	}
	w.add(customer("59", &t.Cdtr, t.CdtrAcct))
	// 70: /ROC/ + EndToEndId, and the unstructured remittance. Decision
	// (row graded G): "/ROC/<e2e>" followed by the remittance text is
	// expected; the remittance alone (as Ballerina does) is accepted too.
	e2e := strings.TrimSpace(t.PmtID.EndToEndID)
	ustrd := strings.TrimSpace(strings.Join(t.RmtInf.Ustrd, " "))
	if e2e == "NOTPROVIDED" {
		e2e = ""
	}
	if e2e != "" || ustrd != "" {
		var full string
		var variants []string
		switch {
		case e2e != "" && ustrd != "":
			full = "/ROC/" + e2e + "\n" + ustrd
			variants = append(canon("/ROC/"+e2e+" "+ustrd), canon(ustrd)...)
		case e2e != "":
			full = "/ROC/" + e2e
			variants = canon(full)
		default:
			full = ustrd
			variants = canon(full)
		}
		lines, fits := wrapLines(full, 35, 4)
		w.add(shape{tag: "70", kind: kindText, rest: variants, fits: fits, capacity: len(canonASCII(strings.Join(lines, ""))), display: strings.Join(lines, "\n")})
	}
	w.add(shape{tag: "71A", plain: code71A, display: code71A})
	for _, c := range charges {
		w.add(c)
	}
	// 72: /INS/ previous instructing agents; /INTA/ further intermediaries;
	// /REC/ and /ACC/ instructions without an MT code; /SVCL/ and /LOCINS/.
	var items, lines72 []string
	add72 := func(code, text string) {
		text = strings.TrimSpace(text)
		if text == "" {
			return
		}
		if (code == "INS" || code == "INTA") && validBIC(text) {
			items = append(items, code+"/"+bic11(text))
		} else {
			items = append(items, code+"/"+canon(text)[0])
		}
		l := "/" + code + "/" + toX(text)
		first := true
		for len(l) > 0 {
			n := min(len(l), 35)
			if first {
				lines72 = append(lines72, l[:n])
			} else {
				n = min(len(l), 33)
				lines72 = append(lines72, "//"+l[:n])
			}
			l = l[n:]
			first = false
		}
	}
	for _, a := range []*agent{t.PrvsInstgAgt1, t.PrvsInstgAgt2, t.PrvsInstgAgt3} {
		if a != nil {
			add72("INS", agentName(a))
		}
	}
	for _, a := range []*agent{t.IntrmyAgt2, t.IntrmyAgt3} {
		if a != nil {
			add72("INTA", agentName(a))
		}
	}
	for _, s := range t.PmtTpInf.SvcLvl {
		c := strings.TrimSpace(s.Cd)
		if c != "" && c != "SDVA" && !(len(c) == 4 && strings.HasPrefix(c, "G00")) {
			add72("SVCL", c)
		} else if c == "" {
			add72("SVCL", s.Prtry)
		}
	}
	if l := t.PmtTpInf.LclInstrm; strings.TrimSpace(l.Cd) != "" {
		add72("LOCINS", l.Cd)
	} else if p := strings.TrimSpace(l.Prtry); p != "" && !codes23B[p] {
		add72("LOCINS", p)
	}
	for _, r := range rec {
		add72("REC", r)
	}
	for _, a := range acc {
		add72("ACC", a)
	}
	if len(items) > 0 {
		sort.Strings(items)
		w.add(shape{tag: "72", kind: kindItems, items: items, display: strings.Join(lines72, "\n")})
	}
	// 77B from regulatory reporting (one translator only; kept as text).
	var reg, regInf []string
	for _, r := range t.RgltryRptg {
		for _, d := range r.Dtls {
			inf := strings.Join(d.Inf, " ")
			line := ""
			if c := strings.TrimSpace(d.Cd); c != "" {
				line = "/" + c + "/" + strings.TrimSpace(d.Ctry)
				if inf != "" {
					line += "//" + inf
				}
			} else {
				line = inf
			}
			if line != "" {
				reg = append(reg, line)
			}
			if inf != "" {
				regInf = append(regInf, inf)
			}
		}
	}
	if len(reg) > 0 {
		full := strings.Join(reg, " ")
		lines, fits := wrapLines(full, 35, 3)
		variants := canon(full)
		if len(regInf) > 0 {
			variants = append(variants, canon(strings.Join(regInf, " "))...)
		}
		w.add(shape{tag: "77B", kind: kindText, rest: variants, fits: fits, capacity: len(canonASCII(strings.Join(lines, ""))), display: strings.Join(lines, "\n")})
	}
	return w.shapes
}

func cut(s string) string {
	c, _, _ := strings.Cut(s, "/")
	return c
}

// wrapLines hard-wraps text (keeping its own line breaks) into at most n
// lines of width; when it does not fit, the last kept line ends with '+'.
func wrapLines(text string, width, n int) ([]string, bool) {
	var lines []string
	for _, para := range strings.Split(toXKeepLines(text), "\n") {
		lines = append(lines, wrapX(para, width)...)
	}
	if len(lines) <= n {
		return lines, true
	}
	lines = lines[:n]
	last := lines[n-1]
	if len(last) >= width {
		last = last[:width-1]
	}
	lines[n-1] = last + "+"
	return lines, false
}

// wrapX hard-wraps like wrap but never starts a line with '-' or ':',
// which the X character set forbids at the start of a field line: the
// character moves to the end of the previous line's shorter cut.
func wrapX(s string, width int) []string {
	var out []string
	for len(s) > width {
		n := width
		for n > 1 && (s[n] == '-' || s[n] == ':') {
			n--
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

func toXKeepLines(s string) string {
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = toX(p)
	}
	return strings.Join(parts, "\n")
}

// timeIndication renders 13C content "CODE/HHMM+HHMM" from an ISO date-time
// or time ("2024-03-15T09:30:00+01:00", "09:30:00Z").
func timeIndication(code, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if i := strings.IndexByte(v, 'T'); i >= 0 {
		v = v[i+1:]
	}
	if len(v) < 5 || v[2] != ':' {
		return ""
	}
	hhmm := v[:2] + v[3:5]
	off := "+0000"
	if i := strings.IndexAny(v, "+-"); i >= 0 && len(v) >= i+6 {
		off = v[i:i+3] + v[i+4:i+6]
	}
	return code + "/" + hhmm + off
}

// isoDateToMT turns 2024-03-15 into 240315.
func isoDateToMT(d string) string {
	d = strings.TrimSpace(d)
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return d
	}
	return d[2:4] + d[5:7] + d[8:10]
}

// agentName is the BIC of an agent, else its name.
func agentName(a *agent) string {
	if b := strings.TrimSpace(a.BICFI); b != "" {
		return b
	}
	return a.Nm
}

// agentShape maps a financial institution to option A (BIC), C (clearing
// code only, where allowed) or D (name and address).
func agentShape(num string, a *agent, acct *account, options string) shape {
	id := acct.id()
	if id != "" {
		id = "/" + id
	} else if m := strings.TrimSpace(a.ClrSysMmbID.MmbID); m != "" {
		code := clearingCodes[strings.TrimSpace(a.ClrSysMmbID.Cd)]
		id = "//" + code + m
	}
	if b := strings.TrimSpace(a.BICFI); b != "" {
		disp := b
		if id != "" {
			disp = id + "\n" + b
		}
		return shape{tag: num + "A", kind: kindParty, acct: normAcct(id), bic: bic11(b), display: disp}
	}
	if id != "" && strings.Contains(options, "C") && strings.TrimSpace(a.Nm) == "" {
		return shape{tag: num + "C", kind: kindParty, acct: normAcct(id), display: id}
	}
	text := strings.TrimSpace(a.Nm)
	var lines []string
	lines = append(lines, wrap(toX(text), 35)...)
	addr := addressLines(a.PstlAdr)
	for _, l := range addr {
		lines = append(lines, wrap(toX(l), 35)...)
	}
	full := strings.Join(append([]string{text}, addr...), " ")
	fits := len(lines) <= 4
	if !fits {
		lines = lines[:4]
	}
	disp := strings.Join(lines, "\n")
	if id != "" {
		disp = id + "\n" + disp
	}
	return shape{tag: num + "D", kind: kindParty, acct: normAcct(id), rest: canon(full), fits: fits, capacity: 4 * 35 * 3 / 4, display: disp}
}

// addressLines renders a postal address as free lines: AdrLine as given,
// else the structured parts.
func addressLines(p *pstlAdr) []string {
	if p == nil {
		return nil
	}
	if len(p.AdrLine) > 0 {
		return p.AdrLine
	}
	var out []string
	if s := joinNonEmpty(" ", p.StrtNm, p.BldgNb); s != "" {
		out = append(out, s)
	}
	if s := joinNonEmpty(" ", p.PstCd, p.TwnNm); s != "" {
		out = append(out, s)
	}
	if p.Ctry != "" {
		out = append(out, p.Ctry)
	}
	return out
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// customer maps Dbtr (50a) or Cdtr (59a): option A with AnyBIC, option F
// with a structured address carrying a country, else option K / no letter.
func customer(num string, p *party, acct *account) shape {
	id := acct.id()
	if b := strings.TrimSpace(p.OrgID.AnyBIC); b != "" {
		disp := b
		if id != "" {
			disp = "/" + id + "\n" + b
		}
		return shape{tag: num + "A", kind: kindParty, acct: normAcct(id), bic: bic11(b), display: disp}
	}
	name := strings.TrimSpace(p.Nm)
	if a := p.PstlAdr; a != nil && strings.TrimSpace(a.Ctry) != "" {
		return structuredCustomer(num, p, id)
	}
	var lines []string
	lines = append(lines, wrap(toX(name), 35)...)
	var addr []string
	if p.PstlAdr != nil {
		addr = addressLines(p.PstlAdr)
	}
	for _, l := range addr {
		lines = append(lines, wrap(toX(l), 35)...)
	}
	fits := len(lines) <= 4
	if !fits {
		lines = lines[:4]
	}
	disp := strings.Join(lines, "\n")
	if id != "" {
		disp = "/" + id + "\n" + disp
	}
	tag := num + "K"
	if num == "59" {
		tag = "59"
	}
	full := strings.Join(append([]string{name}, addr...), " ")
	return shape{tag: tag, kind: kindParty, acct: normAcct(id), rest: canon(full), fits: fits, capacity: 100, display: disp}
}

// structuredCustomer renders 50F / 59F (TR026): identifier line, 1/ name,
// 2/ street parts, 3/ country/town.
func structuredCustomer(num string, p *party, id string) shape {
	a := p.PstlAdr
	tag := num + "F"
	ident := ""
	switch {
	case id != "":
		ident = "/" + id
	case num == "50":
		ident = "/NOTPROVIDED"
		for _, o := range append(p.PrvtID.Othr, p.OrgID.Othr...) {
			sc := strings.TrimSpace(o.Scheme)
			cc := strings.TrimSpace(o.Issr)
			if codes50FIdent[sc] && countries[cc] && strings.TrimSpace(o.ID) != "" {
				ident = sc + "/" + cc + "/" + strings.TrimSpace(o.ID)
				break
			}
		}
	}
	street := joinNonEmpty(",", a.StrtNm, a.BldgNb, a.BldgNm, a.Flr, a.PstBx, a.Room, a.Dept, a.SubDept)
	var addrParts []string
	if street != "" {
		addrParts = append(addrParts, street)
	}
	addrParts = append(addrParts, a.AdrLine...)
	town := strings.TrimSpace(a.TwnNm)
	ctry := strings.TrimSpace(a.Ctry)
	nameLines := wrap(toX(strings.TrimSpace(p.Nm)), 33)
	var addrLines []string
	for _, l := range addrParts {
		addrLines = append(addrLines, wrap(toX(l), 33)...)
	}
	townLine := ctry + "/" + toX(town)
	if len(townLine) > 33 {
		townLine = townLine[:33]
	}
	addrMin := min(1, len(addrLines))
	nameN := min(len(nameLines), 3-addrMin)
	addrN := min(len(addrLines), 3-nameN)
	fits := nameN == len(nameLines) && addrN == len(addrLines) && len(ctry+"/"+toX(town)) <= 33
	var lines []string
	if ident != "" {
		lines = append(lines, ident)
	}
	for _, l := range nameLines[:nameN] {
		lines = append(lines, "1/"+l)
	}
	for _, l := range addrLines[:addrN] {
		lines = append(lines, "2/"+l)
	}
	lines = append(lines, "3/"+townLine)
	rest := strings.Join(append(append([]string{}, addrParts...), town), " ")
	return shape{
		tag: tag, kind: kindParty, acct: normAcct(ident), ctry: ctry,
		name: canon(p.Nm), rest: canon(rest), pstcd: canonASCII(a.PstCd),
		fits: fits, capacity: 60, display: strings.Join(lines, "\n"),
	}
}
