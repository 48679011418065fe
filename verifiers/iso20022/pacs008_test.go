package iso20022

import (
	"strings"
	"testing"
)

const minimalDoc = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"><FIToFICstmrCdtTrf>` +
	`<GrpHdr><MsgId>M1</MsgId><NbOfTxs>1</NbOfTxs><SttlmInf><SttlmMtd>INDA</SttlmMtd></SttlmInf></GrpHdr>` +
	`<CdtTrfTxInf><PmtId><InstrId>I1</InstrId><EndToEndId>E1</EndToEndId></PmtId>` +
	`<IntrBkSttlmAmt Ccy="EUR">10.00</IntrBkSttlmAmt><IntrBkSttlmDt>2024-01-02</IntrBkSttlmDt><ChrgBr>SHAR</ChrgBr>` +
	`<Dbtr><Nm>A</Nm></Dbtr><Cdtr><Nm>B</Nm></Cdtr></CdtTrfTxInf></FIToFICstmrCdtTrf></Document>`

func TestReadPacs008Forms(t *testing.T) {
	prefixed := strings.NewReplacer("<Document xmlns=", "<p:Document xmlns:p=", "</Document>", "</p:Document>").Replace(minimalDoc)
	prefixed = strings.ReplaceAll(strings.ReplaceAll(prefixed, "<", "<p:"), "<p:/", "</p:")
	prefixed = strings.ReplaceAll(prefixed, "<p:p:", "<p:")
	prefixed = strings.ReplaceAll(prefixed, "</p:p:", "</p:")
	for name, doc := range map[string]string{
		"bare":        minimalDoc,
		"declaration": `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + minimalDoc,
		"prefixed":    prefixed,
		"envelope": `<Envelope><AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"><Fr><FIId><FinInstnId><BICFI>ALPHDEFFXXX</BICFI></FinInstnId></FIId></Fr>` +
			`<To><FIId><FinInstnId><BICFI>CROWGB2L</BICFI></FinInstnId></FIId></To></AppHdr>` + minimalDoc + `</Envelope>`,
		"no namespace": strings.Replace(minimalDoc, ` xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"`, "", 1),
	} {
		msg, err := readPacs008(doc)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		tx := msg.Doc.Txs[0]
		if tx.PmtID.InstrID != "I1" || tx.IntrBkSttlmAmt.Ccy != "EUR" || tx.IntrBkSttlmAmt.Value != "10.00" || tx.Dbtr.Nm != "A" {
			t.Errorf("%s: read %+v", name, tx)
		}
		if name == "envelope" && (msg.Hdr == nil || msg.Hdr.Fr.BICFI != "ALPHDEFFXXX" || msg.Hdr.To.BICFI != "CROWGB2L") {
			t.Errorf("envelope: header %+v", msg.Hdr)
		}
	}
}

func TestReadPacs008Refuses(t *testing.T) {
	for name, doc := range map[string]string{
		"doctype":       `<!DOCTYPE d [<!ENTITY x "y">]>` + minimalDoc,
		"external":      `<!DOCTYPE d SYSTEM "http://example.invalid/d.dtd">` + minimalDoc,
		"undefined ent": strings.Replace(minimalDoc, "<Nm>A</Nm>", "<Nm>&x;</Nm>", 1),
		"too deep":      strings.Repeat("<a>", maxXMLDepth+1) + strings.Repeat("</a>", maxXMLDepth+1),
		"too large":     "<a>" + strings.Repeat("x", maxXMLBytes) + "</a>",
		"too many":      "<a>" + strings.Repeat("<b/>", maxXMLTokens) + "</a>",
		"pacs.009":      strings.Replace(minimalDoc, "pacs.008.001.08", "pacs.009.001.08", 1),
		"no document":   "<AppHdr/>",
		"no tx":         `<Document><FIToFICstmrCdtTrf><GrpHdr/></FIToFICstmrCdtTrf></Document>`,
		"two documents": minimalDoc + minimalDoc,
		"not xml":       "{4:\n:20:X\n-}",
	} {
		if _, err := readPacs008(doc); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMTViewMapping(t *testing.T) {
	msg, err := readPacs008(strings.Replace(minimalDoc, "<InstrId>I1</InstrId>", "<InstrId>ABCDEFGHIJKLMNOPQRS</InstrId>", 1))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range mtView(msg) {
		got[s.tag] = s.display
	}
	want := map[string]string{"20": "ABCDEFGHIJKLMNO+", "23B": "CRED", "32A": "240102EUR10,", "50K": "A", "59": "B", "70": "/ROC/E1", "71A": "SHA"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields %v, want exactly %v", got, want)
	}
}

func TestReferenceOutsideXSet(t *testing.T) {
	msg, err := readPacs008(strings.Replace(minimalDoc, "<InstrId>I1</InstrId>", "<InstrId>INV_2024#7</InstrId>", 1))
	if err != nil {
		t.Fatal(err)
	}
	var exp shape
	for _, s := range mtView(msg) {
		if s.tag == "20" {
			exp = s
		}
	}
	for got, want := range map[string]bool{"INV.2024.7": true, "INV20247": true, "INV-2024-7": true, "INV-2024-8": false} {
		g := shapeOfField("20", got)
		if ok, _ := compareShape(&exp, &g); ok != want {
			t.Errorf("20 %q against %q: ok %v, want %v", got, exp.plain, ok, want)
		}
	}
}
