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
// Open maps the index into memory and keeps only an array of line offsets,
// so a look-up is a binary search over the mapped file and texts are read
// on demand.
package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
	data     []byte  // the mapped index
	lines    []int64 // start offset of each line in data
	packs    map[string]*os.File
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

// indexLines records where each line starts and checks the sort order, so
// a corrupt or hand-edited index fails at start and not with wrong answers.
func (s *Snapshot) indexLines() error {
	d := s.data
	s.lines = make([]int64, 0, s.manifest.Records+1)
	var prev []byte
	for off := 0; off < len(d); {
		end := bytes.IndexByte(d[off:], '\n')
		if end < 0 {
			end = len(d) - off
		}
		line := d[off : off+end]
		if len(line) > 0 {
			sp := bytes.IndexByte(line, ' ')
			if sp <= 0 {
				return fmt.Errorf("%s line %d: no key", indexName, len(s.lines)+1)
			}
			key := line[:bytes.IndexByte(line[sp+1:], ' ')+sp+1]
			if prev != nil && bytes.Compare(prev, key) > 0 {
				return fmt.Errorf("%s line %d: not sorted", indexName, len(s.lines)+1)
			}
			prev = key
			s.lines = append(s.lines, int64(off))
		}
		off += end + 1
	}
	return nil
}

// ID is the snapshot's id, echoed in every result so rewards can be
// reproduced against the same snapshot.
func (s *Snapshot) ID() string { return s.manifest.ID }

// Len is the number of index records.
func (s *Snapshot) Len() int { return len(s.lines) }

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

func (s *Snapshot) line(i int) []byte {
	start := s.lines[i]
	end := int64(len(s.data))
	if i+1 < len(s.lines) {
		end = s.lines[i+1] - 1
	}
	return bytes.TrimRight(s.data[start:end], "\r\n")
}

// lineKey returns the SURT key of line i without copying.
func (s *Snapshot) lineKey(i int) []byte {
	l := s.data[s.lines[i]:]
	sp := bytes.IndexByte(l, ' ')
	if sp < 0 {
		return l
	}
	return l[:sp]
}

// Lookup finds the capture of a URL by its SURT key. Among captures with
// the same key (URLs that differ only in case or query order, or several
// captures of one URL) it prefers the one whose url equals canonicalURL,
// then the latest timestamp.
func (s *Snapshot) Lookup(key, canonicalURL string) (Record, bool, error) {
	kb := []byte(key)
	i := sort.Search(len(s.lines), func(i int) bool { return bytes.Compare(s.lineKey(i), kb) >= 0 })
	best, bestExact := -1, false
	for j := i; j < len(s.lines) && bytes.Equal(s.lineKey(j), kb); j++ {
		exact := canonicalURL == "" || bytes.Contains(s.line(j), []byte(`{"url":`+quote(canonicalURL)+`,`))
		// Later lines have later timestamps, so the last match wins.
		if exact || !bestExact {
			best, bestExact = j, exact
		}
	}
	if best < 0 {
		return Record{}, false, nil
	}
	r, err := s.parse(best)
	return r, err == nil, err
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (s *Snapshot) parse(i int) (Record, error) {
	line := s.line(i)
	sp1 := bytes.IndexByte(line, ' ')
	sp2 := bytes.IndexByte(line[sp1+1:], ' ') + sp1 + 1
	if sp2 <= sp1 {
		return Record{}, fmt.Errorf("snapshot %s: %s line %d: no timestamp", s.dir, indexName, i+1)
	}
	var r Record
	if err := json.Unmarshal(line[sp2+1:], &r); err != nil {
		return Record{}, fmt.Errorf("snapshot %s: %s line %d: %w", s.dir, indexName, i+1, err)
	}
	r.Key, r.Timestamp = string(line[:sp1]), string(line[sp1+1:sp2])
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
