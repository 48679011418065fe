package compat_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/referee/referee/internal/compat"
	"github.com/referee/referee/internal/server"
)

func TestOpenRLHF(t *testing.T) {
	t.Parallel()
	v := newEnv(t, func(c *compat.Config) {
		c.OpenRLHF = compat.OpenRLHF{Verifier: "string_match", Params: json.RawMessage(`{"mode":"normalized"}`)}
		c.Routes = []compat.OpenRLHF{
			{Path: "/rm/format", Verifier: "regex", Params: json.RawMessage(`{"pattern":"^<answer>.*</answer>$"}`)},
			{Path: "/rm/json", Verifier: "string_match", Labels: "json"},
		}
	})
	tests := []struct {
		name        string
		path, body  string
		wantRewards []float64
		wantLogs    map[string][]float64
	}{
		{
			name:        "prompt prefix removed, labels are references",
			path:        "/compat/openrlhf",
			body:        `{"query":["Q: capital of France? Paris","Q: capital of France? Lyon","Q: 2+2? 4"],"prompts":["Q: capital of France?","Q: capital of France?","Q: 2+2?"],"labels":["Paris","Paris","4"]}`,
			wantRewards: []float64{1, 0, 1},
			wantLogs:    map[string][]float64{"string_match": {1, 0, 1}, "referee_error": {0, 0, 0}},
		},
		{
			name:        "prompt not a prefix (BOS token) is still removed",
			path:        "/compat/openrlhf",
			body:        `{"query":["<s>Q: answer? 42"],"prompts":["Q: answer?"],"labels":["42"]}`,
			wantRewards: []float64{1},
		},
		{
			name:        "rubric from the query string",
			path:        "/compat/openrlhf?rubric=answer_and_format",
			body:        `{"query":["P<answer>Paris</answer>","P Paris"],"prompts":["P","P"],"labels":["Paris","Paris"]}`,
			wantRewards: []float64{1, 0.8},
			wantLogs:    map[string][]float64{"correct": {1, 1}, "format": {1, 0}},
		},
		{
			name:        "verifier and params from the query string",
			path:        "/compat/openrlhf?verifier=string_match&params=" + `%7B%22mode%22:%22exact%22%7D`,
			body:        `{"query":["paris"],"prompts":[""],"labels":["Paris"]}`,
			wantRewards: []float64{0},
		},
		{
			name:        "labels missing where no reference is needed",
			path:        "/rm/format",
			body:        `{"query":["p<answer>x</answer>","p x"],"prompts":["p","p"]}`,
			wantRewards: []float64{1, 0},
		},
		{
			name:        "null labels where no reference is needed",
			path:        "/rm/format",
			body:        `{"query":["p<answer>x</answer>"],"prompts":["p"],"labels":[null]}`,
			wantRewards: []float64{1},
		},
		{
			name:        "labels holding JSON",
			path:        "/rm/json",
			body:        `{"query":["q paris"],"prompts":["q "],"labels":["[\"Paris\",\"paris\"]"]}`,
			wantRewards: []float64{1},
		},
		{
			name:        "unknown fields ignored, prompts optional",
			path:        "/compat/openrlhf",
			body:        `{"query":["Paris"],"labels":["paris"],"datasource":["x"]}`,
			wantRewards: []float64{1},
		},
		{
			name:        "empty batch",
			path:        "/compat/openrlhf",
			body:        `{"query":[],"prompts":[],"labels":[]}`,
			wantRewards: []float64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := v.post(t, tt.path, tt.body)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			rewards := floats(t, r.body["rewards"])
			if !equalFloats(rewards, tt.wantRewards) {
				t.Errorf("rewards %v, want %v", rewards, tt.wantRewards)
			}
			if scores := floats(t, r.body["scores"]); !equalFloats(scores, tt.wantRewards) {
				t.Errorf("scores %v, want %v", scores, tt.wantRewards)
			}
			logs := r.body["extra_logs"].(map[string]any)
			for name, want := range tt.wantLogs {
				if got := floats(t, logs[name]); !equalFloats(got, want) {
					t.Errorf("extra_logs.%s %v, want %v", name, got, want)
				}
			}
			for name, l := range logs {
				if n := len(floats(t, l)); n != len(tt.wantRewards) {
					t.Errorf("extra_logs.%s has %d entries, want %d", name, n, len(tt.wantRewards))
				}
			}
		})
	}
}

