package iso20022

import "strings"

// mtField is one block 4 field: the tag with its option letter and the
// value's lines joined with "\n".
type mtField struct {
	Tag   string
	Value string
	Line  int // line of ":TAG:" in the response (1-based)
}

// mtTag is one {tag:value} of block 3 or block 5.
type mtTag struct {
	Tag, Value string
	Line       int
}

// mtMessage is a parsed MT message. Headers are kept raw; validation reads
// them. Sender and Receiver are derived BIC11s ("" when unknown).
type mtMessage struct {
	HasB1, HasB2, HasB3, HasB4 bool
	B1, B2                     string
	B1Line, B2Line, B4Line     int
	B3, B5                     []mtTag
	Fields                     []mtField
	Input                      bool // block 2 is the input form
	MsgType                    string
	Sender, Receiver           string
	// Problems found while parsing (structure, not field format).
	Problems []Violation
}

// maxMTBytes bounds the text parsed as one message; a real MT103 is at most
// 10,000 characters of block 4 plus headers.
const maxMTBytes = 16 << 10

// Block-level parsing is a single forward scan; every loop advances.
type mtScanner struct {
	s    string
	i    int
	line int
	msg  *mtMessage
}

func (p *mtScanner) problem(code, field string, line int, msg string) {
	p.msg.Problems = append(p.msg.Problems, Violation{Code: code, Field: field, Line: line, Message: msg})
}

func (p *mtScanner) advance(n int) {
	p.line += strings.Count(p.s[p.i:p.i+n], "\n")
	p.i += n
}

func (p *mtScanner) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t' || p.s[p.i] == '\r') {
		if p.s[p.i] == '\n' {
			p.line++
		}
		p.i++
	}
}

// parseMT parses a message made of {n:...} blocks, or a bare block 4 body
// (lines of :TAG:value) when s does not start with "{". line0 is the
// response line of s's first byte. ok is false when no block 4 field exists.
func parseMT(s string, line0 int) (*mtMessage, bool) {
	m := &mtMessage{}
	p := &mtScanner{s: s, line: line0, msg: m}
	if !strings.HasPrefix(s, "{") {
		m.HasB4 = true
		m.B4Line = line0
		parseBlock4(p, s, line0, true)
		return m, len(m.Fields) > 0
	}
	last := 0
	for {
		p.skipSpace()
		if p.i >= len(s) || s[p.i] != '{' {
			break
		}
		start := p.line
		colon := strings.IndexByte(s[p.i:min(len(s), p.i+5)], ':')
		if colon < 0 {
			p.problem("BLOCK", "", start, "block without an identifier")
			break
		}
		id := s[p.i+1 : p.i+colon]
		p.advance(colon + 1)
		n := blockNumber(id)
		if n <= last {
			p.problem("BLOCK", "", start, "block {"+id+":} is out of order or repeated")
		}
		if n > last {
			last = n
		}
		switch n {
		case 1, 2:
			end := strings.IndexByte(s[p.i:], '}')
			if end < 0 {
				p.problem("BLOCK", "", start, "block {"+id+":} is not closed")
				return m, false
			}
			v := s[p.i : p.i+end]
			p.advance(end + 1)
			if n == 1 {
				m.HasB1, m.B1, m.B1Line = true, v, start
			} else {
				m.HasB2, m.B2, m.B2Line = true, v, start
			}
		case 3, 5:
			tags, ok := parseTagBlock(p, start)
			if !ok {
				p.problem("BLOCK", "", start, "block {"+id+":} is malformed")
				return m, len(m.Fields) > 0
			}
			if n == 3 {
				m.HasB3, m.B3 = true, tags
			} else {
				m.B5 = tags
			}
		case 4:
			m.HasB4, m.B4Line = true, start
			end := strings.Index(s[p.i:], "\n-}")
			body := s[p.i:]
			if end >= 0 {
				body = s[p.i : p.i+end+1]
			} else {
				p.problem("BLOCK", "", start, "block 4 does not end with a line \"-}\"")
			}
			bodyLine := p.line
			parseBlock4(p, body, bodyLine, false)
			if end < 0 {
				p.advance(len(s) - p.i)
			} else {
				p.advance(end + 3)
			}
		default:
			if id == "S" {
				// The system trailer of output messages, after block 5:
				// {S:{SAC:}{COP:P}}, nested tags like block 5's.
				if _, ok := parseTagBlock(p, start); !ok {
					p.problem("BLOCK", "", start, "block {S:} is malformed")
					return m, len(m.Fields) > 0
				}
				continue
			}
			p.problem("BLOCK", "", start, "unknown block {"+id+":}")
			end := strings.IndexByte(s[p.i:], '}')
			if end < 0 {
				return m, len(m.Fields) > 0
			}
			p.advance(end + 1)
		}
	}
	return m, len(m.Fields) > 0
}

