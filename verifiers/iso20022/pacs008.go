package iso20022

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits of the pacs.008 reader. A CBPR+ pacs.008 with one transaction is a
// few kilobytes and about ten levels deep.
const (
	maxXMLBytes  = 512 << 10
	maxXMLDepth  = 40
	maxXMLTokens = 50000
)

// The types below cover the parts of pacs.008.001.08 the mapping uses.
// Field tags carry no namespace, so elements match by local name whatever
// prefix or default namespace a message uses.

type appHdr struct {
	Fr        fiID   `xml:"Fr"`
	To        fiID   `xml:"To"`
	BizMsgIdr string `xml:"BizMsgIdr"`
	MsgDefIdr string `xml:"MsgDefIdr"`
}

type fiID struct {
	BICFI string `xml:"FIId>FinInstnId>BICFI"`
}

type pacsDoc struct {
	GrpHdr grpHdr `xml:"FIToFICstmrCdtTrf>GrpHdr"`
	Txs    []tx   `xml:"FIToFICstmrCdtTrf>CdtTrfTxInf"`
}

type grpHdr struct {
	MsgID    string   `xml:"MsgId"`
	CreDtTm  string   `xml:"CreDtTm"`
	NbOfTxs  string   `xml:"NbOfTxs"`
	SttlmInf sttlmInf `xml:"SttlmInf"`
}

type sttlmInf struct {
	SttlmMtd             string   `xml:"SttlmMtd"`
	SttlmAcct            *account `xml:"SttlmAcct"`
	InstgRmbrsmntAgt     *agent   `xml:"InstgRmbrsmntAgt"`
	InstgRmbrsmntAgtAcct *account `xml:"InstgRmbrsmntAgtAcct"`
	InstdRmbrsmntAgt     *agent   `xml:"InstdRmbrsmntAgt"`
	InstdRmbrsmntAgtAcct *account `xml:"InstdRmbrsmntAgtAcct"`
	ThrdRmbrsmntAgt      *agent   `xml:"ThrdRmbrsmntAgt"`
	ThrdRmbrsmntAgtAcct  *account `xml:"ThrdRmbrsmntAgtAcct"`
}

type codeOrPrtry struct {
	Cd    string `xml:"Cd"`
	Prtry string `xml:"Prtry"`
}

type amount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type instr struct {
	Cd       string `xml:"Cd"`
	InstrInf string `xml:"InstrInf"`
}

type tx struct {
	PmtID struct {
		InstrID    string `xml:"InstrId"`
		EndToEndID string `xml:"EndToEndId"`
		TxID       string `xml:"TxId"`
		UETR       string `xml:"UETR"`
	} `xml:"PmtId"`
	PmtTpInf struct {
		SvcLvl    []codeOrPrtry `xml:"SvcLvl"`
		LclInstrm codeOrPrtry   `xml:"LclInstrm"`
		CtgyPurp  codeOrPrtry   `xml:"CtgyPurp"`
	} `xml:"PmtTpInf"`
	IntrBkSttlmAmt amount `xml:"IntrBkSttlmAmt"`
	IntrBkSttlmDt  string `xml:"IntrBkSttlmDt"`
	SttlmTmIndctn  struct {
		DbtDtTm string `xml:"DbtDtTm"`
		CdtDtTm string `xml:"CdtDtTm"`
	} `xml:"SttlmTmIndctn"`
	SttlmTmReq struct {
		CLSTm string `xml:"CLSTm"`
	} `xml:"SttlmTmReq"`
	InstdAmt *amount `xml:"InstdAmt"`
	XchgRate string  `xml:"XchgRate"`
	ChrgBr   string  `xml:"ChrgBr"`
	ChrgsInf []struct {
		Amt amount `xml:"Amt"`
		Agt agent  `xml:"Agt"`
	} `xml:"ChrgsInf"`
	PrvsInstgAgt1   *agent      `xml:"PrvsInstgAgt1"`
	PrvsInstgAgt2   *agent      `xml:"PrvsInstgAgt2"`
	PrvsInstgAgt3   *agent      `xml:"PrvsInstgAgt3"`
	InstgAgt        *agent      `xml:"InstgAgt"`
	InstdAgt        *agent      `xml:"InstdAgt"`
	IntrmyAgt1      *agent      `xml:"IntrmyAgt1"`
	IntrmyAgt1Acct  *account    `xml:"IntrmyAgt1Acct"`
	IntrmyAgt2      *agent      `xml:"IntrmyAgt2"`
	IntrmyAgt3      *agent      `xml:"IntrmyAgt3"`
	Dbtr            party       `xml:"Dbtr"`
	DbtrAcct        *account    `xml:"DbtrAcct"`
	DbtrAgt         *agent      `xml:"DbtrAgt"`
	DbtrAgtAcct     *account    `xml:"DbtrAgtAcct"`
	CdtrAgt         *agent      `xml:"CdtrAgt"`
	CdtrAgtAcct     *account    `xml:"CdtrAgtAcct"`
	Cdtr            party       `xml:"Cdtr"`
	CdtrAcct        *account    `xml:"CdtrAcct"`
	InstrForCdtrAgt []instr     `xml:"InstrForCdtrAgt"`
	InstrForNxtAgt  []instr     `xml:"InstrForNxtAgt"`
	Purp            codeOrPrtry `xml:"Purp"`
	RgltryRptg      []struct {
		Dtls []struct {
			Tp   string   `xml:"Tp"`
			Ctry string   `xml:"Ctry"`
			Cd   string   `xml:"Cd"`
			Inf  []string `xml:"Inf"`
		} `xml:"Dtls"`
	} `xml:"RgltryRptg"`
	RmtInf struct {
		Ustrd []string `xml:"Ustrd"`
	} `xml:"RmtInf"`
}