func TestOpenRLHFErrors(t *testing.T) {
	t.Parallel()
	v := newEnv(t, func(c *compat.Config) {
		c.OpenRLHF = compat.OpenRLHF{Verifier: "string_match"}
		c.Routes = []compat.OpenRLHF{{Path: "/rm/none"}}
		c.MaxBatch = 4
	})
	tests := []struct {
		name, path, body string
		ctype            string
		status           int
		field            string
		detail           string
	}{
		{"prompts shorter than query", "/compat/openrlhf", `{"query":["a","b"],"prompts":["a"],"labels":["a","b"]}`, "", 400, "prompts", "same length"},
		{"labels longer than query", "/compat/openrlhf", `{"query":["a"],"prompts":["a"],"labels":["a","b"]}`, "", 400, "labels", "same length"},
		{"query missing", "/compat/openrlhf", `{"prompts":["a"]}`, "", 400, "query", "required"},
		{"labels missing but needed", "/compat/openrlhf", `{"query":["a b"],"prompts":["a"]}`, "", 422, "labels[0]", "labels are missing"},
		{"one null label", "/compat/openrlhf", `{"query":["a b","a c"],"prompts":["a","a"],"labels":["b",null]}`, "", 422, "labels[1]", "1 of 2"},
		{"bad label type", "/compat/openrlhf", `{"query":["a b"],"prompts":["a"],"labels":[{"x":1}]}`, "", 422, "labels[0]", ""},
		{"labels=json with a non-JSON label", "/compat/openrlhf?labels=json", `{"query":["a b"],"prompts":["a"],"labels":["not json"]}`, "", 400, "labels[0]", "not a JSON document"},
		{"query not a list", "/compat/openrlhf", `{"query":"a"}`, "", 400, "query", ""},
		{"malformed JSON", "/compat/openrlhf", `{"query":[`, "", 400, "", "malformed"},
		{"no verifier configured", "/rm/none", `{"query":["a"]}`, "", 400, "verifier", "REFEREE_OPENRLHF_VERIFIER"},
		{"unknown verifier", "/compat/openrlhf?verifier=nope", `{"query":["a"],"labels":["a"]}`, "", 400, "query[0]", "unknown verifier"},
		{"unknown rubric", "/compat/openrlhf?rubric=nope", `{"query":["a"],"labels":["a"]}`, "", 400, "query[0]", "unknown rubric"},
		{"verifier and rubric", "/compat/openrlhf?rubric=x&verifier=y", `{"query":["a"]}`, "", 400, "verifier", "not both"},
		{"bad labels mode", "/compat/openrlhf?labels=yaml", `{"query":["a"]}`, "", 400, "labels", "raw or json"},
		{"bad params", "/compat/openrlhf?params={", `{"query":["a"]}`, "", 400, "params", "JSON"},
		{"invalid params", "/compat/openrlhf?params=%7B%22mode%22:%22x%22%7D", `{"query":["a"],"labels":["a"]}`, "", 422, "labels[0]", "mode"},
		{"not JSON", "/compat/openrlhf", `query=a`, "text/plain", 415, "", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.ctype != "" {
				h = []string{"Content-Type", tt.ctype}
			}
			r := v.post(t, tt.path, tt.body, h...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
			}
			if got := problemField(r); got != tt.field {
				t.Errorf("field %q, want %q: %s", got, tt.field, r.raw)
			}
			if !strings.Contains(fmt.Sprint(r.body["detail"]), tt.detail) {
				t.Errorf("detail %q does not mention %q", r.body["detail"], tt.detail)
			}
			if int(r.body["status"].(float64)) != tt.status {
				t.Errorf("problem status %v, want %d", r.body["status"], tt.status)
			}
		})
	}
}

