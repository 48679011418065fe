// Package snapshot is a frozen local copy of the web that citations are
// checked against, so rewards do not depend on the live web.
//
// A snapshot is a directory holding:
//
//   - index.cdxj: one line per captured URL, "SURTKEY TIMESTAMP {json}", sorted
//     bytewise, in the CDXJ style of Common Crawl and pywb indexes. The JSON
//     object has url (canonical), status (HTTP status after following the
//     redirects the snapshot knows), final_url, digest (sha1 of the text,
//     base32 as in WARC-Payload-Digest), mime, and pack, offset and length
//     locating the extracted text.
//   - texts-NNNNN.pack: the extracted page texts, UTF-8, concatenated; each
//     distinct text is stored once.
//   - snapshot.json: {"format", "id", "records"}; id is derived from the
//     index bytes, so two builds of the same inputs have the same id.
//
// Open maps the index into memory and keeps only an array of line offsets
// and a compact hash table of keys (about 40 bytes per URL), so a look-up is
// a hash probe into the mapped file and texts are read on demand.
package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"hash/maphash"

	"golang.org/x/sys/unix"
)

// Format names the on-disk layout written by Build and read by Open.
const Format = "referee-cdxj/1"

// MaxTextBytes bounds one stored page text; longer texts are cut by Build.
const MaxTextBytes = 2 << 20

const (
	indexName    = "index.cdxj"
	manifestName = "snapshot.json"
)

// Record is one index entry.
type Record struct {
	Key       string `json:"-"`
	Timestamp string `json:"-"`
	URL       string `json:"url"`
	Status    int    `json:"status"`
	FinalURL  string `json:"final_url,omitempty"`
	Digest    string `json:"digest,omitempty"`
	MIME      string `json:"mime,omitempty"`
	Pack      string `json:"pack,omitempty"`
	Offset    int64  `json:"offset"`
	Length    int64  `json:"length"`
}

// Manifest is snapshot.json.
type Manifest struct {
	Format  string `json:"format"`
	ID      string `json:"id"`
	Records int    `json:"records"`
}

// Snapshot is an open, read-only snapshot; safe for concurrent use.
type Snapshot struct {
	dir      string
	manifest Manifest
	data     []byte // the mapped index
	n        int    // records
	packs    map[string]*os.File
	// An open-addressing hash table from SURT key to the offset of the
	// first line with that key: a look-up touches one slot and then the
	// mapped line, instead of the ~20 cache-missing probes of a binary
	// search over a large index. A zero hash marks an empty slot.
	seed  maphash.Seed
	slots []slot
	mask  uint64
}

type slot struct {
	hash uint64
	off  int64
}

// Open opens the snapshot in dir, checking that its index is sorted.
func Open(dir string) (*Snapshot, error) {
	mb, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", dir, err)
	}
	s := &Snapshot{dir: dir, packs: map[string]*os.File{}}
	if err := json.Unmarshal(mb, &s.manifest); err != nil {
		return nil, fmt.Errorf("snapshot %s: %s: %w", dir, manifestName, err)
	}
	if s.manifest.Format != Format {
		return nil, fmt.Errorf("snapshot %s: format %q, want %q", dir, s.manifest.Format, Format)
	}
	f, err := os.Open(filepath.Join(dir, indexName))
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", dir, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", dir, err)
	}
	if fi.Size() > 0 {
		s.data, err = unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: mmap index: %w", dir, err)
		}
	}
	if err := s.indexLines(); err != nil {
		s.Close()
		return nil, fmt.Errorf("snapshot %s: %w", dir, err)
	}
	packs, err := filepath.Glob(filepath.Join(dir, "texts-*.pack"))
	if err != nil {
		s.Close()
		return nil, err
	}
	for _, p := range packs {
		pf, err := os.Open(p)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("snapshot %s: %w", dir, err)
		}
		s.packs[filepath.Base(p)] = pf
	}
	return s, nil
}

