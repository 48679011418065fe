package iso20022

import (
	"slices"
	"strings"
	"testing"
)

// base is a valid MT103 between Germany and the United States (not both
// in the C2 list, so 33B is optional).
const base = "{1:F01ALPHDEFFAXXX0000000000}{2:I103FIRSUS33XXXXN}{3:{121:1a2b3c00-1000-4000-8000-000000100000}}{4:\n" +
	":20:REF1\n" +
	":23B:CRED\n" +
	":32A:240315USD100,\n" +
	":50K:/12345\nJohn Doe\n" +
	":59:/67890\nJane Roe\n" +
	":71A:SHA\n" +
	"-}"

func codes(t *testing.T, mt string) []string {
	t.Helper()
	m, ok := parseMT(mt, 1)
	if !ok {
		t.Fatalf("not parsed: %q", mt)
	}
	viol, _ := validateMT(m)
	var out []string
	for _, v := range viol {
		out = append(out, v.Code+":"+v.Field)
	}
	return out
}

func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	s := base
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("edit %q not found", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func TestBaseIsValid(t *testing.T) {
	if c := codes(t, base); len(c) != 0 {
		t.Fatalf("base message has violations %v", c)
	}
	if c := codes(t, base+"{5:{MAC:0A1B2C3D}{CHK:0123456789AB}{TNG:}}"); len(c) != 0 {
		t.Fatalf("trailer has violations %v", c)
	}
	// The base message meets the MT103+ restrictions too.
	if c := codes(t, strings.Replace(base, "{3:{121:", "{3:{119:STP}{121:", 1)); len(c) != 0 {
		t.Fatalf("base message as MT103+ has violations %v", c)
	}
	// Output messages end with the system trailer, nested like block 5.
	if c := codes(t, base+"{5:{CHK:123456789ABC}}{S:{SAC:}{COP:P}}"); len(c) != 0 {
		t.Fatalf("system trailer has violations %v", c)
	}
}

// TestNetworkRules checks each MT103 network validated rule with a message
// that breaks it; want is the code:field that must be reported.
func TestNetworkRules(t *testing.T) {
	tests := []struct {
		name  string
		edits []string
		want  string
	}{
		{"C1 33B other currency without 36", []string{":50K:", ":33B:EUR90,\n:50K:"}, "C1:36"},
		{"C1 36 without 33B", []string{":50K:", ":36:0,9\n:50K:"}, "C1:36"},
		{"C1 36 with 33B in the same currency", []string{":50K:", ":33B:USD100,\n:36:1,\n:50K:"}, "C1:36"},
		{"C2 EEA pair without 33B", []string{"FIRSUS33XXXX", "CROWGB2LXXXX"}, "C2:33B"},
		{"C3 SPRI with PHON", []string{":23B:CRED", ":23B:SPRI\n:23E:PHON", ":50K:", ":57A:SOUTUS4T\n:50K:"}, "C3:23E"},
		{"C3 SSTD with any 23E", []string{":23B:CRED", ":23B:SSTD\n:23E:SDVA"}, "C3:23E"},
		{"C4 SPRI with 53D", []string{":23B:CRED", ":23B:SPRI", ":59:", ":53D:CORR BANK\n:59:"}, "C4:53D"},
		{"C5 SSTD with 53B without party identifier", []string{":23B:CRED", ":23B:SSTD", ":59:", ":53B:FRANKFURT\n:59:"}, "C5:53B"},
		{"C6 SPAY with 54B", []string{":23B:CRED", ":23B:SPAY", ":59:", ":54B:/123\n:59:"}, "C6:54B"},
		{"C7 55A without 53a and 54a", []string{":59:", ":55A:THRDGB2L\n:59:"}, "C7:55a"},
		{"C8 SPRI with 55D", []string{":23B:CRED", ":23B:SPRI", ":59:", ":53A:CORRUS33\n:54A:CORRJPJT\n:55D:THIRD BANK\n:59:"}, "C8:55D"},
		{"C9 56A without 57a", []string{":59:", ":56A:MIDLUS44\n:59:"}, "C9:57a"},
		{"C10 SPRI with 56A", []string{":23B:CRED", ":23B:SPRI", ":59:", ":56A:MIDLUS44\n:57A:SOUTUS4T\n:59:"}, "C10:56A"},
		{"C10 SSTD with 56D", []string{":23B:CRED", ":23B:SSTD", ":59:", ":56D:MID BANK\n:57A:SOUTUS4T\n:59:"}, "C10:56D"},
		{"C11 SPAY with 57D without party identifier", []string{":23B:CRED", ":23B:SPAY", ":59:", ":57D:SOUTH BANK\n:59:"}, "C11:57D"},
		{"C12 SPRI without beneficiary account", []string{":23B:CRED", ":23B:SPRI", ":59:/67890\n", ":59:"}, "C12:59"},
		{"C13 CHQB with beneficiary account", []string{":23B:CRED", ":23B:CRED\n:23E:CHQB"}, "C13:59"},
		{"C14 OUR with 71F", []string{":71A:SHA", ":71A:OUR\n:71F:USD1,", ":50K:", ":33B:USD101,\n:50K:"}, "C14:71F"},
		{"C14 SHA with 71G", []string{":71A:SHA", ":71A:SHA\n:71G:USD1,", ":50K:", ":33B:USD99,\n:50K:"}, "C14:71G"},
		{"C14 BEN without 71F", []string{":71A:SHA", ":71A:BEN"}, "C14:71F"},
		{"C15 71F without 33B", []string{":71A:SHA", ":71A:SHA\n:71F:USD1,"}, "C15:33B"},
		{"C16 TELI without 56a", []string{":23B:CRED", ":23B:CRED\n:23E:TELI"}, "C16:23E"},
		{"C17 PHON without 57a", []string{":23B:CRED", ":23B:CRED\n:23E:PHON"}, "C17:23E"},
		{"C18 71G in another currency", []string{":71A:SHA", ":71A:OUR\n:71G:EUR1,", ":50K:", ":33B:USD99,\n:50K:"}, "C18:71G"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := codes(t, edit(t, tc.edits...))
			for _, c := range got {
				if c == tc.want {
					return
				}
			}
			t.Errorf("want %s among %v", tc.want, got)
		})
	}
}

