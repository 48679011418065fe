package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nlnwa/gowarc/v2"

	"github.com/referee/referee/verifiers/citation/htmltext"
	"github.com/referee/referee/verifiers/citation/urlkey"
)

const (
	// maxPackBytes starts a new pack file, keeping offsets and files manageable.
	maxPackBytes = 1 << 30
	// maxPayloadBytes bounds the HTML read from one WARC record.
	maxPayloadBytes = 8 << 20
	// maxJSONLLine bounds one JSONL input line.
	maxJSONLLine = 64 << 20
	// maxRedirectHops bounds how far Build follows redirects inside the snapshot.
	maxRedirectHops = 10
	// undatedTimestamp is used for JSONL lines without a timestamp, so
	// builds stay deterministic.
	undatedTimestamp = "19700101000000"
)

// entry is a capture before redirects are resolved and the index is sorted.
type entry struct {
	key, ts  string
	rec      Record
	location string // redirect target (canonical), for 3xx captures
	explicit bool   // the capture came from the input, not from a final_url
}

type builder struct {
	dir     string
	log     io.Writer
	pack    *os.File
	packN   int
	packOff int64
	texts   map[string]Record // digest -> text location
	entries []entry
	seen    map[string]int // canonical url+ts -> index in entries
	// finals are pages known only as a JSONL redirect's final_url with its
	// text; they are added when no input captured them.
	finals []jsonlLine
	// payloads maps a WARC-Payload-Digest to the text stored for it, and
	// revisits wait for the end of the inputs to be resolved through it.
	payloads map[string]Record
	revisits []revisit
}

// revisit is a WARC revisit record: a capture whose payload is the same as
// an earlier one's.
type revisit struct {
	url, ts, digest, refersTo string
	status                    int
}

// Build writes a snapshot into outDir from inputs: WARC files (.warc,
// .warc.gz; response and resource records, HTML turned into text) and JSONL
// files (.jsonl; one {"url", "status", "final_url", "text", "timestamp"}
// object a line, status defaulting to 200). Redirects are followed inside
// the snapshot so a redirecting URL resolves to its final page. Progress and
// skipped records are reported on log (which may be nil).
func Build(ctx context.Context, outDir string, inputs []string, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	if len(inputs) == 0 {
		return errors.New("snapshot build: no inputs")
	}
	// Packs are written in place, so building over a snapshot a server
	// has open would change texts under it: always build a new directory.
	if _, err := os.Stat(filepath.Join(outDir, manifestName)); err == nil {
		return fmt.Errorf("snapshot build: %s already holds a snapshot; build into a new directory", outDir)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("snapshot build: %w", err)
	}
	b := &builder{dir: outDir, log: log, texts: map[string]Record{}, seen: map[string]int{}, payloads: map[string]Record{}}
	defer func() {
		if b.pack != nil {
			b.pack.Close()
		}
	}()
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		switch {
		case strings.HasSuffix(in, ".warc"), strings.HasSuffix(in, ".warc.gz"):
			err = b.readWARC(ctx, in)
		case strings.HasSuffix(in, ".jsonl"):
			err = b.readJSONL(ctx, in)
		default:
			err = errors.New("unknown input type (want .warc, .warc.gz or .jsonl)")
		}
		if err != nil {
			return fmt.Errorf("snapshot build: %s: %w", in, err)
		}
	}
	if err := b.addRevisits(); err != nil {
		return fmt.Errorf("snapshot build: %w", err)
	}
	if err := b.addFinals(); err != nil {
		return fmt.Errorf("snapshot build: %w", err)
	}
	if b.pack != nil {
		if err := b.pack.Close(); err != nil {
			return fmt.Errorf("snapshot build: %w", err)
		}
		b.pack = nil
	}
	b.resolveRedirects()
	return b.writeIndex()
}

func (b *builder) add(rawURL, ts string, status int, finalURL, mimeType, text, location string) error {
	_, err := b.addRecord(rawURL, ts, status, finalURL, mimeType, text, location, nil)
	return err
}

