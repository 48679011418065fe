package main

import (
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
)

func listVerifiers(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := parseConfig("referee verifiers", args, getenv, stderr)
	if err != nil {
		return err
	}
	reg, err := newRegistry(cfg, slog.New(slog.NewTextHandler(stderr, nil)), nil, nil)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tDESCRIPTION")
	for _, s := range reg.Specs() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Version, s.Description)
	}
	return tw.Flush()
}