// TestFormatRules checks field formats, code lists and structure.
func TestFormatRules(t *testing.T) {
	tests := []struct {
		name  string
		edits []string
		want  string
	}{
		{"20 with leading slash (T26)", []string{":20:REF1", ":20:/REF1"}, "FORMAT:20"},
		{"20 with double slash (T26)", []string{":20:REF1", ":20:RE//F1"}, "FORMAT:20"},
		{"20 over 16", []string{":20:REF1", ":20:ABCDEFGHIJKLMNOPQ"}, "LINE_TOO_LONG:20"},
		{"23B unknown code (T36)", []string{":23B:CRED", ":23B:CRDT"}, "CODE:23B"},
		{"23E text on SDVA (D97)", []string{":23B:CRED", ":23B:CRED\n:23E:SDVA/NOW"}, "CODE:23E"},
		{"23E order (D98)", []string{":23B:CRED", ":23B:CRED\n:23E:INTC\n:23E:SDVA"}, "FIELD_ORDER:23E"},
		{"23E duplicate (E46)", []string{":23B:CRED", ":23B:CRED\n:23E:SDVA\n:23E:SDVA"}, "CODE:23E"},
		{"23E forbidden pair (D67)", []string{":23B:CRED", ":23B:CRED\n:23E:HOLD\n:23E:CHQB"}, "CODE:23E"},
		{"32A invalid date (T50)", []string{":32A:240315", ":32A:240231"}, "DATE:32A"},
		{"32A unknown currency (T52)", []string{"USD100,", "XYZ100,"}, "CURRENCY:32A"},
		{"32A metal (C08)", []string{"USD100,", "XAU100,"}, "CURRENCY:32A"},
		{"32A no comma (T40/T43)", []string{"USD100,", "USD100"}, "AMOUNT:32A"},
		{"32A thousands separator", []string{"USD100,", "USD1.000,"}, "AMOUNT:32A"},
		{"32A too many decimals (C03)", []string{"USD100,", "USD100,001"}, "DECIMALS:32A"},
		{"32A amount over 15 characters", []string{"USD100,", "USD1234567890123456,"}, "AMOUNT:32A"},
		{"bad character", []string{"John Doe", "John_Doe"}, "CHARSET:50K"},
		{"line over 35", []string{"John Doe", strings.Repeat("J", 36)}, "LINE_TOO_LONG:50K"},
		{"50K five lines after account", []string{"John Doe", "A\nB\nC\nD\nE"}, "TOO_MANY_LINES:50K"},
		{"line starting with dash", []string{"John Doe", "John\n-Doe"}, "LINE_START:50K"},
		{"IBAN check digits", []string{":59:/67890", ":59:/DE88370400440532013000"}, "IBAN:59"},
		{"IBAN length", []string{":59:/67890", ":59:/DE8937040044053201300"}, "IBAN:59"},
		{"71A unknown", []string{":71A:SHA", ":71A:SHR"}, "CODE:71A"},
		{"missing 23B", []string{":23B:CRED\n", ""}, "MISSING_FIELD:23B"},
		{"missing 59a", []string{":59:/67890\nJane Roe\n", ""}, "MISSING_FIELD:59a"},
		{"two 50a options", []string{":59:", ":50A:ALPHDEFF\n:59:"}, "DUPLICATE_FIELD:50A"},
		{"field out of order", []string{":20:REF1\n:23B:CRED", ":23B:CRED\n:20:REF1"}, "FIELD_ORDER:20"},
		{"unknown field", []string{":71A:SHA", ":71A:SHA\n:79:NOTE"}, "UNKNOWN_FIELD:79"},
		{"bad option letter", []string{":50K:", ":50D:"}, "UNKNOWN_FIELD:50D"},
		{"UETR uppercase", []string{"1a2b3c00-1000-4000-8000-000000100000", "1A2B3C00-1000-4000-8000-000000100000"}, "UETR:121"},
		{"empty first line (70)", []string{":71A:SHA", ":70:\nINVOICE 1\n:71A:SHA"}, "EMPTY_LINE:70"},
		{"empty first line (59, no account)", []string{":59:/67890\nJane Roe", ":59:\nJane Roe"}, "EMPTY_LINE:59"},
		{"REMIT without 77T", []string{"{3:{121:", "{3:{119:REMIT}{121:"}, "MISSING_FIELD:77T"},
		{"STP: 57D not allowed", []string{"{3:{121:", "{3:{119:STP}{121:", ":59:", ":57D:SOME BANK\n:59:"}, "STP:57D"},
		{"STP: 23E CHQB not allowed", []string{"{3:{121:", "{3:{119:STP}{121:", ":23B:CRED", ":23B:CRED\n:23E:CHQB"}, "STP:23E"},
		{"STP: 59 needs an account", []string{"{3:{121:", "{3:{119:STP}{121:", ":59:/67890\nJane Roe", ":59:Jane Roe"}, "STP:59"},
		{"51A is FileAct only (D63)", []string{":23B:CRED", ":23B:CRED\n:51A:ALPHDEFF"}, "FIELD_CONFLICT:51A"},
		{"UETR not version 4", []string{"1a2b3c00-1000-4000", "1a2b3c00-1000-1000"}, "UETR:121"},
		{"UETR missing", []string{"{3:{121:1a2b3c00-1000-4000-8000-000000100000}}", ""}, "UETR:121"},
		{"111 without 121", []string{"{121:1a2b3c00-1000-4000-8000-000000100000}", "{111:001}"}, "BLOCK3:111"},
		{"block 1 bad terminal", []string{"{1:F01ALPHDEFFAXXX", "{1:F01ALPHDEFFXXX"}, "BLOCK1:1"},
		{"block 2 bad priority", []string{"XXXXN}", "XXXXQ}"}, "BLOCK2:2"},
		{"50F first line not 1/", []string{":50K:/12345\nJohn Doe", ":50F:/12345\n2/MAIN STREET\n3/US/NEW YORK"}, "FORMAT:50F"},
		{"50F 2/ without 3/", []string{":50K:/12345\nJohn Doe", ":50F:/12345\n1/JOHN DOE\n2/MAIN STREET"}, "FORMAT:50F"},
		{"50F bad country (T73)", []string{":50K:/12345\nJohn Doe", ":50F:/12345\n1/JOHN DOE\n3/QQ/TOWN"}, "COUNTRY:50F"},
		{"59F line 4/ (only 1-3)", []string{":59:/67890\nJane Roe", ":59F:/67890\n1/JANE ROE\n3/US/BOSTON\n4/19800101"}, "FORMAT:59F"},
		{"72 without code", []string{":71A:SHA", ":71A:SHA\n:72:HELLO"}, "FORMAT:72"},
		{"13C bad code", []string{":23B:CRED", ":13C:/SENDTIME/0915+0100\n:23B:CRED"}, "CODE:13C"},
		{"13C bad offset", []string{":23B:CRED", ":13C:/SNDTIME/0915*0100\n:23B:CRED"}, "FORMAT:13C"},
		{"block 5 bad checksum", []string{"-}", "-}{5:{CHK:12345}}"}, "BLOCK5:CHK"},
		{"52A bad BIC", []string{":59:", ":52A:ALPH1EFF\n:59:"}, "BIC:52A"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := codes(t, edit(t, tc.edits...))
			for _, c := range got {
				if c == tc.want {
					return
				}
			}
			t.Errorf("want %s among %v", tc.want, got)
		})
	}
}

