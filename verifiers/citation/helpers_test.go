package citation_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/referee/referee/verifiers/citation"
	"github.com/referee/referee/verifiers/citation/snapshot"
)

// snapDir is a snapshot built once per test binary from testdata/pages.jsonl.
var snapDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "citation-snapshot-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	snapDir = filepath.Join(dir, "snap")
	if err := snapshot.Build(context.Background(), snapDir, []string{"testdata/pages.jsonl"}, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newVerifier opens the test snapshot in snapshot mode.
func newVerifier(t testing.TB) *citation.Verifier {
	t.Helper()
	v, err := citation.New(citation.Config{SnapshotDir: snapDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}
