package snapshot

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// syntheticKey returns the SURT key and URL of synthetic record i: 10 000
// hosts with 100 pages each per million, like a crawl.
func syntheticKey(i int) (key, url string) {
	host := fmt.Sprintf("host%06d", i/100)
	return fmt.Sprintf("com,example,%s)/articles/%08d", host, i), fmt.Sprintf("https://%s.example.com/articles/%08d", host, i)
}

// writeSynthetic writes an n-record snapshot straight in the on-disk format
// (keys generated in sorted order, one shared pack), which is much faster
// than Build for benchmark sizes.
func writeSynthetic(tb testing.TB, dir string, n int) {
	tb.Helper()
	pack := "Synthetic page text for the look-up benchmark."
	if err := os.WriteFile(filepath.Join(dir, packName(0)), []byte(pack), 0o644); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, indexName))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		key, url := syntheticKey(i)
		rec := Record{URL: url, Status: 200, Digest: "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", MIME: "text/html", Pack: packName(0), Length: int64(len(pack))}
		j, _ := json.Marshal(rec)
		fmt.Fprintf(w, "%s 20240101000000 %s\n", key, j)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	m, _ := json.Marshal(Manifest{Format: Format, ID: "sha256:synthetic", Records: n})
	if err := os.WriteFile(filepath.Join(dir, manifestName), m, 0o644); err != nil {
		tb.Fatal(err)
	}
}

const million = 1_000_000

// BenchmarkSnapshot1M measures a 1M-URL snapshot generated in a temporary
// directory: open time, and look-ups; the lookup benchmark also times 20 000
// look-ups one by one and reports their median as median-ns/lookup (ns/op
// is the mean). Run it with a time-based -benchtime such as 1s.
func BenchmarkSnapshot1M(b *testing.B) {
	dir := b.TempDir()
	writeSynthetic(b, dir, million)
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			s, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	b.Run("lookup", func(b *testing.B) {
		s, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		rng := rand.New(rand.NewPCG(1, 2))
		keys, urls := make([]string, 1<<15), make([]string, 1<<15)
		for i := range keys {
			keys[i], urls[i] = syntheticKey(rng.IntN(million))
		}
		i := 0
		for b.Loop() {
			k := i & (len(keys) - 1)
			if _, ok, _ := s.Lookup(keys[k], urls[k]); !ok {
				b.Fatal("miss")
			}
			i++
		}
		samples := make([]time.Duration, 20000)
		for j := range samples {
			k := rng.IntN(len(keys))
			t0 := time.Now()
			s.Lookup(keys[k], urls[k])
			samples[j] = time.Since(t0)
		}
		slices.Sort(samples)
		b.ReportMetric(float64(samples[len(samples)/2].Nanoseconds()), "median-ns/lookup")
	})
}

func TestSyntheticOpenAndLookup(t *testing.T) {
	dir := t.TempDir()
	writeSynthetic(t, dir, 1000)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, i := range []int{0, 1, 499, 999} {
		key, url := syntheticKey(i)
		r, ok, err := s.Lookup(key, url)
		if !ok || err != nil || r.URL != url || r.Key != key {
			t.Fatalf("Lookup(%s) = %+v %v %v", key, r, ok, err)
		}
	}
	if _, ok, _ := s.Lookup("com,example,host999999)/x", ""); ok {
		t.Error("found an absent key")
	}
}