func TestViolationLines(t *testing.T) {
	// Line numbers are response lines: block 4 starts on line 1, so :32A: is line 4.
	m, _ := parseMT(edit(t, "USD100,", "USD100.5"), 1)
	viol, _ := validateMT(m)
	if len(viol) != 1 || viol[0].Line != 4 || viol[0].Field != "32A" || viol[0].Code != "AMOUNT" {
		t.Fatalf("got %+v", viol)
	}
	// A violation on a continuation line points at that line.
	m, _ = parseMT(edit(t, "Jane Roe", "Jane Roe\nMain St_1"), 1)
	viol, _ = validateMT(m)
	if len(viol) != 1 || viol[0].Line != 9 || viol[0].Code != "CHARSET" {
		t.Fatalf("got %+v", viol)
	}
}

func TestIBAN(t *testing.T) {
	for acct, want := range map[string]ibanStatus{
		"DE89370400440532013000":         ibanOK,
		"GB29NWBK60161331926819":         ibanOK,
		"KW81CBKU0000000000001234560101": ibanOK,
		"DE89370400440532013001":         ibanBad,
		"DE8937040044053201300":          ibanBad,
		"12345678":                       notIBAN,
		"US12345678901234":               notIBAN, // the US has no IBAN
	} {
		if got := checkIBAN(acct); got != want {
			t.Errorf("checkIBAN(%s) = %v, want %v", acct, got, want)
		}
	}
}