type agent struct {
	BICFI       string `xml:"FinInstnId>BICFI"`
	ClrSysMmbID struct {
		Cd    string `xml:"ClrSysId>Cd"`
		Prtry string `xml:"ClrSysId>Prtry"`
		MmbID string `xml:"MmbId"`
	} `xml:"FinInstnId>ClrSysMmbId"`
	Nm      string   `xml:"FinInstnId>Nm"`
	PstlAdr *pstlAdr `xml:"FinInstnId>PstlAdr"`
}

type pstlAdr struct {
	Dept        string   `xml:"Dept"`
	SubDept     string   `xml:"SubDept"`
	StrtNm      string   `xml:"StrtNm"`
	BldgNb      string   `xml:"BldgNb"`
	BldgNm      string   `xml:"BldgNm"`
	Flr         string   `xml:"Flr"`
	PstBx       string   `xml:"PstBx"`
	Room        string   `xml:"Room"`
	PstCd       string   `xml:"PstCd"`
	TwnNm       string   `xml:"TwnNm"`
	TwnLctnNm   string   `xml:"TwnLctnNm"`
	DstrctNm    string   `xml:"DstrctNm"`
	CtrySubDvsn string   `xml:"CtrySubDvsn"`
	Ctry        string   `xml:"Ctry"`
	AdrLine     []string `xml:"AdrLine"`
}

type party struct {
	Nm      string   `xml:"Nm"`
	PstlAdr *pstlAdr `xml:"PstlAdr"`
	OrgID   struct {
		AnyBIC string    `xml:"AnyBIC"`
		LEI    string    `xml:"LEI"`
		Othr   []otherID `xml:"Othr"`
	} `xml:"Id>OrgId"`
	PrvtID struct {
		Othr []otherID `xml:"Othr"`
	} `xml:"Id>PrvtId"`
	CtryOfRes string `xml:"CtryOfRes"`
}

type otherID struct {
	ID     string `xml:"Id"`
	Scheme string `xml:"SchmeNm>Cd"`
	Issr   string `xml:"Issr"`
}

type account struct {
	IBAN  string `xml:"Id>IBAN"`
	Other string `xml:"Id>Othr>Id"`
}

// id returns the account number, IBAN first.
func (a *account) id() string {
	if a == nil {
		return ""
	}
	if s := strings.TrimSpace(a.IBAN); s != "" {
		return s
	}
	return strings.TrimSpace(a.Other)
}

// pacsMessage is a read pacs.008 with its optional business application header.
type pacsMessage struct {
	Hdr       *appHdr
	Doc       pacsDoc
	Namespace string
}

var errNoDocument = errors.New("no pacs.008 Document element")

// readPacs008 reads a pacs.008 from XML text: a bare Document, or any
// envelope holding an AppHdr and a Document. It refuses DTDs (so no entity
// is ever expanded), deep nesting, oversized input and too many tokens
// before decoding into the typed structures.
func readPacs008(s string) (*pacsMessage, error) {
	if len(s) > maxXMLBytes {
		return nil, fmt.Errorf("XML is %d bytes, over the limit of %d", len(s), maxXMLBytes)
	}
	// Pass 1: structure limits, and no DTD or entity declarations.
	d := xml.NewDecoder(strings.NewReader(s))
	depth, tokens := 0, 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("XML: %w", err)
		}
		tokens++
		if tokens > maxXMLTokens {
			return nil, fmt.Errorf("XML has more than %d tokens", maxXMLTokens)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return nil, fmt.Errorf("XML nests deeper than %d elements", maxXMLDepth)
			}
		case xml.EndElement:
			depth--
		case xml.Directive:
			return nil, errors.New("XML with a DOCTYPE or other directive is not accepted")
		}
	}
	// Pass 2: find AppHdr and Document at any depth and decode them.
	d = xml.NewDecoder(strings.NewReader(s))
	msg := &pacsMessage{}
	found := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "AppHdr":
			if msg.Hdr == nil {
				msg.Hdr = &appHdr{}
				if err := d.DecodeElement(msg.Hdr, &se); err != nil {
					return nil, fmt.Errorf("AppHdr: %w", err)
				}
			}
		case "Document":
			if found {
				return nil, errors.New("more than one Document element")
			}
			ns := se.Name.Space
			if ns != "" && !strings.HasPrefix(ns, "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.") {
				return nil, fmt.Errorf("document namespace %q is not pacs.008", ns)
			}
			msg.Namespace = ns
			if err := d.DecodeElement(&msg.Doc, &se); err != nil {
				return nil, fmt.Errorf("document: %w", err)
			}
			found = true
		}
	}
	if !found {
		return nil, errNoDocument
	}
	if len(msg.Doc.Txs) == 0 {
		return nil, errors.New("document has no FIToFICstmrCdtTrf/CdtTrfTxInf")
	}
	return msg, nil
}
