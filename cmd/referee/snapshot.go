package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/referee/referee/verifiers/citation/snapshot"
)

// snapshotCmd runs `referee snapshot build -o DIR INPUT...`: a web snapshot
// for the citation verifier from WARC (.warc, .warc.gz) and JSONL files.
func snapshotCmd(ctx context.Context, args []string, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "build" {
		return errors.New("usage: referee snapshot build -o DIR INPUT")
	}
	fs := flag.NewFlagSet("referee snapshot build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output snapshot directory")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return errors.New("usage: referee snapshot build -o DIR INPUT... (inputs: .warc, .warc.gz or .jsonl files)")
	}
	if err := snapshot.Build(ctx, *out, fs.Args(), stderr); err != nil {
		return fmt.Errorf("snapshot build: %w", err)
	}
	return nil
}