// addRecord adds a capture and returns its record; loc, when given, is
// the location of a text already stored (a WARC revisit of it).
func (b *builder) addRecord(rawURL, ts string, status int, finalURL, mimeType, text, location string, loc *Record) (Record, error) {
	u, err := urlkey.Parse(rawURL)
	if err != nil {
		fmt.Fprintf(b.log, "skip %q: %v\n", rawURL, err)
		return Record{}, nil
	}
	canon := u.String()
	rec := Record{URL: canon, Status: status, MIME: mimeType}
	if finalURL != "" {
		if f, err := urlkey.Canonical(finalURL); err == nil && f != canon {
			rec.FinalURL = f
		}
	}
	if text != "" {
		l, err := b.storeText(text)
		if err != nil {
			return Record{}, err
		}
		loc = &l
	}
	if loc != nil {
		rec.Digest, rec.Pack, rec.Offset, rec.Length = loc.Digest, loc.Pack, loc.Offset, loc.Length
	}
	e := entry{key: urlkey.SURT(u), ts: ts, rec: rec, explicit: true}
	if location != "" {
		if l, err := urlkey.Canonical(location); err == nil {
			e.location = l
		}
	}
	id := canon + " " + ts
	if i, ok := b.seen[id]; ok {
		b.entries[i] = e // a later duplicate capture replaces the earlier
		return rec, nil
	}
	b.seen[id] = len(b.entries)
	b.entries = append(b.entries, e)
	return rec, nil
}

func (b *builder) storeText(text string) (Record, error) {
	if len(text) > MaxTextBytes {
		text = text[:MaxTextBytes]
		for len(text) > 0 && text[len(text)-1]&0xC0 == 0x80 {
			text = text[:len(text)-1] // do not cut a UTF-8 sequence
		}
		if len(text) > 0 && text[len(text)-1] >= 0xC0 {
			text = text[:len(text)-1]
		}
	}
	sum := sha1.Sum([]byte(text))
	digest := "sha1:" + base32.StdEncoding.EncodeToString(sum[:])
	if loc, ok := b.texts[digest]; ok {
		return loc, nil
	}
	if b.pack == nil || b.packOff+int64(len(text)) > maxPackBytes {
		if b.pack != nil {
			if err := b.pack.Close(); err != nil {
				return Record{}, err
			}
			b.packN++
		}
		f, err := os.Create(filepath.Join(b.dir, packName(b.packN)))
		if err != nil {
			return Record{}, err
		}
		b.pack, b.packOff = f, 0
	}
	if _, err := io.WriteString(b.pack, text); err != nil {
		return Record{}, err
	}
	loc := Record{Digest: digest, Pack: packName(b.packN), Offset: b.packOff, Length: int64(len(text))}
	b.packOff += int64(len(text))
	b.texts[digest] = loc
	return loc, nil
}

func packName(n int) string { return fmt.Sprintf("texts-%05d.pack", n) }

func (b *builder) addFinals() error {
	have := map[string]bool{}
	for _, e := range b.entries {
		have[e.rec.URL] = true
	}
	for _, l := range b.finals {
		c, err := urlkey.Canonical(l.URL)
		if err != nil || have[c] {
			continue
		}
		have[c] = true
		if err := b.add(l.URL, l.Timestamp, 200, "", "text/plain", l.Text, ""); err != nil {
			return err
		}
	}
	return nil
}

// resolveRedirects gives each 3xx capture whose target is in the snapshot
// the status and text of the final page, and adds final_url pages given in
// JSONL that have no capture of their own.
func (b *builder) resolveRedirects() {
	latest := map[string]int{}
	byKey := map[string]int{} // SURT keys ignore the scheme, as look-ups do
	for i, e := range b.entries {
		if j, ok := latest[e.rec.URL]; !ok || b.entries[j].ts < e.ts {
			latest[e.rec.URL] = i
		}
		if j, ok := byKey[e.key]; !ok || b.entries[j].ts < e.ts {
			byKey[e.key] = i
		}
	}
	find := func(target string) (int, bool) {
		if j, ok := latest[target]; ok {
			return j, true
		}
		k, err := urlkey.Key(target)
		if err != nil {
			return 0, false
		}
		j, ok := byKey[k]
		return j, ok
	}
	for i := range b.entries {
		e := &b.entries[i]
		if e.location == "" || e.rec.Status < 300 || e.rec.Status > 399 {
			continue
		}
		target := e.location
		for hop := 0; hop < maxRedirectHops; hop++ {
			j, ok := find(target)
			if !ok {
				e.rec.FinalURL = target
				break
			}
			t := b.entries[j]
			if j == i {
				break // a page redirecting to itself stays a redirect
			}
			if t.location != "" && t.rec.Status >= 300 && t.rec.Status <= 399 && t.location != target {
				target = t.location
				continue
			}
			e.rec.Status, e.rec.FinalURL, e.rec.MIME = t.rec.Status, t.rec.URL, t.rec.MIME
			e.rec.Digest, e.rec.Pack, e.rec.Offset, e.rec.Length = t.rec.Digest, t.rec.Pack, t.rec.Offset, t.rec.Length
			break
		}
	}
	// A JSONL final_url names a page the snapshot has the text of; make it
	// answer look-ups by itself too.
	n := len(b.entries)
	for i := 0; i < n; i++ {
		e := b.entries[i]
		if e.rec.FinalURL == "" || e.rec.Status >= 300 && e.rec.Status <= 399 {
			continue
		}
		if _, ok := latest[e.rec.FinalURL]; ok {
			continue
		}
		u, err := urlkey.Parse(e.rec.FinalURL)
		if err != nil {
			continue
		}
		r := e.rec
		r.URL, r.FinalURL = e.rec.FinalURL, ""
		latest[r.URL] = len(b.entries)
		b.entries = append(b.entries, entry{key: urlkey.SURT(u), ts: e.ts, rec: r})
	}
}