func blockNumber(id string) int {
	switch id {
	case "1", "2", "3", "4", "5":
		return int(id[0] - '0')
	}
	return 6 // user or system trailer blocks (S, ...): after block 5
}

// parseTagBlock reads {tag:value}{tag:value}...} after "{3:" or "{5:".
func parseTagBlock(p *mtScanner, start int) ([]mtTag, bool) {
	var tags []mtTag
	for {
		if p.i >= len(p.s) {
			return tags, false
		}
		switch p.s[p.i] {
		case '}':
			p.advance(1)
			return tags, true
		case '{':
			end := strings.IndexByte(p.s[p.i:], '}')
			if end < 0 {
				return tags, false
			}
			inner := p.s[p.i+1 : p.i+end]
			colon := strings.IndexByte(inner, ':')
			if colon < 0 {
				return tags, false
			}
			tags = append(tags, mtTag{Tag: inner[:colon], Value: inner[colon+1:], Line: p.line})
			p.advance(end + 1)
		case '\n', ' ':
			p.advance(1) // tolerated: models put sub-blocks on their own lines
		default:
			return tags, false
		}
	}
}

// parseBlock4 splits a block 4 body into fields. In a framed block the text
// right after "{4:" must be empty (the CrLf); bare bodies start at a field.
func parseBlock4(p *mtScanner, body string, line int, bare bool) {
	m := p.msg
	cur := -1
	// Continuation lines are gathered in a builder: appending each to the
	// field's string copied it whole, quadratic in a long field.
	var val strings.Builder
	flush := func() {
		if cur >= 0 {
			m.Fields[cur].Value = val.String()
		}
	}
	defer flush()
	for i := 0; body != "" || i == 0; i++ {
		ln := body
		if nl := strings.IndexByte(body, '\n'); nl >= 0 {
			ln, body = body[:nl], body[nl+1:]
		} else {
			body = ""
		}
		ln = strings.TrimRight(ln, " \t")
		if i == 0 && !bare {
			if ln != "" {
				p.problem("BLOCK", "", line, "block 4 must start with a line break after \"{4:\"")
			}
			if _, _, ok := fieldStart(ln); !ok {
				line++
				continue
			}
		}
		if tag, rest, ok := fieldStart(ln); ok {
			flush()
			m.Fields = append(m.Fields, mtField{Tag: tag, Line: line})
			cur = len(m.Fields) - 1
			val.Reset()
			val.WriteString(rest)
		} else if cur < 0 {
			if ln != "" {
				p.problem("BLOCK", "", line, "text before the first field of block 4")
			}
		} else {
			val.WriteByte('\n')
			val.WriteString(ln)
		}
		line++
	}
}

// fieldStart recognises ":TAG:" with TAG = 2!n[1!a].
func fieldStart(ln string) (tag, rest string, ok bool) {
	if len(ln) < 4 || ln[0] != ':' || !isDigit(ln[1]) || !isDigit(ln[2]) {
		return "", "", false
	}
	if ln[3] == ':' {
		return ln[1:3], ln[4:], true
	}
	if len(ln) >= 5 && isUpper(ln[3]) && ln[4] == ':' {
		return ln[1:4], ln[5:], true
	}
	return "", "", false
}

// extractStatus says why no message could be taken from a response.
type extractStatus int

