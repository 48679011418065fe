package iso20022

import "strings"

// networkRules applies the MT103 network validated rules C1..C18. Each
// violation names the field the rule is about and the line of that field
// (or of block 4 when the field is missing).
func (v *validator) networkRules(m *mtMessage) {
	get := func(num string) (mtField, bool) {
		for _, f := range m.Fields {
			if strings.HasPrefix(f.Tag, num) && (len(num) == 3 || len(f.Tag) <= 3) {
				return f, true
			}
		}
		return mtField{}, false
	}
	opt := func(f mtField) string {
		if len(f.Tag) == 3 {
			return f.Tag[2:]
		}
		return ""
	}
	line := func(f mtField, ok bool) int {
		if ok {
			return f.Line
		}
		return m.B4Line
	}
	f32, has32 := get("32A")
	f33, has33 := get("33B")
	f36, has36 := get("36")
	ccy32 := ""
	if has32 && len(f32.Value) >= 9 {
		ccy32 = f32.Value[6:9]
	}
	// C1 (D75)
	if has33 && len(f33.Value) >= 3 && ccy32 != "" && f33.Value[:3] != ccy32 {
		if !has36 {
			v.add("C1", "36", line(f33, true), "33B currency differs from 32A currency, so 36 (exchange rate) is mandatory (D75)")
		}
	} else if has36 {
		v.add("C1", "36", f36.Line, "36 (exchange rate) is only allowed when 33B is present with a currency other than 32A's (D75)")
	}
	// C2 (D49)
	if m.Sender != "" && m.Receiver != "" && c2Countries[m.Sender[4:6]] && c2Countries[m.Receiver[4:6]] && !has33 {
		v.add("C2", "33B", line(f32, has32), "sender and receiver are both in the C2 country list, so 33B is mandatory (D49)")
	}
	b23 := ""
	if f, ok := get("23B"); ok {
		b23 = f.Value
	}
	restricted := b23 == "SPRI" || b23 == "SSTD" || b23 == "SPAY"
	var codes []string
	codeLine := map[string]int{}
	for _, f := range m.Fields {
		if f.Tag == "23E" {
			c, _, _ := strings.Cut(f.Value, "/")
			codes = append(codes, c)
			codeLine[c] = f.Line
		}
	}
	// C3 (E01/E02)
	for _, c := range codes {
		switch {
		case b23 == "SPRI" && c != "SDVA" && c != "TELB" && c != "PHOB" && c != "INTC":
			v.add("C3", "23E", codeLine[c], "with 23B SPRI, 23E may only be SDVA, TELB, PHOB or INTC (E01)")
		case b23 == "SSTD" || b23 == "SPAY":
			v.add("C3", "23E", codeLine[c], "with 23B "+b23+", 23E is not allowed (E02)")
		}
	}
	// Collective 23E rules (format: D98 order, E46 duplicates, D67 pairs).
	seen := map[string]bool{}
	prev := -1
	for _, c := range codes {
		r := rank23E(c)
		if seen[c] {
			v.add("CODE", "23E", codeLine[c], "instruction code "+c+" is repeated (E46)")
		}
		if r >= 0 && r < prev {
			v.add("FIELD_ORDER", "23E", codeLine[c], "instruction codes must follow the order SDVA, INTC, REPA, CORT, HOLD, CHQB, PHOB, TELB, PHON, TELE, PHOI, TELI (D98)")
		}
		if r > prev {
			prev = r
		}
		seen[c] = true
	}
	for _, p := range pairs23E {
		if seen[p[0]] && seen[p[1]] {
			v.add("CODE", "23E", codeLine[p[1]], "instruction codes "+p[0]+" and "+p[1]+" may not be combined (D67)")
		}
	}
	f53, has53 := get("53")
	f54, has54 := get("54")
	f55, has55 := get("55")
	f56, has56 := get("56")
	f57, has57 := get("57")
	f59, has59 := get("59")
	if restricted {
		// C4 (E03), C5 (E04)
		if has53 && opt(f53) == "D" {
			v.add("C4", f53.Tag, f53.Line, "with 23B "+b23+", 53a must not be option D (E03)")
		}
		if has53 && opt(f53) == "B" && !strings.HasPrefix(f53.Value, "/") {
			v.add("C5", f53.Tag, f53.Line, "with 23B "+b23+", 53B must carry a party identifier (E04)")
		}
		// C6 (E05)
		if has54 && opt(f54) != "A" {
			v.add("C6", f54.Tag, f54.Line, "with 23B "+b23+", 54a must be option A (E05)")
		}
		// C8 (E07)
		if has55 && opt(f55) != "A" {
			v.add("C8", f55.Tag, f55.Line, "with 23B "+b23+", 55a must be option A (E07)")
		}
		// C10 (E16/E17)
		if has56 && b23 == "SPRI" {
			v.add("C10", f56.Tag, f56.Line, "with 23B SPRI, 56a is not allowed (E16)")
		} else if has56 && opt(f56) != "A" && opt(f56) != "C" {
			v.add("C10", f56.Tag, f56.Line, "with 23B "+b23+", 56a must be option A or C (E17)")
		}
		// C11 (E09)
		if has57 {
			o := opt(f57)
			if o == "B" || (o == "D" && !strings.HasPrefix(f57.Value, "/")) {
				v.add("C11", f57.Tag, f57.Line, "with 23B "+b23+", 57a must be option A, C, or D with a party identifier (E09)")
			}
		}
		// C12 (E10)
		if has59 && !strings.HasPrefix(f59.Value, "/") {
			v.add("C12", f59.Tag, f59.Line, "with 23B "+b23+", the beneficiary's account is mandatory in 59a (E10)")
		}
	}
	// C7 (E06)
	if has55 && (!has53 || !has54) {
		v.add("C7", "55a", f55.Line, "when 55a is present, 53a and 54a are mandatory (E06)")
	}
	// C9 (C81)
	if has56 && !has57 {
		v.add("C9", "57a", f56.Line, "when 56a is present, 57a is mandatory (C81)")
	}
	// C13 (E18)
	if seen["CHQB"] && has59 && strings.HasPrefix(f59.Value, "/") {
		v.add("C13", f59.Tag, f59.Line, "with 23E CHQB, 59a must not carry an account (E18)")
	}
	// C14 (E13/D50/E15), C15 (D51), C18 (C02)
	f71A, _ := get("71A")
	var n71F int
	var first71F mtField
	for _, f := range m.Fields {
		if f.Tag == "71F" {
			if n71F == 0 {
				first71F = f
			}
			n71F++
		}
	}
	f71G, has71G := get("71G")
	switch f71A.Value {
	case "OUR":
		if n71F > 0 {
			v.add("C14", "71F", first71F.Line, "with 71A OUR, 71F is not allowed (E13)")
		}
	case "SHA":
		if has71G {
			v.add("C14", "71G", f71G.Line, "with 71A SHA, 71G is not allowed (D50)")
		}
	case "BEN":
		if n71F == 0 {
			v.add("C14", "71F", f71A.Line, "with 71A BEN, at least one 71F is mandatory (E15)")
		}
		if has71G {
			v.add("C14", "71G", f71G.Line, "with 71A BEN, 71G is not allowed (E15)")
		}
	}
	if (n71F > 0 || has71G) && !has33 {
		l := f71G.Line
		if n71F > 0 {
			l = first71F.Line
		}
		v.add("C15", "33B", l, "when 71F or 71G is present, 33B is mandatory (D51)")
	}
	// C16 (E44), C17 (E45)
	if !has56 && (seen["TELI"] || seen["PHOI"]) {
		v.add("C16", "23E", firstLine(codeLine, "TELI", "PHOI"), "without 56a, 23E may not be TELI or PHOI (E44)")
	}
	if !has57 && (seen["TELE"] || seen["PHON"]) {
		v.add("C17", "23E", firstLine(codeLine, "TELE", "PHON"), "without 57a, 23E may not be TELE or PHON (E45)")
	}
	if has71G && ccy32 != "" && len(f71G.Value) >= 3 && f71G.Value[:3] != ccy32 {
		v.add("C18", "71G", f71G.Line, "71G currency must be the 32A currency (C02)")
	}
}

func firstLine(m map[string]int, a, b string) int {
	if l, ok := m[a]; ok {
		return l
	}
	return m[b]
}