func (b *builder) writeIndex() error {
	sort.Slice(b.entries, func(i, j int) bool {
		a, c := b.entries[i], b.entries[j]
		if a.key != c.key {
			return a.key < c.key
		}
		if a.ts != c.ts {
			return a.ts < c.ts
		}
		return a.rec.URL < c.rec.URL
	})
	tmp := filepath.Join(b.dir, indexName+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("snapshot build: %w", err)
	}
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	var j bytes.Buffer
	enc := json.NewEncoder(&j)
	enc.SetEscapeHTML(false) // keep "&" in query strings readable and searchable
	for _, e := range b.entries {
		j.Reset()
		if err := enc.Encode(e.rec); err != nil {
			f.Close()
			return fmt.Errorf("snapshot build: %w", err)
		}
		w.WriteString(e.key)
		w.WriteByte(' ')
		w.WriteString(e.ts)
		w.WriteByte(' ')
		w.Write(j.Bytes()) // Encode ends it with a newline
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("snapshot build: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("snapshot build: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(b.dir, indexName)); err != nil {
		return fmt.Errorf("snapshot build: %w", err)
	}
	m := Manifest{Format: Format, ID: "sha256:" + hex.EncodeToString(h.Sum(nil))[:16], Records: len(b.entries)}
	mb, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(b.dir, manifestName), append(mb, '\n'), 0o644); err != nil {
		return fmt.Errorf("snapshot build: %w", err)
	}
	fmt.Fprintf(b.log, "snapshot %s: %d records, %d texts, id %s\n", b.dir, len(b.entries), len(b.texts), m.ID)
	return nil
}

// jsonlLine is one line of a JSONL input.
type jsonlLine struct {
	URL       string `json:"url"`
	Status    int    `json:"status"`
	FinalURL  string `json:"final_url"`
	Text      string `json:"text"`
	Timestamp string `json:"timestamp"`
}

func (b *builder) readJSONL(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), maxJSONLLine)
	for n := 1; sc.Scan(); n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var l jsonlLine
		if err := json.Unmarshal(line, &l); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if l.Status == 0 {
			l.Status = 200
		}
		ts := normalizeTimestamp(l.Timestamp)
		location := ""
		if l.Status >= 300 && l.Status <= 399 && l.FinalURL != "" {
			// Follow it inside the snapshot like a WARC redirect; the text
			// given is the final page's.
			location = l.FinalURL
			if l.Text != "" {
				b.finals = append(b.finals, jsonlLine{URL: l.FinalURL, Text: l.Text, Timestamp: ts})
				l.Text = ""
			}
		}
		if err := b.add(l.URL, ts, l.Status, l.FinalURL, "text/plain", l.Text, location); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return sc.Err()
}

// normalizeTimestamp turns an RFC 3339 date or a 14-digit timestamp into
// the 14-digit form CDX indexes use.
func normalizeTimestamp(s string) string {
	if len(s) == 14 && strings.Trim(s, "0123456789") == "" {
		return s
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format("20060102150405")
	}
	return undatedTimestamp
}

func (b *builder) readWARC(ctx context.Context, path string) error {
	// The default policies collect spec violations as warnings and only
	// fail on records that cannot be parsed at all, which suits crawls.
	r, err := gowarc.NewWarcFileReader(path, 0)
	if err != nil {
		return err
	}
	defer r.Close()
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, off, _, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("record at %d: %w", off, err)
		}
		err = b.addWARCRecord(rec)
		rec.Close()
		if err != nil {
			return fmt.Errorf("record at %d: %w", off, err)
		}
	}
}

