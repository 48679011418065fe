// Command referee is the verifier and reward service for RL trainers:
//
//	referee serve       run the HTTP API
//	referee score       score a JSONL file of requests offline
//	referee verifiers   list the registered verifiers
//	referee snapshot    build a web snapshot for the citation verifier
//	referee version     print the version
//	referee healthcheck exit 0 when the local /healthz answers
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		err = nil
	}
	if err != nil {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "referee:", err)
		}
		os.Exit(2)
	}
}

type usageError struct{}

func (usageError) Error() string { return "usage" }

var errUsage error = usageError{}

const usage = `referee: verifier and reward service for RL trainers

Usage:
  referee serve [flags]                  run the HTTP API (defaults: 127.0.0.1:8080, in-memory cache)
  referee score [flags] [FILE|-]         score ScoreRequest JSONL (stdin by default), results as JSONL
  referee verifiers                      list the registered verifiers
  referee snapshot build -o DIR INPUT... build a web snapshot for citation from .warc[.gz] and .jsonl files
  referee version                        print the version
  referee healthcheck                    exit 0 when the local server's /healthz answers (for containers)

Run "referee serve -h" for the configuration flags; each has a REFEREE_* environment default.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stderr)
	case "score":
		return scoreCmd(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "snapshot":
		return snapshotCmd(ctx, args[1:], stderr)
	case "healthcheck":
		return healthcheck(args[1:], getenv, stderr)
	case "verifiers":
		return listVerifiers(args[1:], getenv, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "referee", version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
