#!/usr/bin/env python3
"""Writes testdata/pairs/pairs.yaml: translation pairs for the tests.

Each pair is written here by hand: the facts of the pacs.008 (assembled into
XML by px() below) and the correct MT103 block 4, written from the standard
and the mapping notes, not produced by the verifier. Wrong translations are
edits of the correct MT103, each with the fields the standard says must be
flagged. Generic wrong translations (amount with a point, wrong 71A, swapped
parties, ...) are added by rules at the end; their flagged fields follow from
the MT103 rules they break.

Run: python3 testdata/gen_pairs.py  (from the package directory)
"""
import json

UETRS = ["%08x-%04x-4%03x-%s%03x-%012x" % (0x1a2b3c00 + i, 0x1000 + i, i, "89ab"[i % 4], i, 0x100000 + i) for i in range(60)]


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;")


def adr(a):
    if a is None:
        return ""
    if isinstance(a, list):
        return "<PstlAdr>" + "".join("<AdrLine>%s</AdrLine>" % esc(l) for l in a) + "</PstlAdr>"
    order = ["Dept", "SubDept", "StrtNm", "BldgNb", "BldgNm", "Flr", "PstBx", "Room", "PstCd", "TwnNm", "CtrySubDvsn", "Ctry"]
    inner = "".join("<%s>%s</%s>" % (k, esc(a[k]), k) for k in order if k in a)
    inner += "".join("<AdrLine>%s</AdrLine>" % esc(l) for l in a.get("AdrLine", []))
    return "<PstlAdr>" + inner + "</PstlAdr>"


def fi(bic=None, nm=None, clr=None, a=None):
    s = "<FinInstnId>"
    if bic:
        s += "<BICFI>%s</BICFI>" % bic
    if clr:
        s += "<ClrSysMmbId><ClrSysId><Cd>%s</Cd></ClrSysId><MmbId>%s</MmbId></ClrSysMmbId>" % clr
    if nm:
        s += "<Nm>%s</Nm>" % esc(nm)
    if a:
        s += adr(a)
    return s + "</FinInstnId>"


def acct(a):
    if a is None:
        return None
    if a[:2].isalpha() and a[2:4].isdigit() and len(a) > 14 and a.isalnum():
        return "<Id><IBAN>%s</IBAN></Id>" % a
    return "<Id><Othr><Id>%s</Id></Othr></Id>" % a


def party(p):
    s = ""
    if "nm" in p:
        s += "<Nm>%s</Nm>" % esc(p["nm"])
    s += adr(p.get("adr"))
    if "anybic" in p:
        s += "<Id><OrgId><AnyBIC>%s</AnyBIC></OrgId></Id>" % p["anybic"]
    if "prvt" in p:
        sc, cc, i = p["prvt"]
        s += "<Id><PrvtId><Othr><Id>%s</Id><SchmeNm><Cd>%s</Cd></SchmeNm><Issr>%s</Issr></Othr></PrvtId></Id>" % (i, sc, cc)
    return s


def px(p, n):
    """Assembles the pacs.008 XML of pair p (number n)."""
    snd, rcv = p["snd"], p["rcv"]
    t = []
    pid = ""
    if p.get("instr") is not None:
        pid += "<InstrId>%s</InstrId>" % p["instr"]
    pid += "<EndToEndId>%s</EndToEndId>" % p.get("e2e", "NOTPROVIDED")
    pid += "<TxId>TX%03d</TxId><UETR>%s</UETR>" % (n, UETRS[n])
    t.append("<PmtId>%s</PmtId>" % pid)
    pti = ""
    for s in p.get("svclvl", []):
        pti += "<SvcLvl><Cd>%s</Cd></SvcLvl>" % s
    if "lclprtry" in p:
        pti += "<LclInstrm><Prtry>%s</Prtry></LclInstrm>" % p["lclprtry"]
    if "ctgy" in p:
        pti += "<CtgyPurp><Cd>%s</Cd></CtgyPurp>" % p["ctgy"]
    if pti:
        t.append("<PmtTpInf>%s</PmtTpInf>" % pti)
    t.append('<IntrBkSttlmAmt Ccy="%s">%s</IntrBkSttlmAmt>' % (p["ccy"], p["amt"]))
    t.append("<IntrBkSttlmDt>%s</IntrBkSttlmDt>" % p["date"])
    if "dbtdttm" in p:
        t.append("<SttlmTmIndctn><DbtDtTm>%s</DbtDtTm></SttlmTmIndctn>" % p["dbtdttm"])
    if "instd" in p:
        t.append('<InstdAmt Ccy="%s">%s</InstdAmt>' % p["instd"])
    if "xchg" in p:
        t.append("<XchgRate>%s</XchgRate>" % p["xchg"])
    t.append("<ChrgBr>%s</ChrgBr>" % p["chrgbr"])
    for c, a, agt in p.get("charges", []):
        t.append('<ChrgsInf><Amt Ccy="%s">%s</Amt><Agt>%s</Agt></ChrgsInf>' % (c, a, fi(agt)))
    for i, b in enumerate(p.get("prvs", []), 1):
        t.append("<PrvsInstgAgt%d>%s</PrvsInstgAgt%d>" % (i, fi(b), i))
    t.append("<InstgAgt>%s</InstgAgt>" % fi(snd))
    t.append("<InstdAgt>%s</InstdAgt>" % fi(rcv))
    for i, ag in enumerate(p.get("intrmy", []), 1):
        t.append("<IntrmyAgt%d>%s</IntrmyAgt%d>" % (i, fi(**ag["fi"]), i))
        if ag.get("acct"):
            t.append("<IntrmyAgt%dAcct>%s</IntrmyAgt%dAcct>" % (i, acct(ag["acct"]), i))
    t.append("<Dbtr>%s</Dbtr>" % party(p["dbtr"]))
    if p["dbtr"].get("acct"):
        t.append("<DbtrAcct>%s</DbtrAcct>" % acct(p["dbtr"]["acct"]))
    t.append("<DbtrAgt>%s</DbtrAgt>" % fi(**p.get("dbtragt", {"bic": snd})))
    t.append("<CdtrAgt>%s</CdtrAgt>" % fi(**p.get("cdtragt", {"bic": rcv})))
    if p.get("cdtragtacct"):
        t.append("<CdtrAgtAcct>%s</CdtrAgtAcct>" % acct(p["cdtragtacct"]))
    t.append("<Cdtr>%s</Cdtr>" % party(p["cdtr"]))
    if p["cdtr"].get("acct"):
        t.append("<CdtrAcct>%s</CdtrAcct>" % acct(p["cdtr"]["acct"]))
    for cd, inf in p.get("instrcdtr", []):
        s = ("<Cd>%s</Cd>" % cd if cd else "") + ("<InstrInf>%s</InstrInf>" % esc(inf) if inf else "")
        t.append("<InstrForCdtrAgt>%s</InstrForCdtrAgt>" % s)
    for cd, inf in p.get("instrnxt", []):
        s = ("<Cd>%s</Cd>" % cd if cd else "") + ("<InstrInf>%s</InstrInf>" % esc(inf) if inf else "")
        t.append("<InstrForNxtAgt>%s</InstrForNxtAgt>" % s)
    if "purp" in p:
        t.append("<Purp><Prtry>%s</Prtry></Purp>" % p["purp"])
    if "rgltry" in p:
        cd, cc, inf = p["rgltry"]
        t.append("<RgltryRptg><Dtls><Ctry>%s</Ctry><Cd>%s</Cd><Inf>%s</Inf></Dtls></RgltryRptg>" % (cc, cd, esc(inf)))
    if "ustrd" in p:
        t.append("<RmtInf><Ustrd>%s</Ustrd></RmtInf>" % esc(p["ustrd"]))
    st = "<SttlmMtd>%s</SttlmMtd>" % p.get("sttlmmtd", "INDA")
    if "sttlmacct" in p:
        st += "<SttlmAcct>%s</SttlmAcct>" % acct(p["sttlmacct"])
    for k in ["InstgRmbrsmntAgt", "InstdRmbrsmntAgt", "ThrdRmbrsmntAgt"]:
        if k in p:
            st += "<%s>%s</%s>" % (k, fi(p[k]), k)
    ns = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"
    doc = ('<Document xmlns="%s">\n<FIToFICstmrCdtTrf>\n<GrpHdr><MsgId>MSG%03d</MsgId><CreDtTm>%sT08:00:00+00:00</CreDtTm>'
           "<NbOfTxs>1</NbOfTxs><SttlmInf>%s</SttlmInf></GrpHdr>\n<CdtTrfTxInf>\n%s\n</CdtTrfTxInf>\n</FIToFICstmrCdtTrf>\n</Document>") % (
        ns, n, p["date"], st, "\n".join(t))
    if p.get("bare"):
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + doc
    hdr = ('<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"><Fr><FIId><FinInstnId><BICFI>%s</BICFI></FinInstnId></FIId></Fr>'
           "<To><FIId><FinInstnId><BICFI>%s</BICFI></FinInstnId></FIId></To><BizMsgIdr>MSG%03d</BizMsgIdr><MsgDefIdr>pacs.008.001.08</MsgDefIdr>"
           "<BizSvc>swift.cbprplus.02</BizSvc><CreDt>%sT08:00:00Z</CreDt></AppHdr>") % (snd, rcv, n, p["date"])
    return '<?xml version="1.0" encoding="UTF-8"?>\n<BusinessMessage>\n%s\n%s\n</BusinessMessage>' % (hdr, doc)


def lt(bic, c):
    b = bic if len(bic) == 11 else bic + "XXX"
    return b[:8] + c + b[8:]


