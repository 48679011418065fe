// Package htmltext turns an HTML page into the plain text a reader sees,
// which is what citations are checked against: script, style and other
// elements without visible text are dropped, block elements break lines,
// and white space is collapsed.
package htmltext

import (
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// ExtractDecoded is Extract for a page in any character encoding: the
// encoding is taken from contentType (the HTTP Content-Type), a byte order
// mark or a <meta> charset, as browsers do (x/net/html/charset), and the
// page is decoded to UTF-8 first. Pages in an unknown encoding are read as
// UTF-8.
func ExtractDecoded(r io.Reader, contentType string, maxBytes int) string {
	if dr, err := charset.NewReader(r, contentType); err == nil {
		r = dr
	}
	return Extract(r, maxBytes)
}

// Extract reads HTML from r (the caller bounds its size) and returns its
// visible text, at most about maxBytes long. It uses the x/net/html
// tokenizer, which is linear in the input and never fails: broken markup
// yields whatever text it contains.
func Extract(r io.Reader, maxBytes int) string {
	z := html.NewTokenizer(r)
	var b strings.Builder
	skip := 0       // depth inside elements whose text is invisible
	space := true   // the last byte written was white space (or nothing yet)
	newline := true // the last byte written was a line break
	write := func(s string) {
		for _, c := range s {
			if b.Len() >= maxBytes {
				return
			}
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u00a0' {
				if !space {
					b.WriteByte(' ')
					space = true
				}
				continue
			}
			b.WriteRune(c)
			space, newline = false, false
		}
	}
	for b.Len() < maxBytes {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				write(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if isInvisible(a) {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if isBlock(a) && skip == 0 && !newline {
				b.WriteByte('\n')
				space, newline = true, true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// isInvisible reports elements that hold no reader-visible text.
func isInvisible(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg,
		atom.Iframe, atom.Object, atom.Select, atom.Canvas:
		return true
	}
	return false
}

// isBlock reports elements that start a new line, so sentences in adjacent
// blocks do not run together.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Br, atom.Li, atom.Ul, atom.Ol,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Tr, atom.Td, atom.Th, atom.Table, atom.Section,
		atom.Article, atom.Header, atom.Footer, atom.Blockquote,
		atom.Pre, atom.Hr, atom.Title, atom.Dd, atom.Dt,
		atom.Figcaption, atom.Main, atom.Nav, atom.Aside:
		return true
	}
	return false
}