// indexLines checks every line and the sort order (so a corrupt or
// hand-edited index fails at start and not with wrong answers) and fills
// the key hash table.
func (s *Snapshot) indexLines() error {
	d := s.data
	var prev, prevKey []byte
	var starts []int64 // offset of the first line of each distinct key
	for off := 0; off < len(d); {
		end := bytes.IndexByte(d[off:], '\n')
		if end < 0 {
			end = len(d) - off
		}
		line := d[off : off+end]
		if len(line) > 0 {
			sp := bytes.IndexByte(line, ' ')
			if sp <= 0 {
				return fmt.Errorf("%s line %d: no key", indexName, s.n+1)
			}
			sp2 := bytes.IndexByte(line[sp+1:], ' ')
			if sp2 < 0 {
				return fmt.Errorf("%s line %d: no timestamp", indexName, s.n+1)
			}
			keyTS := line[:sp+1+sp2]
			if prev != nil && bytes.Compare(prev, keyTS) > 0 {
				return fmt.Errorf("%s line %d: not sorted", indexName, s.n+1)
			}
			prev = keyTS
			if !bytes.Equal(prevKey, line[:sp]) {
				starts = append(starts, int64(off))
				prevKey = line[:sp]
			}
			s.n++
		}
		off += end + 1
	}
	size := uint64(16)
	for size < 2*uint64(len(starts)) {
		size *= 2
	}
	s.seed = maphash.MakeSeed()
	s.slots = make([]slot, size)
	s.mask = size - 1
	for _, off := range starts {
		h := maphash.Bytes(s.seed, keyOf(d[off:])) | 1
		for i := h & s.mask; ; i = (i + 1) & s.mask {
			if s.slots[i].hash == 0 {
				s.slots[i] = slot{hash: h, off: off}
				break
			}
		}
	}
	return nil
}

// keyOf returns the key at the start of a line.
func keyOf(l []byte) []byte {
	if sp := bytes.IndexByte(l, ' '); sp >= 0 {
		return l[:sp]
	}
	return l
}

// lineAt returns the line starting at off, without its newline.
func (s *Snapshot) lineAt(off int64) []byte {
	l := s.data[off:]
	if end := bytes.IndexByte(l, '\n'); end >= 0 {
		l = l[:end]
	}
	return bytes.TrimSuffix(l, []byte("\r"))
}

// firstOffset returns the offset of the first line whose key is key.
func (s *Snapshot) firstOffset(key string) (int64, bool) {
	if len(s.slots) == 0 {
		return 0, false
	}
	h := maphash.String(s.seed, key) | 1
	for i := h & s.mask; ; i = (i + 1) & s.mask {
		sl := s.slots[i]
		switch sl.hash {
		case 0:
			return 0, false
		case h:
			if string(keyOf(s.data[sl.off:])) == key {
				return sl.off, true
			}
		}
	}
}

// ID is the snapshot's id, echoed in every result so rewards can be
// reproduced against the same snapshot.
func (s *Snapshot) ID() string { return s.manifest.ID }

// Len is the number of index records.
func (s *Snapshot) Len() int { return s.n }

// Close releases the mapping and pack files.
func (s *Snapshot) Close() error {
	var errs []error
	if s.data != nil {
		errs = append(errs, unix.Munmap(s.data))
		s.data = nil
	}
	for _, f := range s.packs {
		errs = append(errs, f.Close())
	}
	s.packs = nil
	return errors.Join(errs...)
}

// Lookup finds the capture of a URL by its SURT key. Among captures with
// the same key (URLs that differ only in case or query order, or several
// captures of one URL) it prefers the one whose url equals canonicalURL,
// then the latest timestamp.
func (s *Snapshot) Lookup(key, canonicalURL string) (Record, bool, error) {
	off, ok := s.firstOffset(key)
	if !ok {
		return Record{}, false, nil
	}
	var best []byte
	bestExact := false
	for off < int64(len(s.data)) {
		line := s.lineAt(off)
		if string(keyOf(line)) != key {
			break
		}
		exact := canonicalURL == "" || lineURLIs(line, canonicalURL)
		// Later lines have later timestamps, so the last match wins.
		if exact || !bestExact {
			best, bestExact = line, exact
		}
		off += int64(len(line)) + 1
		if off < int64(len(s.data)) && s.data[off] == '\n' {
			off++ // the "\r\n" case
		}
	}
	r, err := s.parse(best, key, canonicalURL, bestExact)
	return r, err == nil, err
}

