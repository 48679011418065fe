package iso20022

import "encoding/json"

// examplePacs is the pacs.008 of the Spec example and the README: an AppHdr
// envelope, a structured debtor address (50F) and an unstructured creditor
// (59), shared charges, both agents in the C2 country list (33B due).
const examplePacs = `<?xml version="1.0" encoding="UTF-8"?>
<Envelope>
<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02">
  <Fr><FIId><FinInstnId><BICFI>BANKDEFFXXX</BICFI></FinInstnId></FIId></Fr>
  <To><FIId><FinInstnId><BICFI>BANKGB2LXXX</BICFI></FinInstnId></FIId></To>
  <BizMsgIdr>INSTR-0001</BizMsgIdr>
  <MsgDefIdr>pacs.008.001.08</MsgDefIdr>
  <BizSvc>swift.cbprplus.02</BizSvc>
  <CreDt>2024-03-15T09:00:00Z</CreDt>
</AppHdr>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">
 <FIToFICstmrCdtTrf>
  <GrpHdr><MsgId>INSTR-0001</MsgId><CreDtTm>2024-03-15T09:00:00+00:00</CreDtTm><NbOfTxs>1</NbOfTxs><SttlmInf><SttlmMtd>INDA</SttlmMtd></SttlmInf></GrpHdr>
  <CdtTrfTxInf>
   <PmtId><InstrId>INSTR-0001</InstrId><EndToEndId>E2E-0001</EndToEndId><UETR>8a562c67-ca16-48ba-b074-65581be6f011</UETR></PmtId>
   <IntrBkSttlmAmt Ccy="EUR">1250.50</IntrBkSttlmAmt>
   <IntrBkSttlmDt>2024-03-15</IntrBkSttlmDt>
   <InstdAmt Ccy="EUR">1250.50</InstdAmt>
   <ChrgBr>SHAR</ChrgBr>
   <InstgAgt><FinInstnId><BICFI>BANKDEFFXXX</BICFI></FinInstnId></InstgAgt>
   <InstdAgt><FinInstnId><BICFI>BANKGB2LXXX</BICFI></FinInstnId></InstdAgt>
   <Dbtr><Nm>Anna Schmidt</Nm><PstlAdr><StrtNm>Hauptstrasse</StrtNm><BldgNb>5</BldgNb><PstCd>60311</PstCd><TwnNm>Frankfurt</TwnNm><Ctry>DE</Ctry></PstlAdr></Dbtr>
   <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
   <DbtrAgt><FinInstnId><BICFI>BANKDEFFXXX</BICFI></FinInstnId></DbtrAgt>
   <CdtrAgt><FinInstnId><BICFI>BANKGB2LXXX</BICFI></FinInstnId></CdtrAgt>
   <Cdtr><Nm>Oak Tree Ltd</Nm><PstlAdr><AdrLine>1 High Street</AdrLine><AdrLine>London EC1A 1BB</AdrLine></PstlAdr></Cdtr>
   <CdtrAcct><Id><IBAN>GB29NWBK60161331926819</IBAN></Id></CdtrAcct>
   <RmtInf><Ustrd>Invoice 2024-117</Ustrd></RmtInf>
  </CdtTrfTxInf>
 </FIToFICstmrCdtTrf>
</Document>
</Envelope>`

// exampleMT is the correct MT103 for examplePacs.
const exampleMT = "{1:F01BANKDEFFAXXX0000000000}{2:I103BANKGB2LXXXXN}{3:{121:8a562c67-ca16-48ba-b074-65581be6f011}}{4:\n" +
	":20:INSTR-0001\n" +
	":23B:CRED\n" +
	":32A:240315EUR1250,5\n" +
	":33B:EUR1250,50\n" +
	":50F:/DE89370400440532013000\n" +
	"1/Anna Schmidt\n" +
	"2/Hauptstrasse 5\n" +
	"3/DE/Frankfurt 60311\n" +
	":59:/GB29NWBK60161331926819\n" +
	"Oak Tree Ltd\n" +
	"1 High Street\n" +
	"London EC1A 1BB\n" +
	":70:/ROC/E2E-0001\n" +
	"Invoice 2024-117\n" +
	":71A:SHA\n" +
	"-}"

// exampleRefJSON returns examplePacs as a JSON string (the reference form).
func exampleRefJSON() json.RawMessage {
	b, _ := json.Marshal(examplePacs)
	return b
}
