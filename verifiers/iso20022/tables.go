package iso20022

import "strings"

// The tables below are small, constant and read-only; they are built as
// package-level values from literal strings so no init() work is needed.

// currencyMinor maps active ISO 4217 alphabetic codes to their minor units.
// -1 marks codes without minor units (funds, metals, testing codes), for
// which the decimal-places rule is not applied.
var currencyMinor = buildCurrencies(
	// Two minor units: the common case.
	"AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD "+
		"CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL "+
		"GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR "+
		"LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB "+
		"PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP "+
		"SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL",
	"BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
	"BHD IQD JOD KWD LYD OMR TND",
	"CLF UYW",
	"XAG XAU XPD XPT XBA XBB XBC XBD XDR XSU XTS XUA XXX",
)

func buildCurrencies(two, zero, three, four, none string) map[string]int {
	m := map[string]int{}
	for _, c := range strings.Fields(two) {
		m[c] = 2
	}
	for _, c := range strings.Fields(zero) {
		m[c] = 0
	}
	for _, c := range strings.Fields(three) {
		m[c] = 3
	}
	for _, c := range strings.Fields(four) {
		m[c] = 4
	}
	for _, c := range strings.Fields(none) {
		m[c] = -1
	}
	return m
}

// metals may not be used in field 32A (network rule C08).
var metals = set("XAU XAG XPD XPT")

// countries holds ISO 3166-1 alpha-2 codes plus XK (Kosovo), which SWIFT
// accepts in BICs and addresses.
var countries = set("AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW")

// c2Countries is the country list of MT103 network rule C2 (UHB, EEA plus):
// when sender and receiver are both in it, field 33B is mandatory. HR is not
// in the list the reference notes confirm, so it is left out (decision).
var c2Countries = set("AD AT BE BG BV CH CY CZ DE DK ES EE FI FR GB GF GI GP GR HU IE IS IT LI LT LU LV MC MQ MT NL NO PL PM PT RE RO SE SI SJ SK SM TF VA")

// ibanLengths is the IBAN length per country from the IBAN registry; only
// accounts in these countries have their check digits verified.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
	"BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
	"ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
	"MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
	"QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
	"ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// Code lists of block 4.
var (
	codes23B = set("CRED CRTS SPAY SPRI SSTD")
	// codes23E is in the order rule D98 prescribes.
	codes23E      = []string{"SDVA", "INTC", "REPA", "CORT", "HOLD", "CHQB", "PHOB", "TELB", "PHON", "TELE", "PHOI", "TELI"}
	codes23EText  = set("PHON PHOB PHOI TELE TELB TELI HOLD REPA")
	codes71A      = set("BEN OUR SHA")
	codes13C      = set("CLSTIME RNCTIME SNDTIME")
	codes50FIdent = set("ARNU CCPT CUST DRLC EMPL NIDN SOSE TXID")
	// pairs23E are the combinations rule D67 forbids.
	pairs23E = [][2]string{
		{"SDVA", "HOLD"}, {"SDVA", "CHQB"}, {"INTC", "HOLD"}, {"INTC", "CHQB"}, {"REPA", "HOLD"},
		{"REPA", "CHQB"}, {"REPA", "CORT"}, {"CORT", "HOLD"}, {"CORT", "CHQB"}, {"HOLD", "CHQB"},
		{"PHOB", "TELB"}, {"PHON", "TELE"}, {"PHOI", "TELI"},
	}
)

func rank23E(code string) int {
	for i, c := range codes23E {
		if c == code {
			return i
		}
	}
	return -1
}

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}