// lineURLIs reports whether a line's JSON starts with {"url":"<url>",
// as Build writes it (canonical URLs need no JSON escaping).
func lineURLIs(l []byte, url string) bool {
	sp := bytes.IndexByte(l, ' ')
	if sp < 0 {
		return false
	}
	sp2 := bytes.IndexByte(l[sp+1:], ' ')
	if sp2 < 0 {
		return false
	}
	j := l[sp+1+sp2+1:]
	const prefix = `{"url":"`
	return len(j) > len(prefix)+len(url) && string(j[:len(prefix)]) == prefix &&
		string(j[len(prefix):len(prefix)+len(url)]) == url && j[len(prefix)+len(url)] == '"'
}

// parse decodes a line; key and url (when the line's url equals it) are
// reused instead of copied.
func (s *Snapshot) parse(line []byte, key, url string, exact bool) (Record, error) {
	sp1 := bytes.IndexByte(line, ' ')
	sp2 := bytes.IndexByte(line[sp1+1:], ' ') + sp1 + 1
	var r Record
	if !parseFlat(line[sp2+1:], &r, s, url, exact) {
		// Not the simple form Build writes (escapes, other spacing): use
		// the full decoder.
		r = Record{}
		if err := json.Unmarshal(line[sp2+1:], &r); err != nil {
			return Record{}, fmt.Errorf("snapshot %s: %s: record of %s: %w", s.dir, indexName, key, err)
		}
	}
	r.Key, r.Timestamp = key, string(line[sp1+1:sp2])
	return r, nil
}

// Text reads a record's extracted page text from its pack.
func (s *Snapshot) Text(r Record) (string, error) {
	if r.Length == 0 {
		return "", nil
	}
	if r.Length < 0 || r.Length > MaxTextBytes || r.Offset < 0 {
		return "", fmt.Errorf("snapshot %s: record %s: bad text location", s.dir, r.URL)
	}
	f, ok := s.packs[r.Pack]
	if !ok || strings.ContainsAny(r.Pack, `/\`) {
		return "", fmt.Errorf("snapshot %s: record %s: unknown pack %q", s.dir, r.URL, r.Pack)
	}
	buf := make([]byte, r.Length)
	if _, err := f.ReadAt(buf, r.Offset); err != nil {
		return "", fmt.Errorf("snapshot %s: read %s at %d: %w", s.dir, r.Pack, r.Offset, err)
	}
	return string(buf), nil
}

// parseFlat decodes the flat JSON object Build writes (string values
// without escapes, non-negative integers, no white space) without
// reflection, which keeps a look-up within its time budget. It reports
// false for anything else, and the caller falls back to encoding/json.
func parseFlat(b []byte, r *Record, s *Snapshot, url string, exact bool) bool {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	i := 1
	for i < len(b)-1 {
		if b[i] != '"' {
			return false
		}
		end := bytes.IndexByte(b[i+1:], '"')
		if end < 0 {
			return false
		}
		key := b[i+1 : i+1+end]
		i += end + 2
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i++
		if i >= len(b) {
			return false
		}
		if b[i] == '"' {
			end := bytes.IndexByte(b[i+1:], '"')
			if end < 0 {
				return false
			}
			val := b[i+1 : i+1+end]
			if bytes.IndexByte(val, '\\') >= 0 {
				return false
			}
			switch string(key) {
			case "url":
				if exact && url != "" {
					r.URL = url // equal bytes, checked by lineURLIs
				} else {
					r.URL = string(val)
				}
			case "final_url":
				r.FinalURL = string(val)
			case "digest":
				r.Digest = string(val)
			case "mime":
				r.MIME = internMIME(val)
			case "pack":
				r.Pack = s.packName(val)
			}
			i += end + 2
		} else {
			var n int64
			start := i
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				if n > (1<<62)/10 {
					return false
				}
				n = n*10 + int64(b[i]-'0')
				i++
			}
			if i == start {
				return false
			}
			switch string(key) {
			case "status":
				r.Status = int(n)
			case "offset":
				r.Offset = n
			case "length":
				r.Length = n
			}
		}
		if b[i] == ',' {
			i++
		} else if b[i] != '}' {
			return false
		}
	}
	return true
}

// internMIME avoids an allocation for the common types.
func internMIME(b []byte) string {
	switch string(b) {
	case "text/html":
		return "text/html"
	case "text/plain":
		return "text/plain"
	case "application/xhtml+xml":
		return "application/xhtml+xml"
	}
	return string(b)
}

// packName returns the stored name of a pack file, avoiding an allocation.
func (s *Snapshot) packName(b []byte) string {
	for name := range s.packs {
		if name == string(b) {
			return name
		}
	}
	return string(b)
}
