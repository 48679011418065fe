package iso20022

import (
	"errors"
	"fmt"
	"strings"
)

// readResponseXML finds and reads the pacs.008 in a response: inside the
// first code fence holding XML, else in the text. Prose around the XML may
// itself hold '<', so up to three starts are tried: the first tag, the XML
// declaration, and the tag that opens the AppHdr or Document.
func readResponseXML(resp string) (*pacsMessage, error) {
	text := resp
	if strings.Contains(resp, "```") {
		for _, f := range fences(resp) {
			if strings.Contains(f.body, "Document") || strings.Contains(f.body, "AppHdr") {
				text = f.body
				break
			}
		}
	}
	end := strings.LastIndexByte(text, '>')
	var starts []int
	for i := 0; i+1 < len(text); i++ {
		if text[i] == '<' && (text[i+1] == '?' || isUpper(text[i+1]) || (text[i+1] >= 'a' && text[i+1] <= 'z')) {
			starts = append(starts, i)
			break
		}
	}
	if i := strings.Index(text, "<?xml"); i >= 0 {
		starts = append(starts, i)
	}
	for _, name := range []string{"AppHdr", "Document"} {
		if i := strings.Index(text, name); i > 0 {
			if j := strings.LastIndexByte(text[:i], '<'); j >= 0 {
				starts = append(starts, j)
				break
			}
		}
	}
	if len(starts) == 0 || end < 0 {
		return nil, errors.New("no pacs.008 XML found in the response")
	}
	var firstErr error
	tried := map[int]bool{}
	for _, s := range starts {
		if tried[s] || s > end {
			continue
		}
		tried[s] = true
		msg, err := readPacs008(text[s : end+1])
		if err == nil {
			return msg, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if strings.Contains(err.Error(), "DOCTYPE") {
			break // never look past a DTD for another start
		}
	}
	return nil, fmt.Errorf("no parseable pacs.008: %w", firstErr)
}

// validatePacs checks a pacs.008 response against the rules a translation
// can break: one transaction, mandatory elements, amounts within the
// currency's minor units, dates, codes, BICs, IBAN check digits and the
// UETR format.
func validatePacs(msg *pacsMessage) []Violation {
	var out []Violation
	add := func(code, field, m string) {
		out = append(out, Violation{Code: code, Field: field, Message: m})
	}
	g := &msg.Doc.GrpHdr
	if len(msg.Doc.Txs) != 1 {
		add("FORMAT", "CdtTrfTxInf", "CBPR+ pacs.008 carries exactly one transaction")
	}
	if strings.TrimSpace(g.NbOfTxs) != "1" {
		add("FORMAT", "GrpHdr/NbOfTxs", "NbOfTxs must be 1")
	}
	for name, v := range map[string]string{"GrpHdr/MsgId": g.MsgID, "GrpHdr/CreDtTm": g.CreDtTm, "GrpHdr/SttlmInf/SttlmMtd": g.SttlmInf.SttlmMtd} {
		if strings.TrimSpace(v) == "" {
			add("MISSING_ELEMENT", name, name+" is mandatory")
		}
	}
	switch strings.TrimSpace(g.SttlmInf.SttlmMtd) {
	case "", "INDA", "INGA", "COVE", "CLRG":
	default:
		add("CODE", "GrpHdr/SttlmInf/SttlmMtd", "settlement method must be INDA, INGA, COVE or CLRG")
	}
	t := &msg.Doc.Txs[0]
	if strings.TrimSpace(t.PmtID.EndToEndID) == "" {
		add("MISSING_ELEMENT", "PmtId/EndToEndId", "EndToEndId is mandatory")
	}
	if u := strings.TrimSpace(t.PmtID.UETR); u == "" {
		add("MISSING_ELEMENT", "PmtId/UETR", "UETR is mandatory in CBPR+")
	} else if !validUETR(u) {
		add("UETR", "PmtId/UETR", "UETR must be a lowercase UUID version 4")
	}
	checkAmt := func(field string, a amount) {
		ccy := strings.TrimSpace(a.Ccy)
		minor, ok := currencyMinor[ccy]
		if !ok {
			add("CURRENCY", field, "currency "+ccy+" is not an ISO 4217 code")
			return
		}
		v := strings.TrimSpace(a.Value)
		intPart, frac, _ := strings.Cut(v, ".")
		if !isN(intPart) || (frac != "" && !isN(frac)) || len(intPart)+len(frac) > 18 {
			add("AMOUNT", field, "amount must be a decimal number with a point and at most 18 digits")
		} else if minor >= 0 && len(strings.TrimRight(frac, "0")) > minor {
			add("DECIMALS", field, "more decimal digits than the currency's "+itoa(minor)+" minor units")
		}
	}
	checkAmt("IntrBkSttlmAmt", t.IntrBkSttlmAmt)
	if t.InstdAmt != nil {
		checkAmt("InstdAmt", *t.InstdAmt)
	}
	for _, c := range t.ChrgsInf {
		checkAmt("ChrgsInf/Amt", c.Amt)
	}
	if d := strings.TrimSpace(t.IntrBkSttlmDt); len(d) != 10 || d[4] != '-' || d[7] != '-' || !validDate(d[:4]+d[5:7]+d[8:]) {
		add("DATE", "IntrBkSttlmDt", "settlement date must be an ISO date YYYY-MM-DD")
	}
	switch strings.TrimSpace(t.ChrgBr) {
	case "DEBT", "CRED", "SHAR":
	case "":
		add("MISSING_ELEMENT", "ChrgBr", "ChrgBr is mandatory")
	default:
		add("CODE", "ChrgBr", "CBPR+ charge bearer must be DEBT, CRED or SHAR")
	}
	agents := []struct {
		name string
		a    *agent
	}{
		{"InstgAgt", t.InstgAgt}, {"InstdAgt", t.InstdAgt}, {"DbtrAgt", t.DbtrAgt}, {"CdtrAgt", t.CdtrAgt},
		{"IntrmyAgt1", t.IntrmyAgt1}, {"IntrmyAgt2", t.IntrmyAgt2}, {"IntrmyAgt3", t.IntrmyAgt3},
		{"PrvsInstgAgt1", t.PrvsInstgAgt1}, {"PrvsInstgAgt2", t.PrvsInstgAgt2}, {"PrvsInstgAgt3", t.PrvsInstgAgt3},
		{"SttlmInf/InstgRmbrsmntAgt", g.SttlmInf.InstgRmbrsmntAgt}, {"SttlmInf/InstdRmbrsmntAgt", g.SttlmInf.InstdRmbrsmntAgt},
		{"SttlmInf/ThrdRmbrsmntAgt", g.SttlmInf.ThrdRmbrsmntAgt},
	}
	for _, x := range agents {
		if x.a == nil {
			if x.name == "DbtrAgt" || x.name == "CdtrAgt" {
				add("MISSING_ELEMENT", x.name, x.name+" is mandatory")
			}
			continue
		}
		if b := strings.TrimSpace(x.a.BICFI); b != "" && !validBIC(b) {
			add("BIC", x.name, "\""+b+"\" is not a valid BIC")
		}
	}
	for name, p := range map[string]*party{"Dbtr": &t.Dbtr, "Cdtr": &t.Cdtr} {
		if b := strings.TrimSpace(p.OrgID.AnyBIC); b != "" && !validBIC(b) {
			add("BIC", name+"/Id/OrgId/AnyBIC", "\""+b+"\" is not a valid BIC")
		}
		if p.Nm == "" && p.OrgID.AnyBIC == "" {
			add("MISSING_ELEMENT", name+"/Nm", name+" needs a name or a BIC")
		}
		if p.PstlAdr != nil && p.PstlAdr.Ctry != "" && !countries[strings.TrimSpace(p.PstlAdr.Ctry)] {
			add("COUNTRY", name+"/PstlAdr/Ctry", "country is not an ISO 3166 code")
		}
	}
	for name, a := range map[string]*account{"DbtrAcct": t.DbtrAcct, "CdtrAcct": t.CdtrAcct} {
		if a != nil && a.IBAN != "" && checkIBAN(strings.TrimSpace(a.IBAN)) != ibanOK {
			add("IBAN", name+"/Id/IBAN", "IBAN has a wrong length or check digits")
		}
	}
	// Sort for deterministic output (maps above iterate randomly).
	sortViolations(out)
	return out
}

func sortViolations(v []Violation) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && (v[j].Field < v[j-1].Field || v[j].Field == v[j-1].Field && v[j].Message < v[j-1].Message); j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