func (b *builder) addWARCRecord(rec gowarc.WarcRecord) error {
	if rec.Type() != gowarc.Response && rec.Type() != gowarc.Resource && rec.Type() != gowarc.Revisit {
		return nil
	}
	target := rec.WarcHeader().Get(gowarc.WarcTargetURI)
	target = strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">")
	ts := undatedTimestamp
	if d, err := rec.Date(); err == nil {
		ts = d.UTC().Format("20060102150405")
	}
	if rec.Type() == gowarc.Revisit {
		rv := revisit{url: target, ts: ts, status: 200,
			digest:   rec.WarcHeader().Get(gowarc.WarcPayloadDigest),
			refersTo: strings.Trim(rec.WarcHeader().Get(gowarc.WarcRefersToTargetURI), "<>")}
		if ph, ok := rec.Block().(gowarc.ProtocolHeaderBlock); ok {
			// "HTTP/1.1 304 Not Modified": a 304 revisit means the page
			// was unchanged, so it has the original's status and text.
			if f := strings.Fields(string(ph.ProtocolHeaderBytes())); len(f) > 1 {
				if n, err := strconv.Atoi(f[1]); err == nil && n != 304 {
					rv.status = n
				}
			}
		}
		b.revisits = append(b.revisits, rv)
		return nil
	}
	status, ctype, location, encoding := 200, "", "", ""
	var payload io.Reader
	switch blk := rec.Block().(type) {
	case gowarc.HttpResponseBlock:
		status = blk.HttpStatusCode()
		if h := blk.HttpHeader(); h != nil {
			ctype, location, encoding = h.Get("Content-Type"), h.Get("Location"), h.Get("Content-Encoding")
		}
		p, err := blk.PayloadBytes()
		if err != nil {
			fmt.Fprintf(b.log, "skip %s: payload: %v\n", target, err)
			return nil
		}
		payload = p
	default:
		// A resource record's block is the document itself.
		if rec.Type() != gowarc.Resource {
			return nil
		}
		ctype = rec.WarcHeader().Get("Content-Type")
		p, err := blk.RawBytes()
		if err != nil {
			return nil
		}
		payload = p
	}
	if location != "" {
		if base, err := url.Parse(target); err == nil {
			if l, err := base.Parse(location); err == nil {
				location = l.String()
			}
		}
	}
	mt, _, _ := mime.ParseMediaType(ctype)
	text := ""
	if status >= 200 && status <= 299 && payload != nil {
		body := io.LimitReader(payload, maxPayloadBytes)
		if strings.EqualFold(encoding, "gzip") {
			zr, err := gzip.NewReader(body)
			if err != nil {
				fmt.Fprintf(b.log, "skip %s: gzip: %v\n", target, err)
				return nil
			}
			defer zr.Close()
			body = io.LimitReader(zr, maxPayloadBytes)
		}
		switch {
		case mt == "" || mt == "text/html" || mt == "application/xhtml+xml":
			text = htmltext.ExtractDecoded(body, ctype, MaxTextBytes)
		case strings.HasPrefix(mt, "text/"):
			raw, err := io.ReadAll(io.LimitReader(body, MaxTextBytes))
			if err != nil {
				return nil
			}
			text = strings.ToValidUTF8(string(raw), "\uFFFD")
		}
	}
	r, err := b.addRecord(target, ts, status, "", mt, text, location, nil)
	if d := rec.WarcHeader().Get(gowarc.WarcPayloadDigest); err == nil && d != "" && r.Length > 0 {
		b.payloads[d] = r
	}
	return err
}

// addRevisits adds revisit captures with the text of the capture they
// revisit, found by payload digest or by the referred URL; a revisit of
// something the inputs lack is indexed without text.
func (b *builder) addRevisits() error {
	byURL := map[string]Record{}
	for _, e := range b.entries {
		if e.rec.Length > 0 {
			byURL[e.rec.URL] = e.rec
		}
	}
	for _, rv := range b.revisits {
		var loc *Record
		if r, ok := b.payloads[rv.digest]; ok && rv.digest != "" {
			loc = &r
		} else if c, err := urlkey.Canonical(rv.refersTo); err == nil {
			if r, ok := byURL[c]; ok {
				loc = &r
			}
		}
		mt := ""
		if loc != nil {
			mt = loc.MIME
		}
		if _, err := b.addRecord(rv.url, rv.ts, rv.status, "", mt, "", "", loc); err != nil {
			return err
		}
	}
	return nil
}