func TestAmounts(t *testing.T) {
	for in, want := range map[string]string{
		"136480.00": "136480", "15669.38": "15669.38", "1250,50": "1250.5", "0,": "0", "007,10": "7.1", "abc": "", "1.2.3": "",
	} {
		if got := normAmount(in); got != want {
			t.Errorf("normAmount(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mtAmount("136480"); got != "136480," {
		t.Errorf("mtAmount = %q", got)
	}
	if got := addAmounts("30", "20.5"); got != "50.5" {
		t.Errorf("addAmounts = %q", got)
	}
	if got := addAmounts("999.99", "0.01"); got != "1000" {
		t.Errorf("addAmounts = %q", got)
	}
}

func TestCanon(t *testing.T) {
	got := canon("Jürgen Müller & Söhne")
	want := map[string]bool{"JURGENMULLERSOHNE": true, "JUERGENMUELLERSOEHNE": true, "JURGENMULLERANDSOHNE": true, "JUERGENMUELLERANDSOEHNE": true}
	if len(got) != len(want) {
		t.Fatalf("canon = %v", got)
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected variant %s", g)
		}
	}
}

// Identity lines 4/ to 8/ of 50F are part of the party: one invented by
// the model makes the field differ from the source's.
func TestShape50FKeepsIdentityLines(t *testing.T) {
	plain := shapeOfField("50F", "/DE89370400440532013000\n1/JOHN DOE\n2/MAIN STREET 1\n3/DE/BERLIN")
	withID := shapeOfField("50F", "/DE89370400440532013000\n1/JOHN DOE\n2/MAIN STREET 1\n3/DE/BERLIN\n7/DE/T22000129")
	if slices.Equal(plain.rest, withID.rest) {
		t.Errorf("a 7/ national id line does not change the 50F shape: %q", plain.rest)
	}
}