def header(p, n, output=False):
    b3 = "{3:" + ("{111:%s}" % p["b111"] if "b111" in p else "") + "{121:%s}}" % UETRS[n]
    if output:
        yymmdd = p["date"][2:4] + p["date"][5:7] + p["date"][8:10]
        return "{1:F01%s0000000000}{2:O1031200%s%s0000000000%s1201N}%s" % (lt(p["rcv"], "A"), yymmdd, lt(p["snd"], "A"), yymmdd, b3)
    return "{1:F01%s0000000000}{2:I103%sN}%s" % (lt(p["snd"], "A"), lt(p["rcv"], "X"), b3)


def mt(p, n, output=False):
    return header(p, n, output) + "{4:\n" + p["mt"].strip("\n") + "\n-}"


# --------------------------------------------------------------------------
# The pairs. MT block 4 written by hand for each.
DE, GB, FR, US, JP = "ALPHDEFFXXX", "CROWGB2LXXX", "BANKFRPPXXX", "FIRSUS33XXX", "SAKUJPJTXXX"
PAIRS = [
 dict(name="eur-sha-structured-debtor", why="EUR with 2 minor units, 50F from a structured address, 59 unstructured, /ROC/ plus remittance",
      snd=DE, rcv=GB, instr="INV2024-0001", e2e="E2E-0001", date="2024-03-15", ccy="EUR", amt="1250.50", instd=("EUR", "1250.50"), chrgbr="SHAR",
      dbtr=dict(nm="Anna Schmidt", adr=dict(StrtNm="Hauptstrasse", BldgNb="5", PstCd="60311", TwnNm="Frankfurt", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Oak Tree Ltd", adr=["1 High Street", "London EC1A 1BB"], acct="GB29NWBK60161331926819"),
      ustrd="Invoice 2024-117",
      mt="""
:20:INV2024-0001
:23B:CRED
:32A:240315EUR1250,5
:33B:EUR1250,5
:50F:/DE89370400440532013000
1/Anna Schmidt
2/Hauptstrasse,5
3/DE/Frankfurt
:59:/GB29NWBK60161331926819
Oak Tree Ltd
1 High Street
London EC1A 1BB
:70:/ROC/E2E-0001
Invoice 2024-117
:71A:SHA
""",
      wrong=[dict(name="no-roc", edits=[(":70:/ROC/E2E-0001\nInvoice 2024-117", ":70:E2E-0001 Invoice 2024-117")], flagged=["70"])]),
 dict(name="usd-our-two-charges", why="DEBT with two charges in USD: one 71G with their sum; non-IBAN accounts; US and JP are outside the C2 list",
      snd=US, rcv=JP, instr="PAY-778812", e2e="NOTPROVIDED", date="2024-07-01", ccy="USD", amt="98000.00", instd=("USD", "97950.00"), chrgbr="DEBT",
      charges=[("USD", "30.00", US), ("USD", "20.00", JP)],
      dbtr=dict(nm="Pinecone Traders Inc", adr=["400 Market Street", "Springfield IL 62701"], acct="123456789"),
      cdtr=dict(nm="Hoshi Kogyo KK", adr=["2-1 Marunouchi", "Chiyoda-ku Tokyo"], acct="0012345678"),
      mt="""
:20:PAY-778812
:23B:CRED
:32A:240701USD98000,
:33B:USD97950,
:50K:/123456789
Pinecone Traders Inc
400 Market Street
Springfield IL 62701
:59:/0012345678
Hoshi Kogyo KK
2-1 Marunouchi
Chiyoda-ku Tokyo
:71A:OUR
:71G:USD50,
""",
      wrong=[dict(name="71G-not-summed", edits=[(":71G:USD50,", ":71G:USD30,")], flagged=["71G"]),
             dict(name="71F-with-OUR", edits=[(":71G:USD50,", ":71F:USD50,")], flagged=["71G", "71F"]),
             dict(name="71G-other-currency", edits=[(":71G:USD50,", ":71G:EUR50,")], flagged=["71G"])]),
 dict(name="jpy-ben-zero-decimals", why="JPY has no minor units: integer amount with a trailing comma; BEN keeps one 71F per charge",
      snd=JP, rcv=US, instr="JP-20240902-01", e2e="ORDER-5521", date="2024-09-02", ccy="JPY", amt="1500000", instd=("JPY", "1502000"), chrgbr="CRED",
      charges=[("JPY", "2000", JP)],
      dbtr=dict(nm="Sakura Denki KK", adr=["1-2-3 Shiba", "Minato-ku Tokyo"], acct="9876543210"),
      cdtr=dict(nm="Blue River LLC", adr=["77 Lake Road", "Austin TX 78701"], acct="445566778"),
      mt="""
:20:JP-20240902-01
:23B:CRED
:32A:240902JPY1500000,
:33B:JPY1502000,
:50K:/9876543210
Sakura Denki KK
1-2-3 Shiba
Minato-ku Tokyo
:59:/445566778
Blue River LLC
77 Lake Road
Austin TX 78701
:70:/ROC/ORDER-5521
:71A:BEN
:71F:JPY2000,
""",
      wrong=[dict(name="jpy-with-decimals", edits=[(":32A:240902JPY1500000,", ":32A:240902JPY1500000,00")], flagged=["32A"]),
             dict(name="missing-71F", edits=[(":71F:JPY2000,\n", "")], flagged=["71F"])]),
 dict(name="kwd-sha-three-decimals", why="KWD has 3 minor units; Kuwaiti IBAN of the debtor",
      snd="GULFKWKWXXX", rcv=GB, instr="KW-000451", e2e="E2E-KW-451", date="2024-05-20", ccy="KWD", amt="1234.567", instd=("KWD", "1234.567"), chrgbr="SHAR",
      dbtr=dict(nm="Al Noor Trading Co", adr=["Block 3 Street 12", "Kuwait City"], acct="KW81CBKU0000000000001234560101"),
      cdtr=dict(nm="Harbour Supplies Ltd", adr=["5 Dock Road", "Liverpool L3 4AA"], acct="GB60BARC20000055779911"),
      mt="""
:20:KW-000451
:23B:CRED
:32A:240520KWD1234,567
:33B:KWD1234,567
:50K:/KW81CBKU0000000000001234560101
Al Noor Trading Co
Block 3 Street 12
Kuwait City
:59:/GB60BARC20000055779911
Harbour Supplies Ltd
5 Dock Road
Liverpool L3 4AA
:70:/ROC/E2E-KW-451
:71A:SHA
""",
      wrong=[dict(name="four-decimals", edits=[(":32A:240520KWD1234,567", ":32A:240520KWD1234,5670")], flagged=["32A"]),
             dict(name="rounded-amount", edits=[(":32A:240520KWD1234,567", ":32A:240520KWD1234,57")], flagged=["32A"]),
             dict(name="bad-iban-check-digits", edits=[("/KW81CBKU", "/KW82CBKU")], flagged=["50K"])]),
 dict(name="bhd-ben-two-charges", why="BHD with 3 minor units and two 71F in the order of ChrgsInf",
      snd="PEARBHBMXXX", rcv=US, instr="BH-PAY-0099", e2e="E2E-BH-99", date="2024-11-11", ccy="BHD", amt="250.125", instd=("BHD", "253.625"), chrgbr="CRED",
      charges=[("BHD", "2.5", "PEARBHBMXXX"), ("BHD", "1", US)],
      dbtr=dict(nm="Dilmun Pearl WLL", adr=["Building 10 Road 383", "Manama"], acct="BH67BMAG00001299123456"),
      cdtr=dict(nm="Oceanic Imports Corp", adr=["9 Harbor Blvd", "Miami FL 33101"], acct="700100200"),
      mt="""
:20:BH-PAY-0099
:23B:CRED
:32A:241111BHD250,125
:33B:BHD253,625
:50K:/BH67BMAG00001299123456
Dilmun Pearl WLL
Building 10 Road 383
Manama
:59:/700100200
Oceanic Imports Corp
9 Harbor Blvd
Miami FL 33101
:70:/ROC/E2E-BH-99
:71A:BEN
:71F:BHD2,5
:71F:BHD1,
""",
      wrong=[dict(name="charges-swapped", edits=[(":71F:BHD2,5\n:71F:BHD1,", ":71F:BHD1,\n:71F:BHD2,5")], flagged=["71F"]),
             dict(name="71G-with-BEN", edits=[(":71F:BHD1,", ":71G:BHD1,")], flagged=["71F", "71G"])]),
 dict(name="eur-cover-reimbursement", why="cover method: InstgRmbrsmntAgt -> 53A, InstdRmbrsmntAgt -> 54A; 33B copied from 32A as FR and DE are in the C2 list",
      snd=FR, rcv=DE, instr="FR-COV-0007", e2e="E2E-COV-7", date="2024-02-29", ccy="EUR", amt="50000", chrgbr="SHAR", sttlmmtd="COVE",
      InstgRmbrsmntAgt="CORRFRPPXXX", InstdRmbrsmntAgt="CORRDEFFXXX",
      dbtr=dict(nm="Atelier Lumiere SARL", adr=dict(StrtNm="Rue de Rivoli", BldgNb="10", PstCd="75001", TwnNm="Paris", Ctry="FR"), acct="FR1420041010050500013M02606"),
      cdtr=dict(nm="Kessler Maschinenbau GmbH", adr=["Industriestrasse 4", "70173 Stuttgart"], acct="DE44500105175407324931"),
      mt="""
:20:FR-COV-0007
:23B:CRED
:32A:240229EUR50000,
:33B:EUR50000,
:50F:/FR1420041010050500013M02606
1/Atelier Lumiere SARL
2/Rue de Rivoli,10
3/FR/Paris
:53A:CORRFRPPXXX
:54A:CORRDEFFXXX
:59:/DE44500105175407324931
Kessler Maschinenbau GmbH
Industriestrasse 4
70173 Stuttgart
:70:/ROC/E2E-COV-7
:71A:SHA
""",
      wrong=[dict(name="reimbursement-swapped", edits=[(":53A:CORRFRPPXXX\n:54A:CORRDEFFXXX", ":53A:CORRDEFFXXX\n:54A:CORRFRPPXXX")], flagged=["53A", "54A"]),
             dict(name="54A-missing", edits=[(":54A:CORRDEFFXXX\n", "")], flagged=["54A"]),
             dict(name="leap-day-wrong", edits=[(":32A:240229", ":32A:230229")], flagged=["32A"])]),
 dict(name="usd-intermediary-57a", why="IntrmyAgt1 with account -> 56A; CdtrAgt other than the receiver -> 57A is due (C9: 56a needs 57a)",
      snd=GB, rcv=US, instr="GB-USD-3301", e2e="E2E-3301", date="2024-06-28", ccy="USD", amt="15669.38", instd=("USD", "15669.38"), chrgbr="SHAR",
      intrmy=[dict(fi=dict(bic="MIDLUS44XXX"), acct="8899001122")], cdtragt=dict(bic="SOUTUS4TXXX"),
      dbtr=dict(nm="Thistle Engineering Ltd", adr=["12 Castle Street", "Edinburgh EH1 2AB"], acct="GB29NWBK60161331926819"),
      cdtr=dict(nm="Red Rock Mining Inc", adr=["300 Desert Ave", "Phoenix AZ 85001"], acct="5566778899"),
      mt="""
:20:GB-USD-3301
:23B:CRED
:32A:240628USD15669,38
:33B:USD15669,38
:50K:/GB29NWBK60161331926819
Thistle Engineering Ltd
12 Castle Street
Edinburgh EH1 2AB
:56A:/8899001122
MIDLUS44XXX
:57A:SOUTUS4TXXX
:59:/5566778899
Red Rock Mining Inc
300 Desert Ave
Phoenix AZ 85001
:70:/ROC/E2E-3301
:71A:SHA
""",
      wrong=[dict(name="57A-missing", edits=[(":57A:SOUTUS4TXXX\n", "")], flagged=["57A"]),
             dict(name="56A-account-lost", edits=[(":56A:/8899001122\nMIDLUS44XXX", ":56A:MIDLUS44XXX")], flagged=["56A"]),
             dict(name="agents-swapped", edits=[(":56A:/8899001122\nMIDLUS44XXX\n:57A:SOUTUS4TXXX", ":56A:/8899001122\nSOUTUS4TXXX\n:57A:MIDLUS44XXX")], flagged=["56A", "57A"])]),
 dict(name="long-instrid-truncated", why="InstrId over 16 characters: first 15 and '+'; EndToEndId NOTPROVIDED and no remittance: no field 70",
      snd=DE, rcv=FR, instr="BATCH2024-09-INSTR-77", date="2024-09-30", ccy="EUR", amt="10.00", chrgbr="SHAR",
      dbtr=dict(nm="Weber und Sohn KG", adr=dict(StrtNm="Lindenweg", BldgNb="8", TwnNm="Hamburg", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Boulangerie Martin", adr=dict(StrtNm="Rue Victor Hugo", BldgNb="3", TwnNm="Lyon", Ctry="FR"), acct="FR7630006000011234567890189"),
      mt="""
:20:BATCH2024-09-IN+
:23B:CRED
:32A:240930EUR10,
:33B:EUR10,
:50F:/DE89370400440532013000
1/Weber und Sohn KG
2/Lindenweg,8
3/DE/Hamburg
:59F:/FR7630006000011234567890189
1/Boulangerie Martin
2/Rue Victor Hugo,3
3/FR/Lyon
:71A:SHA
""",
      wrong=[dict(name="20-too-long", edits=[(":20:BATCH2024-09-IN+", ":20:BATCH2024-09-INSTR-77")], flagged=["20"]),
             dict(name="20-cut-without-mark", edits=[(":20:BATCH2024-09-IN+", ":20:BATCH2024-09-INS")], flagged=["20"]),
             dict(name="59-where-59F-due", edits=[(":59F:/FR7630006000011234567890189\n1/Boulangerie Martin\n2/Rue Victor Hugo,3\n3/FR/Lyon", ":59:/FR7630006000011234567890189\nBoulangerie Martin\nRue Victor Hugo 3\nFR Lyon")], flagged=["59F"])]),
 dict(name="no-instrid-notprovided", why="InstrId absent: 20 is NOTPROVIDED",
      snd=GB, rcv=DE, e2e="CUST-REF-9", date="2024-04-02", ccy="GBP", amt="700.10", instd=("GBP", "700.10"), chrgbr="SHAR",
      dbtr=dict(nm="Maple Leaf Cafe", adr=["8 Baker Street", "London NW1 6XE"], acct="GB60BARC20000055779911"),
      cdtr=dict(nm="Vogel Getraenke GmbH", adr=["Marktplatz 1", "80331 Muenchen"], acct="DE44500105175407324931"),
      mt="""
:20:NOTPROVIDED
:23B:CRED
:32A:240402GBP700,1
:33B:GBP700,1
:50K:/GB60BARC20000055779911
Maple Leaf Cafe
8 Baker Street
London NW1 6XE
:59:/DE44500105175407324931
Vogel Getraenke GmbH
Marktplatz 1
80331 Muenchen
:70:/ROC/CUST-REF-9
:71A:SHA
""",
      wrong=[dict(name="20-from-e2e", edits=[(":20:NOTPROVIDED", ":20:CUST-REF-9")], flagged=["20"])]),
 dict(name="gbp-to-eur-exchange-rate", why="instructed amount in another currency: 33B with its own currency and 36 with a decimal comma (C1)",
      snd=GB, rcv="BERGCHZZXXX", instr="FX-GB-CH-12", e2e="E2E-FX-12", date="2024-08-05", ccy="CHF", amt="10935.00", instd=("GBP", "10000.00"), xchg="1.0935", chrgbr="SHAR",
      dbtr=dict(nm="Oxford Instruments Ltd", adr=["Tubney Woods", "Abingdon OX13 5QX"], acct="GB29NWBK60161331926819"),
      cdtr=dict(nm="Alpenblick AG", adr=["Bahnhofstrasse 1", "8001 Zuerich"], acct="CH9300762011623852957"),
      mt="""
:20:FX-GB-CH-12
:23B:CRED
:32A:240805CHF10935,
:33B:GBP10000,
:36:1,0935
:50K:/GB29NWBK60161331926819
Oxford Instruments Ltd
Tubney Woods
Abingdon OX13 5QX
:59:/CH9300762011623852957
Alpenblick AG
Bahnhofstrasse 1
8001 Zuerich
:70:/ROC/E2E-FX-12
:71A:SHA
""",
      wrong=[dict(name="36-missing", edits=[(":36:1,0935\n", "")], flagged=["36"]),
             dict(name="36-with-point", edits=[(":36:1,0935", ":36:1.0935")], flagged=["36"]),
             dict(name="33B-in-32A-currency", edits=[(":33B:GBP10000,", ":33B:CHF10935,")], flagged=["33B", "36"])]),
 dict(name="chf-anybic-parties", why="debtor and creditor identified by AnyBIC: 50A and 59A with the account line",
      snd="BERGCHZZXXX", rcv=DE, instr="CH-CORP-0042", e2e="E2E-CORP-42", date="2024-10-10", ccy="CHF", amt="2500000.00", instd=("CHF", "2500000.00"), chrgbr="SHAR",
      dbtr=dict(nm="Helvetia Holding AG", anybic="HELVCHZZXXX", acct="CH9300762011623852957"),
      cdtr=dict(nm="Rhein Chemie AG", anybic="RHEIDEFF", acct="DE89370400440532013000"),
      mt="""
:20:CH-CORP-0042
:23B:CRED
:32A:241010CHF2500000,
:33B:CHF2500000,
:50A:/CH9300762011623852957
HELVCHZZXXX
:59A:/DE89370400440532013000
RHEIDEFF
:70:/ROC/E2E-CORP-42
:71A:SHA
""",
      alt=[dict(name="bic11-with-xxx", edits=[("\nRHEIDEFF\n", "\nRHEIDEFFXXX\n")]), dict(name="bic8", edits=[("\nHELVCHZZXXX\n", "\nHELVCHZZ\n")])],
      wrong=[dict(name="50K-instead-of-50A", edits=[(":50A:/CH9300762011623852957\nHELVCHZZXXX", ":50K:/CH9300762011623852957\nHelvetia Holding AG")], flagged=["50A"]),
             dict(name="bad-bic-country", edits=[("\nRHEIDEFF\n", "\nRHEIQQFF\n")], flagged=["59A"])]),
 dict(name="59F-no-account", why="structured creditor without account: 59F has no account line and no /NOTPROVIDED",
      snd=DE, rcv="BANKITMMXXX", instr="DE-IT-5510", e2e="E2E-5510", date="2024-12-02", ccy="EUR", amt="333.33", instd=("EUR", "333.33"), chrgbr="SHAR",
      dbtr=dict(nm="Fischer Optik GmbH", adr=dict(StrtNm="Alte Gasse", BldgNb="17", TwnNm="Koeln", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Giulia Rossi", adr=dict(StrtNm="Via Roma", BldgNb="21", TwnNm="Milano", Ctry="IT")),
      mt="""
:20:DE-IT-5510
:23B:CRED
:32A:241202EUR333,33
:33B:EUR333,33
:50F:/DE89370400440532013000
1/Fischer Optik GmbH
2/Alte Gasse,17
3/DE/Koeln
:59F:1/Giulia Rossi
2/Via Roma,21
3/IT/Milano
:70:/ROC/E2E-5510
:71A:SHA
""",
      wrong=[dict(name="notprovided-in-59F", edits=[(":59F:1/Giulia Rossi", ":59F:/NOTPROVIDED\n1/Giulia Rossi")], flagged=["59F"]),
             dict(name="59F-bad-country", edits=[("3/IT/Milano", "3/XX/Milano")], flagged=["59F"])]),
 dict(name="50F-notprovided", why="structured debtor without account or identifier: first line /NOTPROVIDED",
      snd=FR, rcv=DE, instr="FR-NP-0001", e2e="E2E-NP-1", date="2024-01-08", ccy="EUR", amt="80.00", instd=("EUR", "80.00"), chrgbr="SHAR",
      dbtr=dict(nm="Claire Dubois", adr=dict(StrtNm="Avenue Foch", BldgNb="2", TwnNm="Nice", Ctry="FR")),
      cdtr=dict(nm="Lena Braun", adr=["Gartenweg 9", "10115 Berlin"], acct="DE44500105175407324931"),
      mt="""
:20:FR-NP-0001
:23B:CRED
:32A:240108EUR80,
:33B:EUR80,
:50F:/NOTPROVIDED
1/Claire Dubois
2/Avenue Foch,2
3/FR/Nice
:59:/DE44500105175407324931
Lena Braun
Gartenweg 9
10115 Berlin
:70:/ROC/E2E-NP-1
:71A:SHA
""",
      wrong=[dict(name="no-identifier-line", edits=[(":50F:/NOTPROVIDED\n1/Claire Dubois", ":50F:1/Claire Dubois")], flagged=["50F"])]),
 dict(name="50F-party-identifier", why="no debtor account but a passport number: 50F line 1 is CCPT/country/identifier",
      snd=DE, rcv=GB, instr="DE-PP-7", e2e="E2E-PP-7", date="2024-03-01", ccy="EUR", amt="999.99", instd=("EUR", "999.99"), chrgbr="SHAR",
      dbtr=dict(nm="Jonas Keller", adr=dict(StrtNm="Ringstrasse", BldgNb="40", TwnNm="Bonn", Ctry="DE"), prvt=("CCPT", "DE", "C01X00T47")),
      cdtr=dict(nm="Emma Clarke", adr=["3 Rose Lane", "Oxford OX1 1AA"], acct="GB29NWBK60161331926819"),
      mt="""
:20:DE-PP-7
:23B:CRED
:32A:240301EUR999,99
:33B:EUR999,99
:50F:CCPT/DE/C01X00T47
1/Jonas Keller
2/Ringstrasse,40
3/DE/Bonn
:59:/GB29NWBK60161331926819
Emma Clarke
3 Rose Lane
Oxford OX1 1AA
:70:/ROC/E2E-PP-7
:71A:SHA
""",
      wrong=[dict(name="unknown-id-code", edits=[("CCPT/DE/C01X00T47", "PASS/DE/C01X00T47")], flagged=["50F"])]),
 dict(name="long-debtor-name", why="debtor name over 33 characters continues on a second 1/ line",
      snd=DE, rcv=GB, instr="DE-LONG-1", e2e="E2E-LONG-1", date="2024-05-02", ccy="EUR", amt="4200.00", instd=("EUR", "4200.00"), chrgbr="SHAR",
      dbtr=dict(nm="Norddeutsche Windkraftanlagen Service GmbH", adr=dict(StrtNm="Hafenstrasse", BldgNb="101", TwnNm="Bremen", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Cardiff Turbines Ltd", adr=["Unit 4 Bay Road", "Cardiff CF10 1AA"], acct="GB60BARC20000055779911"),
      mt="""
:20:DE-LONG-1
:23B:CRED
:32A:240502EUR4200,
:33B:EUR4200,
:50F:/DE89370400440532013000
1/Norddeutsche Windkraftanlagen Ser
1/vice GmbH
2/Hafenstrasse,101
3/DE/Bremen
:59:/GB60BARC20000055779911
Cardiff Turbines Ltd
Unit 4 Bay Road
Cardiff CF10 1AA
:70:/ROC/E2E-LONG-1
:71A:SHA
""",
      wrong=[dict(name="name-line-too-long", edits=[("1/Norddeutsche Windkraftanlagen Ser\n1/vice GmbH", "1/Norddeutsche Windkraftanlagen Service GmbH")], flagged=["50F"]),
             dict(name="name-cut", edits=[("\n1/vice GmbH", "")], flagged=["50F"])]),
 dict(name="long-remittance-truncated", why="remittance over 4*35: hard-wrapped at 35 and cut with '+'",
      snd=GB, rcv=DE, instr="GB-RMT-55", date="2024-06-14", ccy="EUR", amt="12000.00", instd=("EUR", "12000.00"), chrgbr="SHAR",
      ustrd="Payment for invoices 2024-001 2024-002 2024-003 2024-004 2024-005 2024-006 2024-007 2024-008 2024-009 2024-010 2024-011 2024-012 and late fees for May and June",
      dbtr=dict(nm="Kestrel Logistics Ltd", adr=["Warehouse 7 Dock Lane", "Hull HU1 1AA"], acct="GB29NWBK60161331926819"),
      cdtr=dict(nm="Spedition Hartmann GmbH", adr=["Ladestrasse 2", "20457 Hamburg"], acct="DE89370400440532013000"),
      mt="""
:20:GB-RMT-55
:23B:CRED
:32A:240614EUR12000,
:33B:EUR12000,
:50K:/GB29NWBK60161331926819
Kestrel Logistics Ltd
Warehouse 7 Dock Lane
Hull HU1 1AA
:59:/DE89370400440532013000
Spedition Hartmann GmbH
Ladestrasse 2
20457 Hamburg
:70:Payment for invoices 2024-001 2024-
002 2024-003 2024-004 2024-005
2024-006 2024-007 2024-008 2024-009
2024-010 2024-011 2024-012 and lat+
:71A:SHA
""",
      wrong=[dict(name="five-lines", edits=[("2024-012 and lat+", "2024-012 and late fees\nfor May and June")], flagged=["70"]),
             dict(name="cut-too-short", edits=[("\n2024-006 2024-007 2024-008 2024-009\n2024-010 2024-011 2024-012 and lat+", "")], flagged=["70"]),
             dict(name="line-starting-dash", edits=[("2024-005\n2024-006", "2024-005 2024\n-006")], flagged=["70"])]),
 dict(name="previous-instructing-agent", why="PrvsInstgAgt1 -> 72 /INS/ with the BIC",
      snd=GB, rcv=US, instr="GB-INS-01", e2e="E2E-INS-1", date="2024-07-15", ccy="USD", amt="5000.00", instd=("USD", "5000.00"), chrgbr="SHAR",
      prvs=["ORIGIE2DXXX"],
      dbtr=dict(nm="Shamrock Foods Ltd", adr=["14 Quay Street", "Galway"], acct="IE29AIBK93115212345678"),
      cdtr=dict(nm="Prairie Grain Co", adr=["1 Silo Road", "Omaha NE 68102"], acct="3344556677"),
      mt="""
:20:GB-INS-01
:23B:CRED
:32A:240715USD5000,
:33B:USD5000,
:50K:/IE29AIBK93115212345678
Shamrock Foods Ltd
14 Quay Street
Galway
:59:/3344556677
Prairie Grain Co
1 Silo Road
Omaha NE 68102
:70:/ROC/E2E-INS-1
:71A:SHA
:72:/INS/ORIGIE2DXXX
""",
      alt=[dict(name="ins-bic8", edits=[("/INS/ORIGIE2DXXX", "/INS/ORIGIE2D")])],
      wrong=[dict(name="72-missing", edits=[(":72:/INS/ORIGIE2DXXX\n", "")], flagged=["72"]),
             dict(name="72-without-code", edits=[(":72:/INS/ORIGIE2DXXX", ":72:ORIGIE2DXXX")], flagged=["72"])]),
 dict(name="second-intermediary-inta", why="IntrmyAgt1 -> 56A, IntrmyAgt2 -> 72 /INTA/; CdtrAgt -> 57A",
      snd=DE, rcv=US, instr="DE-INTA-2", e2e="E2E-INTA-2", date="2024-08-20", ccy="USD", amt="75000.00", instd=("USD", "75000.00"), chrgbr="SHAR",
      intrmy=[dict(fi=dict(bic="MIDLUS44XXX")), dict(fi=dict(bic="WESTUS6LXXX"))], cdtragt=dict(bic="PACIUS6SXXX"),
      dbtr=dict(nm="Bayern Motoren Teile AG", adr=dict(StrtNm="Motorstrasse", BldgNb="1", TwnNm="Muenchen", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Golden Gate Autos Inc", adr=["500 Van Ness Ave", "San Francisco CA"], acct="6677889900"),
      mt="""
:20:DE-INTA-2
:23B:CRED
:32A:240820USD75000,
:33B:USD75000,
:50F:/DE89370400440532013000
1/Bayern Motoren Teile AG
2/Motorstrasse,1
3/DE/Muenchen
:56A:MIDLUS44XXX
:57A:PACIUS6SXXX
:59:/6677889900
Golden Gate Autos Inc
500 Van Ness Ave
San Francisco CA
:70:/ROC/E2E-INTA-2
:71A:SHA
:72:/INTA/WESTUS6LXXX
""",
      wrong=[dict(name="inta-as-ins", edits=[("/INTA/WESTUS6LXXX", "/INS/WESTUS6LXXX")], flagged=["72"])]),
 dict(name="cheque-no-account", why="InstrForCdtrAgt CHQB -> 23E CHQB; the creditor has no account (C13 forbids one)",
      snd=GB, rcv=US, instr="GB-CHQ-9", e2e="E2E-CHQ-9", date="2024-09-09", ccy="USD", amt="250.00", instd=("USD", "250.00"), chrgbr="SHAR",
      instrcdtr=[("CHQB", None)],
      dbtr=dict(nm="Willow Books Ltd", adr=["2 Library Row", "Bath BA1 1AA"], acct="GB60BARC20000055779911"),
      cdtr=dict(nm="Samuel Ortiz", adr=["44 Elm Street", "Boston MA 02108"]),
      mt="""
:20:GB-CHQ-9
:23B:CRED
:23E:CHQB
:32A:240909USD250,
:33B:USD250,
:50K:/GB60BARC20000055779911
Willow Books Ltd
2 Library Row
Bath BA1 1AA
:59:Samuel Ortiz
44 Elm Street
Boston MA 02108
:70:/ROC/E2E-CHQ-9
:71A:SHA
""",
      wrong=[dict(name="23E-missing", edits=[(":23E:CHQB\n", "")], flagged=["23E"]),
             dict(name="account-with-cheque", edits=[(":59:Samuel Ortiz", ":59:/1234567\nSamuel Ortiz")], flagged=["59"])]),
 dict(name="service-level-g001", why="SvcLvl G001 -> block 3 {111:001}",
      snd=DE, rcv=GB, instr="DE-GPI-1", e2e="E2E-GPI-1", date="2024-10-01", ccy="EUR", amt="640.00", instd=("EUR", "640.00"), chrgbr="SHAR",
      svclvl=["G001"], b111="001",
      dbtr=dict(nm="Sommer Reisen GmbH", adr=dict(StrtNm="Seeweg", BldgNb="3", TwnNm="Kiel", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Highland Tours Ltd", adr=["7 Loch Road", "Inverness IV1 1AA"], acct="GB29NWBK60161331926819"),
      mt="""
:20:DE-GPI-1
:23B:CRED
:32A:241001EUR640,
:33B:EUR640,
:50F:/DE89370400440532013000
1/Sommer Reisen GmbH
2/Seeweg,3
3/DE/Kiel
:59:/GB29NWBK60161331926819
Highland Tours Ltd
7 Loch Road
Inverness IV1 1AA
:70:/ROC/E2E-GPI-1
:71A:SHA
""",
      wrong=[dict(name="111-lost", edits=[("{111:001}", "")], flagged=["111"]),
             dict(name="111-as-g001", edits=[("{111:001}", "{111:G001}")], flagged=["111"])]),
 dict(name="sdva-same-day", why="SvcLvl SDVA -> 23E SDVA",
      snd=FR, rcv=GB, instr="FR-SDVA-3", e2e="E2E-SDVA-3", date="2024-11-29", ccy="EUR", amt="18000.00", instd=("EUR", "18000.00"), chrgbr="SHAR",
      svclvl=["SDVA"],
      dbtr=dict(nm="Vins de Bordeaux SA", adr=dict(StrtNm="Quai des Chartrons", BldgNb="50", TwnNm="Bordeaux", Ctry="FR"), acct="FR7630006000011234567890189"),
      cdtr=dict(nm="Cellar Door Ltd", adr=["9 Wine Street", "Bristol BS1 2AA"], acct="GB60BARC20000055779911"),
      mt="""
:20:FR-SDVA-3
:23B:CRED
:23E:SDVA
:32A:241129EUR18000,
:33B:EUR18000,
:50F:/FR7630006000011234567890189
1/Vins de Bordeaux SA
2/Quai des Chartrons,50
3/FR/Bordeaux
:59:/GB60BARC20000055779911
Cellar Door Ltd
9 Wine Street
Bristol BS1 2AA
:70:/ROC/E2E-SDVA-3
:71A:SHA
""",
      wrong=[dict(name="unknown-23E", edits=[(":23E:SDVA", ":23E:URGP")], flagged=["23E"]),
             dict(name="sdva-with-text", edits=[(":23E:SDVA", ":23E:SDVA/TODAY")], flagged=["23E"])]),
 dict(name="intra-company-intc", why="CtgyPurp INTC -> 23E INTC",
      snd="NORDSESSXXX", rcv=DE, instr="SE-INTC-4", e2e="E2E-INTC-4", date="2024-04-30", ccy="SEK", amt="125000.00", instd=("SEK", "125000.00"), chrgbr="SHAR",
      ctgy="INTC",
      dbtr=dict(nm="Fjord Group AB", adr=dict(StrtNm="Kungsgatan", BldgNb="8", TwnNm="Stockholm", Ctry="SE"), acct="SE4550000000058398257466"),
      cdtr=dict(nm="Fjord Group GmbH", adr=dict(StrtNm="Kaiserstrasse", BldgNb="2", TwnNm="Frankfurt", Ctry="DE"), acct="DE89370400440532013000"),
      mt="""
:20:SE-INTC-4
:23B:CRED
:23E:INTC
:32A:240430SEK125000,
:33B:SEK125000,
:50F:/SE4550000000058398257466
1/Fjord Group AB
2/Kungsgatan,8
3/SE/Stockholm
:59F:/DE89370400440532013000
1/Fjord Group GmbH
2/Kaiserstrasse,2
3/DE/Frankfurt
:70:/ROC/E2E-INTC-4
:71A:SHA
""",
      wrong=[dict(name="corT-instead", edits=[(":23E:INTC", ":23E:CORT")], flagged=["23E"])]),
 dict(name="hold-with-text", why="InstrForCdtrAgt HOLD with InstrInf -> 23E HOLD/text (HOLD takes additional information)",
      snd=DE, rcv=GB, instr="DE-HOLD-5", e2e="E2E-HOLD-5", date="2024-02-12", ccy="EUR", amt="60.00", instd=("EUR", "60.00"), chrgbr="SHAR",
      instrcdtr=[("HOLD", "PASSPORT REQUIRED")],
      dbtr=dict(nm="Peter Wolf", adr=dict(StrtNm="Wiesenweg", BldgNb="6", TwnNm="Dresden", Ctry="DE"), acct="DE44500105175407324931"),
      cdtr=dict(nm="Mary Jones", adr=["11 Mill Lane", "York YO1 7AA"], acct="GB60BARC20000055779911"),
      mt="""
:20:DE-HOLD-5
:23B:CRED
:23E:HOLD/PASSPORT REQUIRED
:32A:240212EUR60,
:33B:EUR60,
:50F:/DE44500105175407324931
1/Peter Wolf
2/Wiesenweg,6
3/DE/Dresden
:59:/GB60BARC20000055779911
Mary Jones
11 Mill Lane
York YO1 7AA
:70:/ROC/E2E-HOLD-5
:71A:SHA
""",
      wrong=[dict(name="hold-text-lost", edits=[(":23E:HOLD/PASSPORT REQUIRED", ":23E:HOLD")], flagged=["23E"])]),
 dict(name="phone-next-agent", why="InstrForNxtAgt PHOA without intermediary -> 23E PHON (decision for the row graded G); 57A present as C17 needs",
      snd=GB, rcv=US, instr="GB-PHON-6", e2e="E2E-PHON-6", date="2024-03-27", ccy="USD", amt="3100.00", instd=("USD", "3100.00"), chrgbr="SHAR",
      instrnxt=[("PHOA", None)], cdtragt=dict(bic="SOUTUS4TXXX"),
      dbtr=dict(nm="Lark Studios Ltd", adr=["6 Soho Square", "London W1D 3QL"], acct="GB29NWBK60161331926819"),
      cdtr=dict(nm="Canyon Films LLC", adr=["1 Sunset Blvd", "Los Angeles CA"], acct="1122334455"),
      mt="""
:20:GB-PHON-6
:23B:CRED
:23E:PHON
:32A:240327USD3100,
:33B:USD3100,
:50K:/GB29NWBK60161331926819
Lark Studios Ltd
6 Soho Square
London W1D 3QL
:57A:SOUTUS4TXXX
:59:/1122334455
Canyon Films LLC
1 Sunset Blvd
Los Angeles CA
:70:/ROC/E2E-PHON-6
:71A:SHA
""",
      wrong=[dict(name="phon-without-57a", edits=[(":57A:SOUTUS4TXXX\n", "")], flagged=["57A", "23E"])]),
 dict(name="krw-our-no-charges", why="KRW has no minor units; DEBT without ChrgsInf gives 71A OUR and no 71G",
      snd="HANAKRSEXXX", rcv="LIONSGSGXXX", instr="KR-SG-0815", e2e="E2E-0815", date="2024-12-20", ccy="KRW", amt="35000000", instd=("KRW", "35000000"), chrgbr="DEBT",
      dbtr=dict(nm="Hanbit Electronics Co Ltd", adr=["25 Teheran-ro", "Gangnam-gu Seoul"], acct="110234567890"),
      cdtr=dict(nm="Merlion Components Pte Ltd", adr=["8 Marina View", "Singapore 018960"], acct="0123456789"),
      mt="""
:20:KR-SG-0815
:23B:CRED
:32A:241220KRW35000000,
:33B:KRW35000000,
:50K:/110234567890
Hanbit Electronics Co Ltd
25 Teheran-ro
Gangnam-gu Seoul
:59:/0123456789
Merlion Components Pte Ltd
8 Marina View
Singapore 018960
:70:/ROC/E2E-0815
:71A:OUR
""",
      wrong=[dict(name="krw-decimals", edits=[(":32A:241220KRW35000000,", ":32A:241220KRW35000000,5")], flagged=["32A"]),
             dict(name="thousands-separator", edits=[(":32A:241220KRW35000000,", ":32A:241220KRW35.000.000,")], flagged=["32A"])]),
 dict(name="clp-ben-no-chargesinf", why="CLP has no minor units; CRED without ChrgsInf still needs one 71F (C14): a zero charge",
      snd="ANDECLRMXXX", rcv=US, instr="CL-US-3", e2e="E2E-CL-3", date="2024-01-31", ccy="CLP", amt="4500000", instd=("CLP", "4500000"), chrgbr="CRED",
      dbtr=dict(nm="Vina del Valle SpA", adr=["Avenida Apoquindo 3000", "Santiago"], acct="00123456789"),
      cdtr=dict(nm="Northwind Wines Inc", adr=["12 Vine St", "Napa CA 94559"], acct="9988776655"),
      mt="""
:20:CL-US-3
:23B:CRED
:32A:240131CLP4500000,
:33B:CLP4500000,
:50K:/00123456789
Vina del Valle SpA
Avenida Apoquindo 3000
Santiago
:59:/9988776655
Northwind Wines Inc
12 Vine St
Napa CA 94559
:70:/ROC/E2E-CL-3
:71A:BEN
:71F:CLP0,
""",
      wrong=[dict(name="71F-missing-with-BEN", edits=[(":71F:CLP0,\n", "")], flagged=["71F"])]),
 dict(name="tnd-sha-three-decimals", why="TND has 3 minor units; Tunisian IBAN",
      snd="CART TNTTXXX".replace(" ", ""), rcv=FR, instr="TN-FR-77", e2e="E2E-TN-77", date="2024-06-03", ccy="TND", amt="15000.750", instd=("TND", "15000.750"), chrgbr="SHAR",
      dbtr=dict(nm="Sidi Bou Said Ceramique SARL", adr=["12 Rue de Carthage", "Tunis"], acct="TN5910006035183598478831"),
      cdtr=dict(nm="Galerie Provence", adr=["4 Cours Mirabeau", "13100 Aix-en-Provence"], acct="FR1420041010050500013M02606"),
      mt="""
:20:TN-FR-77
:23B:CRED
:32A:240603TND15000,75
:33B:TND15000,75
:50K:/TN5910006035183598478831
Sidi Bou Said Ceramique SARL
12 Rue de Carthage
Tunis
:59:/FR1420041010050500013M02606
Galerie Provence
4 Cours Mirabeau
13100 Aix-en-Provence
:70:/ROC/E2E-TN-77
:71A:SHA
""",
      alt=[dict(name="trailing-zero-kept", edits=[(":32A:240603TND15000,75", ":32A:240603TND15000,750")])],
      wrong=[dict(name="amount-times-ten", edits=[(":32A:240603TND15000,75", ":32A:240603TND150007,5")], flagged=["32A"])]),
 dict(name="jod-iban", why="JOD has 3 minor units; Jordanian IBAN of 30 characters",
      snd="PETRJOAMXXX", rcv=DE, instr="JO-DE-1", e2e="E2E-JO-1", date="2024-08-08", ccy="JOD", amt="7000.001", instd=("JOD", "7000.001"), chrgbr="SHAR",
      dbtr=dict(nm="Petra Stone Works", adr=["King Hussein Street 5", "Amman"], acct="JO94CBJO0010000000000131000302"),
      cdtr=dict(nm="Steinmetz Huber", adr=dict(StrtNm="Bergstrasse", BldgNb="12", TwnNm="Passau", Ctry="DE"), acct="DE44500105175407324931"),
      mt="""
:20:JO-DE-1
:23B:CRED
:32A:240808JOD7000,001
:33B:JOD7000,001
:50K:/JO94CBJO0010000000000131000302
Petra Stone Works
King Hussein Street 5
Amman
:59F:/DE44500105175407324931
1/Steinmetz Huber
2/Bergstrasse,12
3/DE/Passau
:70:/ROC/E2E-JO-1
:71A:SHA
""",
      wrong=[dict(name="town-missing", edits=[("3/DE/Passau", "3/DE")], flagged=["59F"])]),
 dict(name="settlement-account-53b", why="INDA with a settlement account: 53B with the account",
      snd=GB, rcv="BANKNL2AXXX", instr="GB-NL-53B", e2e="E2E-53B", date="2024-05-06", ccy="EUR", amt="2222.22", instd=("EUR", "2222.22"), chrgbr="SHAR",
      sttlmacct="NOSTRO-EUR-001",
      dbtr=dict(nm="Thames Valley Farms", adr=["Riverside Farm", "Reading RG1 1AA"], acct="GB29NWBK60161331926819"),
      cdtr=dict(nm="Tulip Export BV", adr=dict(StrtNm="Keizersgracht", BldgNb="100", TwnNm="Amsterdam", Ctry="NL"), acct="NL91ABNA0417164300"),
      mt="""
:20:GB-NL-53B
:23B:CRED
:32A:240506EUR2222,22
:33B:EUR2222,22
:50K:/GB29NWBK60161331926819
Thames Valley Farms
Riverside Farm
Reading RG1 1AA
:53B:/NOSTRO-EUR-001
:59F:/NL91ABNA0417164300
1/Tulip Export BV
2/Keizersgracht,100
3/NL/Amsterdam
:70:/ROC/E2E-53B
:71A:SHA
""",
      wrong=[dict(name="53B-missing", edits=[(":53B:/NOSTRO-EUR-001\n", "")], flagged=["53B"])]),
 dict(name="third-reimbursement-55a", why="three reimbursement agents: 53A, 54A and 55A (C7: 55a needs 53a and 54a)",
      snd=US, rcv=JP, instr="US-JP-55A", e2e="E2E-55A", date="2024-04-15", ccy="USD", amt="800000.00", instd=("USD", "800000.00"), chrgbr="SHAR", sttlmmtd="COVE",
      InstgRmbrsmntAgt="CORRUS33XXX", InstdRmbrsmntAgt="CORRJPJTXXX", ThrdRmbrsmntAgt="THRDGB2LXXX",
      dbtr=dict(nm="Atlas Aerospace Corp", adr=["1 Rocket Way", "Seattle WA 98101"], acct="7788990011"),
      cdtr=dict(nm="Fuji Precision KK", adr=["3-3 Otemachi", "Chiyoda-ku Tokyo"], acct="2233445566"),
      mt="""
:20:US-JP-55A
:23B:CRED
:32A:240415USD800000,
:33B:USD800000,
:50K:/7788990011
Atlas Aerospace Corp
1 Rocket Way
Seattle WA 98101
:53A:CORRUS33XXX
:54A:CORRJPJTXXX
:55A:THRDGB2LXXX
:59:/2233445566
Fuji Precision KK
3-3 Otemachi
Chiyoda-ku Tokyo
:70:/ROC/E2E-55A
:71A:SHA
""",
      wrong=[dict(name="55A-without-53A", edits=[(":53A:CORRUS33XXX\n", "")], flagged=["53A", "55a"])]),
 dict(name="bare-document", why="a bare Document without AppHdr: sender and receiver come from InstgAgt and InstdAgt",
      bare=True, snd=GB, rcv=FR, instr="GB-FR-BARE", e2e="E2E-BARE", date="2024-10-21", ccy="GBP", amt="1.00", instd=("GBP", "1.00"), chrgbr="SHAR",
      dbtr=dict(nm="Penny Tests Ltd", adr=["1 Coin Street", "London SE1 9AA"], acct="GB60BARC20000055779911"),
      cdtr=dict(nm="Centime SARL", adr=["2 Rue du Sou", "75002 Paris"], acct="FR7630006000011234567890189"),
      mt="""
:20:GB-FR-BARE
:23B:CRED
:32A:241021GBP1,
:33B:GBP1,
:50K:/GB60BARC20000055779911
Penny Tests Ltd
1 Coin Street
London SE1 9AA
:59:/FR7630006000011234567890189
Centime SARL
2 Rue du Sou
75002 Paris
:70:/ROC/E2E-BARE
:71A:SHA
""",
      wrong=[dict(name="no-integer-digit", edits=[(":32A:241021GBP1,", ":32A:241021GBP,1")], flagged=["32A"])]),
 dict(name="diacritics-transliterated", why="names outside the X set are transliterated: Müller as Mueller or Muller both count",
      snd=DE, rcv="BANKATWWXXX", instr="DE-AT-UML", e2e="E2E-UML", date="2024-03-18", ccy="EUR", amt="45.00", instd=("EUR", "45.00"), chrgbr="SHAR",
      dbtr=dict(nm="Jürgen Müller", adr=dict(StrtNm="Königsallee", BldgNb="9", TwnNm="Düsseldorf", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Zoë Öztürk", adr=["Mariahilfer Straße 1", "1060 Wien"], acct="AT611904300234573201"),
      mt="""
:20:DE-AT-UML
:23B:CRED
:32A:240318EUR45,
:33B:EUR45,
:50F:/DE89370400440532013000
1/Juergen Mueller
2/Koenigsallee,9
3/DE/Duesseldorf
:59:/AT611904300234573201
Zoe Oeztuerk
Mariahilfer Strasse 1
1060 Wien
:70:/ROC/E2E-UML
:71A:SHA
""",
      alt=[dict(name="plain-fold", edits=[("1/Juergen Mueller", "1/Jurgen Muller"), ("Zoe Oeztuerk", "Zoe Ozturk")])],
      wrong=[dict(name="umlaut-kept", edits=[("1/Juergen Mueller", "1/Jürgen Müller")], flagged=["50F"])]),
 dict(name="clearing-code-57c", why="creditor agent known only by a US ABA routing number: 57C //FW...",
      snd=GB, rcv=US, instr="GB-ABA-1", e2e="E2E-ABA-1", date="2024-07-22", ccy="USD", amt="640.50", instd=("USD", "640.50"), chrgbr="SHAR",
      cdtragt=dict(clr=("USABA", "021000018")),
      dbtr=dict(nm="Rowan Crafts Ltd", adr=["3 Weavers Yard", "Norwich NR1 1AA"], acct="GB29NWBK60161331926819"),
      cdtr=dict(nm="Maple Syrup Co", adr=["80 Forest Rd", "Burlington VT 05401"], acct="4455667788"),
      mt="""
:20:GB-ABA-1
:23B:CRED
:32A:240722USD640,5
:33B:USD640,5
:50K:/GB29NWBK60161331926819
Rowan Crafts Ltd
3 Weavers Yard
Norwich NR1 1AA
:57C://FW021000018
:59:/4455667788
Maple Syrup Co
80 Forest Rd
Burlington VT 05401
:70:/ROC/E2E-ABA-1
:71A:SHA
""",
      wrong=[dict(name="wrong-routing-number", edits=[("//FW021000018", "//FW021000019")], flagged=["57C"])]),
 dict(name="debtor-agent-not-sender", why="DbtrAgt differs from the sender: 52A is due",
      snd=DE, rcv=GB, instr="DE-52A-1", e2e="E2E-52A-1", date="2024-09-16", ccy="EUR", amt="3000.00", instd=("EUR", "3000.00"), chrgbr="SHAR",
      dbtragt=dict(bic="SPARDE33XXX"),
      dbtr=dict(nm="Gruen Garten eG", adr=dict(StrtNm="Feldweg", BldgNb="2", TwnNm="Essen", Ctry="DE"), acct="DE44500105175407324931"),
      cdtr=dict(nm="Kew Seeds Ltd", adr=["1 Garden Walk", "Richmond TW9 3AB"], acct="GB29NWBK60161331926819"),
      mt="""
:20:DE-52A-1
:23B:CRED
:32A:240916EUR3000,
:33B:EUR3000,
:50F:/DE44500105175407324931
1/Gruen Garten eG
2/Feldweg,2
3/DE/Essen
:52A:SPARDE33XXX
:59:/GB29NWBK60161331926819
Kew Seeds Ltd
1 Garden Walk
Richmond TW9 3AB
:70:/ROC/E2E-52A-1
:71A:SHA
""",
      alt=[dict(name="52A-bic8", edits=[(":52A:SPARDE33XXX", ":52A:SPARDE33")])],
      wrong=[dict(name="52A-missing", edits=[(":52A:SPARDE33XXX\n", "")], flagged=["52A"]),
             dict(name="52A-is-sender", edits=[(":52A:SPARDE33XXX", ":52A:ALPHDEFFXXX")], flagged=["52A"])]),
 dict(name="debit-time-13c", why="SttlmTmIndctn/DbtDtTm -> 13C /SNDTIME/ with the UTC offset",
      snd=DE, rcv=GB, instr="DE-13C-1", e2e="E2E-13C-1", date="2024-11-04", ccy="EUR", amt="505.05", instd=("EUR", "505.05"), chrgbr="SHAR",
      dbtdttm="2024-11-04T09:15:00+01:00",
      dbtr=dict(nm="Uhrwerk GmbH", adr=dict(StrtNm="Zeitweg", BldgNb="12", TwnNm="Pforzheim", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Clockmakers Ltd", adr=["10 Bell Street", "Coventry CV1 1AA"], acct="GB60BARC20000055779911"),
      mt="""
:20:DE-13C-1
:13C:/SNDTIME/0915+0100
:23B:CRED
:32A:241104EUR505,05
:33B:EUR505,05
:50F:/DE89370400440532013000
1/Uhrwerk GmbH
2/Zeitweg,12
3/DE/Pforzheim
:59:/GB60BARC20000055779911
Clockmakers Ltd
10 Bell Street
Coventry CV1 1AA
:70:/ROC/E2E-13C-1
:71A:SHA
""",
      wrong=[dict(name="13C-utc-not-converted", edits=[("/SNDTIME/0915+0100", "/SNDTIME/0815+0000")], flagged=["13C"]),
             dict(name="13C-after-23B", edits=[(":13C:/SNDTIME/0915+0100\n:23B:CRED", ":23B:CRED\n:13C:/SNDTIME/0915+0100")], flagged=["13C"])]),
 dict(name="regulatory-77b", why="regulatory reporting -> 77B /code/country//information",
      snd=GB, rcv="GULFAEADXXX", instr="GB-AE-77B", e2e="E2E-77B", date="2024-02-05", ccy="AED", amt="36725.00", instd=("AED", "36725.00"), chrgbr="SHAR",
      rgltry=("BENEFRES", "AE", "TRADE GOODS"),
      dbtr=dict(nm="Falcon Parts Ltd", adr=["5 Airport Way", "Luton LU2 9AA"], acct="GB29NWBK60161331926819"),
      cdtr=dict(nm="Desert Rose Trading LLC", adr=["Sheikh Zayed Road", "Dubai"], acct="AE070331234567890123456"),
      mt="""
:20:GB-AE-77B
:23B:CRED
:32A:240205AED36725,
:33B:AED36725,
:50K:/GB29NWBK60161331926819
Falcon Parts Ltd
5 Airport Way
Luton LU2 9AA
:59:/AE070331234567890123456
Desert Rose Trading LLC
Sheikh Zayed Road
Dubai
:70:/ROC/E2E-77B
:71A:SHA
:77B:/BENEFRES/AE//TRADE GOODS
""",
      wrong=[dict(name="77B-missing", edits=[(":77B:/BENEFRES/AE//TRADE GOODS\n", "")], flagged=["77B"])]),
 dict(name="unstructured-debtor-50k", why="debtor address without country (AdrLine only): 50K, not 50F",
      snd=FR, rcv="BANKBEBBXXX", instr="FR-BE-50K", e2e="E2E-50K", date="2024-06-24", ccy="EUR", amt="120.00", instd=("EUR", "120.00"), chrgbr="SHAR",
      dbtr=dict(nm="Librairie du Port", adr=["3 Quai de la Fosse", "44000 Nantes"], acct="FR1420041010050500013M02606"),
      cdtr=dict(nm="Chocolaterie Bruges BV", adr=dict(StrtNm="Markt", BldgNb="7", TwnNm="Brugge", Ctry="BE"), acct="BE68539007547034"),
      mt="""
:20:FR-BE-50K
:23B:CRED
:32A:240624EUR120,
:33B:EUR120,
:50K:/FR1420041010050500013M02606
Librairie du Port
3 Quai de la Fosse
44000 Nantes
:59F:/BE68539007547034
1/Chocolaterie Bruges BV
2/Markt,7
3/BE/Brugge
:70:/ROC/E2E-50K
:71A:SHA
""",
      wrong=[dict(name="50F-invented-country", edits=[(":50K:/FR1420041010050500013M02606\nLibrairie du Port\n3 Quai de la Fosse\n44000 Nantes", ":50F:/FR1420041010050500013M02606\n1/Librairie du Port\n2/3 Quai de la Fosse\n3/FR/44000 Nantes")], flagged=["50K"])]),
 dict(name="big-usd-amount", why="a 13-digit amount still fits 15d with the comma",
      snd=US, rcv=GB, instr="US-BIG-1", e2e="E2E-BIG-1", date="2024-12-31", ccy="USD", amt="1234567890.12", instd=("USD", "1234567890.12"), chrgbr="SHAR",
      dbtr=dict(nm="Titan Capital LP", adr=["1 Wall Street", "New York NY 10005"], acct="0001112223"),
      cdtr=dict(nm="Albion Investments plc", adr=["25 Bank Street", "London E14 5JP"], acct="GB60BARC20000055779911"),
      mt="""
:20:US-BIG-1
:23B:CRED
:32A:241231USD1234567890,12
:33B:USD1234567890,12
:50K:/0001112223
Titan Capital LP
1 Wall Street
New York NY 10005
:59:/GB60BARC20000055779911
Albion Investments plc
25 Bank Street
London E14 5JP
:70:/ROC/E2E-BIG-1
:71A:SHA
""",
      wrong=[dict(name="digit-dropped", edits=[(":32A:241231USD1234567890,12", ":32A:241231USD123456789,12")], flagged=["32A"]),
             dict(name="wrong-year", edits=[(":32A:241231", ":32A:231231")], flagged=["32A"])]),
 dict(name="shared-two-charges", why="SHAR with two ChrgsInf: two 71F in order, no 71G",
      snd=DE, rcv=GB, instr="DE-SHA-2F", e2e="E2E-SHA-2F", date="2024-08-26", ccy="EUR", amt="990.00", instd=("EUR", "1000.00"), chrgbr="SHAR",
      charges=[("EUR", "6.00", DE), ("EUR", "4.00", GB)],
      dbtr=dict(nm="Berg Verlag GmbH", adr=dict(StrtNm="Buchweg", BldgNb="4", TwnNm="Leipzig", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Quill Press Ltd", adr=["2 Fleet Street", "London EC4Y 1AA"], acct="GB29NWBK60161331926819"),
      mt="""
:20:DE-SHA-2F
:23B:CRED
:32A:240826EUR990,
:33B:EUR1000,
:50F:/DE89370400440532013000
1/Berg Verlag GmbH
2/Buchweg,4
3/DE/Leipzig
:59:/GB29NWBK60161331926819
Quill Press Ltd
2 Fleet Street
London EC4Y 1AA
:70:/ROC/E2E-SHA-2F
:71A:SHA
:71F:EUR6,
:71F:EUR4,
""",
      wrong=[dict(name="71G-with-SHA", edits=[(":71F:EUR6,\n:71F:EUR4,", ":71G:EUR10,")], flagged=["71F", "71G"]),
             dict(name="33B-equals-32A", edits=[(":33B:EUR1000,", ":33B:EUR990,")], flagged=["33B"])]),
 dict(name="ampersand-in-name", why="'&' is outside the X set: dropped or written as AND",
      snd=GB, rcv=DE, instr="GB-AMP-1", e2e="E2E-AMP-1", date="2024-04-22", ccy="GBP", amt="75.25", instd=("GBP", "75.25"), chrgbr="SHAR",
      dbtr=dict(nm="Smith & Sons Ltd", adr=["9 Forge Lane", "Sheffield S1 2AA"], acct="GB60BARC20000055779911"),
      cdtr=dict(nm="Koch & Partner GbR", adr=["Rathausplatz 3", "90403 Nuernberg"], acct="DE89370400440532013000"),
      mt="""
:20:GB-AMP-1
:23B:CRED
:32A:240422GBP75,25
:33B:GBP75,25
:50K:/GB60BARC20000055779911
Smith and Sons Ltd
9 Forge Lane
Sheffield S1 2AA
:59:/DE89370400440532013000
Koch + Partner GbR
Rathausplatz 3
90403 Nuernberg
:70:/ROC/E2E-AMP-1
:71A:SHA
""",
      alt=[dict(name="ampersand-dropped", edits=[("Smith and Sons Ltd", "Smith Sons Ltd")])],
      wrong=[dict(name="ampersand-kept", edits=[("Smith and Sons Ltd", "Smith & Sons Ltd")], flagged=["50K"])]),
 dict(name="spri-priority", why="LclInstrm/Prtry SPRI -> 23B SPRI; beneficiary account mandatory (C12), no 56a (C10)",
      snd=GB, rcv=DE, instr="GB-SPRI-1", e2e="E2E-SPRI-1", date="2024-05-13", ccy="EUR", amt="100000.00", instd=("EUR", "100000.00"), chrgbr="SHAR",
      lclprtry="SPRI",
      dbtr=dict(nm="Sterling Metals plc", adr=["1 Foundry Road", "Birmingham B1 1AA"], acct="GB29NWBK60161331926819"),
      cdtr=dict(nm="Ruhr Stahl AG", adr=dict(StrtNm="Huettenweg", BldgNb="1", TwnNm="Duisburg", Ctry="DE"), acct="DE89370400440532013000"),
      mt="""
:20:GB-SPRI-1
:23B:SPRI
:32A:240513EUR100000,
:33B:EUR100000,
:50K:/GB29NWBK60161331926819
Sterling Metals plc
1 Foundry Road
Birmingham B1 1AA
:59F:/DE89370400440532013000
1/Ruhr Stahl AG
2/Huettenweg,1
3/DE/Duisburg
:70:/ROC/E2E-SPRI-1
:71A:SHA
""",
      wrong=[dict(name="cred-instead", edits=[(":23B:SPRI", ":23B:CRED")], flagged=["23B"]),
             dict(name="spri-without-account", edits=[(":59F:/DE89370400440532013000\n", ":59F:")], flagged=["59F"]),
             dict(name="spri-with-chqb", edits=[(":23B:SPRI\n", ":23B:SPRI\n:23E:CHQB\n")], flagged=["23E"])]),
 dict(name="purpose-26t", why="Purp/Prtry of three characters -> 26T (one translator only; decision: mapped)",
      snd=DE, rcv=GB, instr="DE-26T-1", e2e="E2E-26T-1", date="2024-10-28", ccy="EUR", amt="2100.00", instd=("EUR", "2100.00"), chrgbr="SHAR",
      purp="K90",
      dbtr=dict(nm="Lohn Service GmbH", adr=dict(StrtNm="Arbeitsweg", BldgNb="5", TwnNm="Mainz", Ctry="DE"), acct="DE89370400440532013000"),
      cdtr=dict(nm="Oliver Grant", adr=["7 Park Road", "Leeds LS1 1AA"], acct="GB60BARC20000055779911"),
      mt="""
:20:DE-26T-1
:23B:CRED
:26T:K90
:32A:241028EUR2100,
:33B:EUR2100,
:50F:/DE89370400440532013000
1/Lohn Service GmbH
2/Arbeitsweg,5
3/DE/Mainz
:59:/GB60BARC20000055779911
Oliver Grant
7 Park Road
Leeds LS1 1AA
:70:/ROC/E2E-26T-1
:71A:SHA
""",
      wrong=[dict(name="26T-lowercase", edits=[(":26T:K90", ":26T:k90")], flagged=["26T"])]),
 dict(name="remittance-only-roc-dropped", why="remittance with EndToEndId: the remittance alone (Ballerina) is accepted as well as /ROC/ first",
      snd=GB, rcv=DE, instr="GB-RMT-2", e2e="E2E-RMT-2", date="2024-01-15", ccy="EUR", amt="512.00", instd=("EUR", "512.00"), chrgbr="SHAR",
      ustrd="INV 7781 and 7782",
      dbtr=dict(nm="Cobalt Design Ltd", adr=["4 Studio Lane", "Brighton BN1 1AA"], acct="GB29NWBK60161331926819"),
      cdtr=dict(nm="Blau Druck GmbH", adr=["Farbweg 1", "04109 Leipzig"], acct="DE89370400440532013000"),
      mt="""
:20:GB-RMT-2
:23B:CRED
:32A:240115EUR512,
:33B:EUR512,
:50K:/GB29NWBK60161331926819
Cobalt Design Ltd
4 Studio Lane
Brighton BN1 1AA
:59:/DE89370400440532013000
Blau Druck GmbH
Farbweg 1
04109 Leipzig
:70:INV 7781 and 7782
:71A:SHA
""",
      alt=[dict(name="with-roc", edits=[(":70:INV 7781 and 7782", ":70:/ROC/E2E-RMT-2\nINV 7781 and 7782")])],
      wrong=[dict(name="remittance-changed", edits=[(":70:INV 7781 and 7782", ":70:INV 7781")], flagged=["70"])]),
]


def generic_wrongs(p):
    """Wrong translations every pair gets, with the fields the MT103 rules
    they break flag."""
    m = p["mt"].strip("\n")
    lines = m.split("\n")
    out = []
    l32 = next(l for l in lines if l.startswith(":32A:"))
    out.append(dict(name="g-amount-point", edits=[(l32, l32.replace(",", "."))], flagged=["32A"]))
    l71 = next(l for l in lines if l.startswith(":71A:"))
    rot = {"SHA": "OUR", "OUR": "SHA", "BEN": "SHA"}[l71[5:]]
    out.append(dict(name="g-wrong-71A", edits=[(l71, ":71A:" + rot)], flagged=["71A"]))
    out.append(dict(name="g-71A-missing", edits=[(l71 + "\n", "")], flagged=["71A"]))
    out.append(dict(name="g-lost-uetr", edits=[("{121:%s}" % UETRS[p["n"]], "")], flagged=["121"]))
    # swapped parties: exchange the values of 50a and 59a (tags kept).
    def field(prefix):
        i = next(k for k, l in enumerate(lines) if l.startswith(prefix))
        j = i + 1
        while j < len(lines) and not lines[j].startswith(":"):
            j += 1
        return i, j
    i50, j50 = field(":50")
    i59, j59 = field(":59")
    tag50, tag59 = lines[i50][:lines[i50].index(":", 1) + 1], lines[i59][:lines[i59].index(":", 1) + 1]
    v50 = "\n".join(lines[i50:j50])[len(tag50):]
    v59 = "\n".join(lines[i59:j59])[len(tag59):]
    if tag50[1:3] == tag59[1:3] or (tag50 in (":50K:",) and tag59 == ":59:") or (tag50 == ":50A:" and tag59 == ":59A:"):
        out.append(dict(name="g-swapped-parties", edits=[(tag50 + v50 + "\n", "@@50@@"), (tag59 + v59 + "\n", tag59 + v50 + "\n"), ("@@50@@", tag50 + v59 + "\n")],
                        flagged=[tag50.strip(":"), tag59.strip(":")]))
    if any(l.startswith(":33B:") for l in lines):
        l33 = next(l for l in lines if l.startswith(":33B:"))
        out.append(dict(name="g-missing-33B", edits=[(l33 + "\n", "")], flagged=["33B"]))
    if tag50 == ":50F:":
        body = lines[i50:j50]
        k = [body[0].replace(":50F:", ":50K:")] + [b[2:] if b[:2] in ("1/", "2/") else b[2:].replace("/", " ", 1) for b in body[1:]]
        out.append(dict(name="g-50K-for-50F", edits=[("\n".join(body), "\n".join(k[:5]))], flagged=["50F"]))
    # bad character: '@' in the creditor's value.
    last59 = lines[j59 - 1]
    out.append(dict(name="g-bad-character", edits=[("\n".join(lines[i59:j59]), "\n".join(lines[i59:j59 - 1] + [last59 + "@"]))], flagged=[tag59.strip(":")]))
    # line over 35 characters in the creditor's last line.
    pad = "X" * (36 - len(last59) + (len(tag59) if j59 - 1 == i59 else 0))
    out.append(dict(name="g-line-over-35", edits=[("\n".join(lines[i59:j59]), "\n".join(lines[i59:j59 - 1] + [last59 + pad]))], flagged=[tag59.strip(":")]))
    return out


def dump(s, indent):
    pad = " " * indent
    return "|-\n" + "\n".join(pad + l if l else "" for l in s.split("\n"))


def q(s):
    return json.dumps(s, ensure_ascii=False)


def main():
    out = ["# Generated by gen_pairs.py; see that file for how the pairs were written.\n"]
    for n, p in enumerate(PAIRS, 1):
        p["n"] = n
        out.append("- name: %s" % q("%02d-%s" % (n, p["name"])))
        out.append("  why: %s" % q(p["why"]))
        out.append("  pacs008: " + dump(px(p, n), 4))
        out.append("  mt103: " + dump(mt(p, n), 4))
        out.append("  mt103_output_header: " + dump(mt(p, n, output=True), 4))
        out.append("  correct_variants:")
        out.append("  - {name: \"output-header\", edits: []}")
        for a in p.get("alt", []):
            out.append("  - name: %s" % q(a["name"]))
            out.append("    edits:")
            for f, t in a["edits"]:
                out.append("    - {from: %s, to: %s}" % (q(f), q(t)))
        out.append("  wrong:")
        for w in p.get("wrong", []) + generic_wrongs(p):
            out.append("  - name: %s" % q(w["name"]))
            out.append("    flagged: %s" % q(w["flagged"]))
            out.append("    edits:")
            for f, t in w["edits"]:
                out.append("    - {from: %s, to: %s}" % (q(f), q(t)))
    with open("testdata/pairs/pairs.yaml", "w") as fh:
        fh.write("\n".join(out) + "\n")
    print(len(PAIRS), "pairs")


if __name__ == "__main__":
    main()
