package snapshot

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// warcRecord renders one WARC/1.1 record.
func warcRecord(typ, uri, date, contentType, block string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: <urn:uuid:%08d-0000-4000-8000-000000000000>\r\n", typ, len(uri)*7+len(block))
	if uri != "" {
		fmt.Fprintf(&b, "WARC-Target-URI: %s\r\n", uri)
	}
	fmt.Fprintf(&b, "WARC-Date: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n", date, contentType, len(block), block)
	return b.String()
}

func httpResponse(status string, headers map[string]string, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %s\r\n", status)
	for _, k := range []string{"Content-Type", "Location"} {
		if v, ok := headers[k]; ok {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.String()
}

const resp = "application/http; msgtype=response"

// writeInputs writes a plain WARC, a gzipped WARC (one gzip member per
// record, as crawlers write them) and a JSONL file.
func writeInputs(t *testing.T, dir string) []string {
	t.Helper()
	page := `<html><head><title>Tower facts</title><style>.x{color:red}</style><script>var secret = "not text";</script></head>
<body><h1>The Eiffel Tower</h1><p>The tower is 330&nbsp;metres tall.</p><p>It opened in <b>1889</b>.</p></body></html>`
	plain := warcRecord("warcinfo", "", "2024-01-01T00:00:00Z", "application/warc-fields", "software: test\r\n") +
		warcRecord("request", "https://example.com/tower", "2024-01-01T00:00:00Z", "application/http; msgtype=request", "GET /tower HTTP/1.1\r\nHost: example.com\r\n\r\n") +
		warcRecord("response", "https://example.com/tower", "2024-01-01T00:00:00Z", resp, httpResponse("200 OK", map[string]string{"Content-Type": "text/html; charset=utf-8"}, page)) +
		warcRecord("response", "http://example.com/old-tower", "2024-01-01T00:00:01Z", resp, httpResponse("301 Moved Permanently", map[string]string{"Location": "/tower"}, "")) +
		warcRecord("response", "https://example.com/missing", "2024-01-01T00:00:02Z", resp, httpResponse("404 Not Found", map[string]string{"Content-Type": "text/html"}, "<p>Not found</p>"))
	var gz bytes.Buffer
	revisitBlock := "HTTP/1.1 304 Not Modified\r\nDate: Thu, 01 Feb 2024 00:00:00 GMT\r\n\r\n"
	revisitRec := strings.Replace(warcRecord("revisit", "https://example.org/notes-copy.txt", "2024-03-01T10:00:00Z", resp, revisitBlock),
		"WARC-Date:", "WARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest\r\nWARC-Payload-Digest: sha1:NOTESDIGEST\r\nWARC-Refers-To-Target-URI: https://example.org/notes.txt\r\nWARC-Date:", 1)
	for _, rec := range []string{
		warcRecord("response", "https://example.org/notes.txt", "2024-02-01T10:00:00Z", resp, httpResponse("200 OK", map[string]string{"Content-Type": "text/plain"}, "Plain notes about zymurgy.")),
		warcRecord("resource", "https://example.org/resource", "2024-02-01T10:00:00Z", "text/html", "<p>A resource record.</p>"),
		revisitRec,
	} {
		zw := gzip.NewWriter(&gz)
		zw.Write([]byte(rec))
		zw.Close()
	}
	jsonl := `{"url":"https://Example.NET/a","status":200,"text":"Alpha page text.","timestamp":"2023-05-01T00:00:00Z"}
{"url":"https://example.net/b","status":302,"final_url":"https://example.net/c","text":"Gamma page text."}
{"url":"https://example.net/gone","status":410}

{"url":"not a url","status":200,"text":"skipped"}
`
	files := map[string]string{"a.warc": plain, "b.warc.gz": gz.String(), "c.jsonl": jsonl}
	var paths []string
	for _, name := range []string{"a.warc", "b.warc.gz", "c.jsonl"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func build(t *testing.T) (*Snapshot, string) {
	t.Helper()
	dir := t.TempDir()
	inputs := writeInputs(t, dir)
	out := filepath.Join(dir, "snap")
	var log bytes.Buffer
	if err := Build(context.Background(), out, inputs, &log); err != nil {
		t.Fatalf("Build: %v\n%s", err, log.String())
	}
	s, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, out
}

func lookup(t *testing.T, s *Snapshot, key, url string) (Record, string) {
	t.Helper()
	r, ok, err := s.Lookup(key, url)
	if err != nil || !ok {
		t.Fatalf("Lookup(%q) = %v, %v", key, ok, err)
	}
	text, err := s.Text(r)
	if err != nil {
		t.Fatal(err)
	}
	return r, text
}

func TestBuildFromWARCAndJSONL(t *testing.T) {
	s, _ := build(t)
	if s.Len() != 10 {
		t.Errorf("Len = %d, want 10 (tower, old-tower, missing, notes, notes-copy, resource, a, b, c, gone)", s.Len())
	}
	r0, text := lookup(t, s, "org,example)/notes-copy.txt", "")
	if r0.Status != 200 || text != "Plain notes about zymurgy." {
		t.Errorf("revisit = %+v %q, want the revisited page's status and text", r0, text)
	}
	r, text := lookup(t, s, "com,example)/tower", "https://example.com/tower")
	if r.Status != 200 || r.Timestamp != "20240101000000" || r.MIME != "text/html" {
		t.Errorf("tower record = %+v", r)
	}
	want := "Tower facts\nThe Eiffel Tower\nThe tower is 330 metres tall.\nIt opened in 1889."
	if text != want {
		t.Errorf("tower text = %q, want %q", text, want)
	}
	if strings.Contains(text, "secret") || strings.Contains(text, "color") {
		t.Errorf("script or style leaked into text: %q", text)
	}
	r, text = lookup(t, s, "com,example)/old-tower", "http://example.com/old-tower")
	if r.Status != 200 || r.FinalURL != "https://example.com/tower" || !strings.Contains(text, "330 metres") {
		t.Errorf("redirect not followed: %+v %q", r, text)
	}
	r, _ = lookup(t, s, "com,example)/missing", "")
	if r.Status != 404 || r.Length != 0 {
		t.Errorf("missing = %+v", r)
	}
	_, text = lookup(t, s, "org,example)/notes.txt", "")
	if text != "Plain notes about zymurgy." {
		t.Errorf("notes text = %q", text)
	}
	_, text = lookup(t, s, "org,example)/resource", "")
	if text != "A resource record." {
		t.Errorf("resource text = %q", text)
	}
	r, text = lookup(t, s, "net,example)/a", "https://example.net/a")
	if r.URL != "https://example.net/a" || r.Timestamp != "20230501000000" || text != "Alpha page text." {
		t.Errorf("jsonl a = %+v %q", r, text)
	}
	r, text = lookup(t, s, "net,example)/b", "")
	if r.Status != 302 || r.FinalURL != "https://example.net/c" {
		// c exists only as b's final_url, so b resolves to c's own entry.
		if r.Status != 200 {
			t.Errorf("jsonl b = %+v %q", r, text)
		}
	}
	r, text = lookup(t, s, "net,example)/c", "https://example.net/c")
	if r.Status != 200 || text != "Gamma page text." {
		t.Errorf("final_url page c = %+v %q", r, text)
	}
	r, _ = lookup(t, s, "net,example)/gone", "")
	if r.Status != 410 {
		t.Errorf("gone = %+v", r)
	}
	if _, ok, _ := s.Lookup("net,example)/nope", ""); ok {
		t.Error("Lookup of an absent key succeeded")
	}
	if !strings.HasPrefix(s.ID(), "sha256:") || len(s.ID()) != len("sha256:")+16 {
		t.Errorf("ID = %q", s.ID())
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	s1, _ := build(t)
	s2, _ := build(t)
	if s1.ID() != s2.ID() {
		t.Errorf("two builds of the same inputs: ids %s and %s", s1.ID(), s2.ID())
	}
}

func TestLookupPrefersExactURLThenLatest(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "p.jsonl")
	os.WriteFile(in, []byte(`{"url":"https://example.com/Page","text":"upper","timestamp":"20200101000000"}
{"url":"https://example.com/page","text":"lower old","timestamp":"20200101000000"}
{"url":"https://example.com/page","text":"lower new","timestamp":"20220101000000"}
`), 0o644)
	out := filepath.Join(dir, "s")
	if err := Build(context.Background(), out, []string{in}, nil); err != nil {
		t.Fatal(err)
	}
	s, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, text := lookup(t, s, "com,example)/page", "https://example.com/Page"); text != "upper" {
		t.Errorf("exact URL: got %q", text)
	}
	if _, text := lookup(t, s, "com,example)/page", "https://example.com/page"); text != "lower new" {
		t.Errorf("latest capture: got %q", text)
	}
	if _, text := lookup(t, s, "com,example)/page", "https://example.com/PAGE"); text != "lower new" {
		t.Errorf("same key, no exact URL: got %q", text)
	}
}

func TestOpenRejectsUnsortedIndex(t *testing.T) {
	_, dir := build(t)
	idx := filepath.Join(dir, indexName)
	b, _ := os.ReadFile(idx)
	lines := strings.SplitAfter(string(b), "\n")
	lines[0], lines[1] = lines[1], lines[0]
	os.WriteFile(idx, []byte(strings.Join(lines, "")), 0o644)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not sorted") {
		t.Errorf("Open of an unsorted index: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(t.TempDir()); err == nil {
		t.Error("Open of an empty directory succeeded")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"format":"other/9","id":"x"}`), 0o644)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "format") {
		t.Errorf("Open of another format: %v", err)
	}
}

func TestBuildRefusesToOverwrite(t *testing.T) {
	_, dir := build(t)
	in := filepath.Join(t.TempDir(), "x.jsonl")
	os.WriteFile(in, []byte(`{"url":"https://a.org/"}`), 0o644)
	if err := Build(context.Background(), dir, []string{in}, nil); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("Build over an existing snapshot: %v", err)
	}
}

func TestBuildRejectsUnknownInput(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.csv")
	os.WriteFile(p, []byte("a,b"), 0o644)
	if err := Build(context.Background(), filepath.Join(dir, "s"), []string{p}, nil); err == nil {
		t.Error("Build accepted a .csv input")
	}
	if err := Build(context.Background(), filepath.Join(dir, "s"), nil, nil); err == nil {
		t.Error("Build accepted no inputs")
	}
}