func TestOpenRLHFLargerThanMaxBatch(t *testing.T) {
	t.Parallel()
	v := newEnv(t, func(c *compat.Config) {
		c.OpenRLHF.Verifier = "string_match"
		c.MaxBatch = 2
	})
	r := v.post(t, "/compat/openrlhf", `{"query":["a","b","a","c","a"],"labels":["a","a","a","a","a"]}`)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	if got := floats(t, r.body["rewards"]); !equalFloats(got, []float64{1, 0, 1, 0, 1}) {
		t.Errorf("rewards %v", got)
	}
	// The duplicates in later chunks come from the cache.
	if got := floats(t, r.body["extra_logs"].(map[string]any)["referee_cached"]); !equalFloats(got, []float64{0, 0, 1, 0, 1}) {
		t.Errorf("referee_cached %v, want [0 0 1 0 1]", got)
	}
}

func TestOpenRLHFCacheAcrossCalls(t *testing.T) {
	t.Parallel()
	v := newEnv(t, func(c *compat.Config) { c.OpenRLHF.Verifier = "string_match" })
	body := `{"query":["p a","p a","p b"],"prompts":["p ","p ","p "],"labels":["a","a","a"]}`
	first := v.post(t, "/compat/openrlhf", body)
	if got := floats(t, first.body["extra_logs"].(map[string]any)["referee_cached"]); !equalFloats(got, []float64{0, 1, 0}) {
		t.Errorf("first call cached %v, want [0 1 0] (the duplicate shares the first)", got)
	}
	second := v.post(t, "/compat/openrlhf", body)
	if got := floats(t, second.body["extra_logs"].(map[string]any)["referee_cached"]); !equalFloats(got, []float64{1, 1, 1}) {
		t.Errorf("second call cached %v, want all 1", got)
	}
}

func TestOpenRLHFVerifierFailureIsNotARequestError(t *testing.T) {
	t.Parallel()
	v := newEnv(t, func(c *compat.Config) { c.OpenRLHF.Verifier = "slow" })
	r := v.post(t, "/compat/openrlhf", `{"query":["a","b"]}`)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	if got := floats(t, r.body["extra_logs"].(map[string]any)["referee_error"]); !equalFloats(got, []float64{1, 1}) {
		t.Errorf("referee_error %v, want [1 1]", got)
	}
	if got := floats(t, r.body["rewards"]); !equalFloats(got, []float64{0, 0}) {
		t.Errorf("rewards %v, want the on_error reward 0", got)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	v := newEnv(t, func(c *compat.Config) {
		c.OpenRLHF.Verifier = "string_match"
		c.Auth = server.RequireKey([]string{"s3cret"})
	})
	for _, path := range []string{"/compat/openrlhf", "/v1/fine_tuning/alpha/graders/run", "/v1/fine_tuning/alpha/graders/validate"} {
		if r := v.post(t, path, `{}`); r.status != 401 {
			t.Errorf("%s without a key: %d, want 401", path, r.status)
		}
	}
	if r := v.post(t, "/compat/openrlhf", `{"query":["a"],"labels":["a"]}`, "Authorization", "Bearer s3cret"); r.status != 200 {
		t.Errorf("with the key: %d %s", r.status, r.raw)
	}
}

func TestRegisterRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  func(*compat.Config)
		want string
	}{
		{"unknown verifier", func(c *compat.Config) { c.OpenRLHF.Verifier = "nope" }, "unknown verifier"},
		{"both", func(c *compat.Config) { c.OpenRLHF.Verifier, c.OpenRLHF.Rubric = "string_match", "x" }, "not both"},
		{"relative path", func(c *compat.Config) { c.Routes = []compat.OpenRLHF{{Path: "rm"}} }, "start with /"},
		{"duplicate path", func(c *compat.Config) { c.Routes = []compat.OpenRLHF{{Path: compat.DefaultOpenRLHFPath}} }, "twice"},
		{"labels mode", func(c *compat.Config) { c.OpenRLHF.Labels = "csv" }, "labels mode"},
	}
	base := newEnv(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := compat.Config{Scorer: base.scorer, Lookup: base.reg.Lookup}
			tt.cfg(&cfg)
			err := compat.Register(echo.New(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