const (
	extractOK extractStatus = iota
	extractNone
	extractSeveral
)

// extractMT finds the MT message in a response: inside the first code fence
// that holds one, else in the text. It refuses responses that hold several
// different messages, so spraying candidate answers cannot score.
func extractMT(resp string) (string, int, extractStatus) {
	text, line0 := resp, 1
	if strings.Contains(resp, "```") {
		for _, f := range fences(resp) {
			if looksMT(f.body) {
				text, line0 = f.body, f.line
				break
			}
		}
	}
	var bodies []string
	for i := 0; ; {
		j := strings.Index(resp[i:], "{4:")
		if j < 0 {
			break
		}
		i += j + 3
		if i < len(resp) && resp[i] != '\n' && resp[i] != ':' {
			continue // "{4:" in prose, not a text block
		}
		end := strings.Index(resp[i:], "\n-}")
		if end < 0 {
			end = len(resp) - i
		}
		bodies = append(bodies, strings.TrimSpace(resp[i:i+end]))
		if len(bodies) > 1 && bodies[len(bodies)-1] != bodies[0] {
			return "", 0, extractSeveral
		}
	}
	if several32A(resp) {
		return "", 0, extractSeveral
	}
	// Prose may mention "{1:" or "{4:" in passing: prefer the forms a real
	// header takes, then any block opener.
	for _, id := range []string{"{1:F", "{2:I", "{2:O", "{4:\n", "{1:", "{2:", "{4:"} {
		if k := strings.Index(text, id); k >= 0 {
			return text[k:], line0 + strings.Count(text[:k], "\n"), extractOK
		}
	}
	// A bare block 4: from the first field line up to a blank line, a line
	// starting with "-" or a fence.
	from, to := -1, len(text)
	for i := 0; i < len(text); {
		end := len(text)
		if nl := strings.IndexByte(text[i:], '\n'); nl >= 0 {
			end = i + nl
		}
		ln := text[i:end]
		if from < 0 {
			if _, _, ok := fieldStart(ln); ok {
				from = i
			}
		} else if strings.TrimSpace(ln) == "" || strings.HasPrefix(ln, "-") || strings.HasPrefix(ln, "```") {
			to = i
			break
		}
		i = end + 1
	}
	if from < 0 {
		return "", 0, extractNone
	}
	return text[from:to], line0 + strings.Count(text[:from], "\n"), extractOK
}

// several32A reports whether the response holds lines ":32A:" with
// different values: two candidate messages, whatever their framing.
func several32A(s string) bool {
	first := ""
	for i := 0; i < len(s); {
		end := len(s)
		if nl := strings.IndexByte(s[i:], '\n'); nl >= 0 {
			end = i + nl
		}
		if ln := strings.TrimSpace(s[i:end]); strings.HasPrefix(ln, ":32A:") {
			if first == "" {
				first = ln
			} else if ln != first {
				return true
			}
		}
		i = end + 1
	}
	return false
}

type fence struct {
	body string
	line int
}

// fences returns the bodies of ``` code fences with their first line.
func fences(s string) []fence {
	var out []fence
	line := 1
	open := -1
	openLine := 0
	for i := 0; i < len(s); {
		nl := strings.IndexByte(s[i:], '\n')
		end := len(s)
		if nl >= 0 {
			end = i + nl
		}
		if strings.HasPrefix(strings.TrimLeft(s[i:end], " \t"), "```") {
			if open < 0 {
				open, openLine = end+1, line+1
			} else {
				if open <= i {
					out = append(out, fence{body: s[open:i], line: openLine})
				}
				open = -1
			}
		}
		if nl < 0 {
			break
		}
		i = end + 1
		line++
	}
	if open >= 0 && open < len(s) {
		out = append(out, fence{body: s[open:], line: openLine})
	}
	return out
}

func looksMT(s string) bool {
	if strings.Contains(s, "{4:") || strings.Contains(s, "{1:") {
		return true
	}
	return strings.HasPrefix(s, ":20:") || strings.Contains(s, "\n:20:") || strings.Contains(s, "\n:32A:")
}
