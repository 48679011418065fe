package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"testing"

	"github.com/referee/referee/internal/scoring"
)

// TestWiredVerifierExamples scores every wired verifier's documented
// examples through the real scoring flow: what /v1/verifiers promises is
// what the service does.
func TestWiredVerifierExamples(t *testing.T) {
	cfg, _, err := parseConfig("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, spec := range a.registry.Specs() {
		if len(spec.Examples) == 0 {
			t.Errorf("%s has no examples", spec.Name)
		}
		for _, ex := range spec.Examples {
			resp, prompt := ex.Response, ex.Prompt
			res, err := a.scorer.Score(context.Background(), &scoring.Request{
				Verifier: spec.Name, Reference: ex.Reference, Params: ex.Params, Prompt: &prompt, Response: &resp,
			})
			if err != nil || res.Error != nil || math.Abs(res.Reward-ex.Score) > 1e-9 {
				d, _ := json.Marshal(res)
				t.Errorf("%s example %q: reward %v, err %v, want %v\n%s", spec.Name, ex.Name, res.Reward, err, ex.Score, d)
			}
		}
	}
}
