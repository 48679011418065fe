package tests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/referee/referee/cache/redistest"
)

// compatFloats decodes a JSON array of numbers from a decoded body.
func compatFloats(t *testing.T, v any) []float64 {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("want an array, got %T", v)
	}
	out := make([]float64, len(a))
	for i, x := range a {
		out[i] = x.(float64)
	}
	return out
}

func compatWriteFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const compatRubrics = `
rubrics:
  answer_and_format:
    components:
      correct: {verifier: string_match, params: {mode: contains}}
      format:  {verifier: regex, params: {pattern: '^<answer>.*</answer>$'}}
    score: 0.8*correct + 0.2*format
`

func TestCompatOpenRLHF(t *testing.T) {
	r := StartReferee(t, map[string]string{
		"REFEREE_OPENRLHF_VERIFIER": "string_match",
		"REFEREE_OPENRLHF_PARAMS":   `{"mode":"normalized"}`,
		"REFEREE_OPENRLHF_PATHS":    "/reward/format",
		"REFEREE_RUBRICS":           compatWriteFile(t, "rubrics.yaml", compatRubrics),
	})
	tests := []struct {
		name, path, body string
		status           int
		rewards          []float64
		field            string
	}{
		{"configured verifier", "/compat/openrlhf", `{"query":["Q? paris!","Q? Lyon"],"prompts":["Q?","Q?"],"labels":["Paris","Paris"]}`, 200, []float64{1, 0}, ""},
		{"extra configured path", "/reward/format", `{"query":["Q? Paris"],"prompts":["Q?"],"labels":["paris"]}`, 200, []float64{1}, ""},
		{"rubric per call", "/compat/openrlhf?rubric=answer_and_format", `{"query":["Q?<answer>Paris</answer>","Q? Paris"],"prompts":["Q?","Q?"],"labels":["Paris","Paris"]}`, 200, []float64{1, 0.8}, ""},
		{"mismatched lengths", "/compat/openrlhf", `{"query":["a","b"],"prompts":["a"],"labels":["a","b"]}`, 400, nil, "prompts"},
		{"missing labels", "/compat/openrlhf", `{"query":["Q? a"],"prompts":["Q?"]}`, 422, nil, "labels[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := r.Post(t, tt.path, tt.body)
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tt.status, resp.Body)
			}
			body := resp.JSON(t)
			if tt.status != 200 {
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q", ct)
				}
				errs, _ := body["errors"].([]any)
				if len(errs) == 0 || errs[0].(map[string]any)["field"] != tt.field {
					t.Errorf("errors %v, want field %q", body["errors"], tt.field)
				}
				return
			}
			got := compatFloats(t, body["rewards"])
			if fmt.Sprint(got) != fmt.Sprint(tt.rewards) {
				t.Errorf("rewards %v, want %v", got, tt.rewards)
			}
			if n := len(compatFloats(t, body["scores"])); n != len(tt.rewards) {
				t.Errorf("%d scores for %d queries", n, len(tt.rewards))
			}
		})
	}
	if n := r.Metric(t, "referee_http_requests_total", "route", "/compat/openrlhf", "status", "200"); n < 1 {
		t.Errorf("no request metrics for /compat/openrlhf")
	}
}

func TestCompatGraders(t *testing.T) {
	r := StartReferee(t, nil)
	grader := `{"type":"multi","name":"city","graders":{` +
		`"exact":{"type":"string_check","name":"exact","input":"{{ sample.output_json.city }}","reference":"{{ item.city }}","operation":"eq"},` +
		`"close":{"type":"text_similarity","name":"close","input":"{{ sample.output_json.city }}","reference":"{{ item.city }}","evaluation_metric":"fuzzy_match"}},` +
		`"calculate_output":"0.5 * exact + 0.5 * close"}`
	resp := r.Post(t, "/v1/fine_tuning/alpha/graders/run", `{"grader":`+grader+`,"model_sample":"{\"city\":\"Paris\"}","item":{"city":"Paris"}}`)
	if resp.Status != 200 {
		t.Fatalf("run: %d %s", resp.Status, resp.Body)
	}
	body := resp.JSON(t)
	if body["reward"] != 1.0 {
		t.Errorf("reward %v, want 1: %s", body["reward"], resp.Body)
	}
	if sub := body["sub_rewards"].(map[string]any); sub["exact"] != 1.0 || sub["close"] != 1.0 {
		t.Errorf("sub_rewards %v", sub)
	}
	md := body["metadata"].(map[string]any)
	if md["name"] != "city" || md["type"] != "multi" {
		t.Errorf("metadata %v", md)
	}
	if resp := r.Post(t, "/v1/fine_tuning/alpha/graders/validate", `{"grader":`+grader+`}`); resp.Status != 200 {
		t.Errorf("validate: %d %s", resp.Status, resp.Body)
	}
	for _, bad := range []struct{ grader, field string }{
		{`{"type":"score_model","name":"x","model":"gpt-4o"}`, "grader.type"},
		{`{"type":"multi","name":"m","graders":{"a":{"type":"string_check","name":"a","input":"x","reference":"y","operation":"eq"}},"calculate_output":"a +"}`, "grader.calculate_output"},
	} {
		resp := r.Post(t, "/v1/fine_tuning/alpha/graders/validate", `{"grader":`+bad.grader+`}`)
		errs, _ := resp.JSON(t)["errors"].([]any)
		if resp.Status != 400 || len(errs) == 0 || errs[0].(map[string]any)["field"] != bad.field {
			t.Errorf("%s: %d %s, want 400 naming %s", bad.grader, resp.Status, resp.Body, bad.field)
		}
	}
	// The grader verifiers are ordinary verifiers too.
	resp = r.Post(t, "/v1/score", `{"verifier":"openai_string_check","reference":"paris","params":{"operation":"ilike"},"response":"PARIS"}`)
	if resp.Status != 200 || resp.JSON(t)["reward"] != 1.0 {
		t.Errorf("openai_string_check through /v1/score: %d %s", resp.Status, resp.Body)
	}
}

// compatBodies is 1,024 rollouts with half duplicates, as an OpenRLHF call
// and as a native batch; round makes every response new.
func compatBodies(round int) (openrlhf, native []byte) {
	const n = 1024
	q, p, l := make([]string, n), make([]string, n), make([]string, n)
	items := make([]map[string]string, n)
	for i := 0; i < n; i++ {
		prompt := fmt.Sprintf("Question %d: what is the answer? ", i%64)
		resp := fmt.Sprintf("the answer is %d (round %d)", (i/2)%512, round)
		label := fmt.Sprintf("the answer is %d (round %d)", i%7, round)
		q[i], p[i], l[i] = prompt+resp, prompt, label
		items[i] = map[string]string{"prompt": prompt, "response": resp, "reference": label}
	}
	openrlhf, _ = json.Marshal(map[string]any{"query": q, "prompts": p, "labels": l})
	native, _ = json.Marshal(map[string]any{"defaults": map[string]any{"verifier": "string_match"}, "items": items})
	return openrlhf, native
}

// TestCompatOpenRLHFThroughput: through the OpenRLHF endpoint, 1,024
// queries with half duplicates score at no less than 80% of the native
// batch endpoint's throughput. Calls alternate so background noise hits
// both; the best of three rounds counts.
func TestCompatOpenRLHFThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("throughput comparison skipped in -short mode")
	}
	r := StartReferee(t, map[string]string{"REFEREE_OPENRLHF_VERIFIER": "string_match"})
	timed := func(path string, body []byte) time.Duration {
		start := time.Now()
		resp := r.Post(t, path, body)
		d := time.Since(start)
		if resp.Status != 200 {
			t.Fatalf("%s: %d %s", path, resp.Status, resp.Body)
		}
		return d
	}
	round, best := 0, 0.0
	for k := 0; k < 3 && best < 0.8; k++ {
		var compat, native time.Duration
		for i := 0; i < 10; i++ {
			round++
			o, n := compatBodies(round)
			if i%2 == 0 {
				compat += timed("/compat/openrlhf", o)
				native += timed("/v1/score/batch", n)
			} else {
				native += timed("/v1/score/batch", n)
				compat += timed("/compat/openrlhf", o)
			}
		}
		ratio := native.Seconds() / compat.Seconds()
		t.Logf("round %d: 10 calls of 1,024 rollouts (512 unique): OpenRLHF %v (%.0f rollouts/s), native batch %v (%.0f rollouts/s): %.0f%% of native",
			k+1, compat, 10240/compat.Seconds(), native, 10240/native.Seconds(), 100*ratio)
		best = max(best, ratio)
	}
	if best < 0.8 {
		t.Errorf("OpenRLHF endpoint at %.0f%% of the native batch throughput, under the 80%% floor", 100*best)
	}
}

func TestCompatRemoteVerifier(t *testing.T) {
	var calls atomic.Int64
	var down atomic.Bool
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/healthz":
			w.WriteHeader(200)
		case "/prepare":
			var body struct{ Reference any }
			_ = json.NewDecoder(req.Body).Decode(&body)
			if _, ok := body.Reference.(string); !ok {
				w.WriteHeader(422)
				_, _ = w.Write([]byte(`{"errors":[{"field":"reference","message":"want a string"}]}`))
				return
			}
			_, _ = w.Write([]byte(`{}`))
		case "/score":
			calls.Add(1)
			if down.Load() {
				w.WriteHeader(500)
				return
			}
			var body struct{ Reference, Response string }
			_ = json.NewDecoder(req.Body).Decode(&body)
			score := 0
			if strings.EqualFold(body.Reference, body.Response) {
				score = 1
			}
			fmt.Fprintf(w, `{"score":%d,"details":{"compared":true}}`, score)
		}
	}))
	defer svc.Close()
	cfg := compatWriteFile(t, "remote.yaml", fmt.Sprintf(`remote_verifiers:
  - name: py_equal
    url: %s
    version: "2"
    reads_prompt: false
    prepare: true
    retries: -1
    breaker_failures: 100
`, svc.URL))
	r := StartReferee(t, map[string]string{"REFEREE_REMOTE_VERIFIERS": cfg})

	if resp := r.Do(t, http.MethodGet, "/v1/verifiers", nil); !strings.Contains(string(resp.Body), `"py_equal"`) {
		t.Errorf("/v1/verifiers does not list the remote verifier")
	}
	batch := `{"defaults":{"verifier":"py_equal","reference":"Paris"},"items":[{"response":"paris"},{"response":"Lyon"},{"response":"paris"}]}`
	for i, wantCalls := range []int64{2, 2} {
		resp := r.Post(t, "/v1/score/batch", batch)
		if resp.Status != 200 {
			t.Fatalf("batch %d: %d %s", i, resp.Status, resp.Body)
		}
		var out struct {
			Results []struct {
				Reward   float64
				Verifier string
			}
		}
		_ = json.Unmarshal(resp.Body, &out)
		if len(out.Results) != 3 || out.Results[0].Reward != 1 || out.Results[1].Reward != 0 || out.Results[2].Reward != 1 || out.Results[0].Verifier != "py_equal@2" {
			t.Errorf("batch %d: %s", i, resp.Body)
		}
		if got := calls.Load(); got != wantCalls {
			t.Errorf("after batch %d the service saw %d calls, want %d (duplicates and repeats come from the cache)", i, got, wantCalls)
		}
	}
	if resp := r.Post(t, "/v1/score", `{"verifier":"py_equal","reference":{"x":1},"response":"a"}`); resp.Status != 422 {
		t.Errorf("invalid reference: %d %s, want 422 from /prepare", resp.Status, resp.Body)
	}
	down.Store(true)
	resp := r.Post(t, "/v1/score", `{"verifier":"py_equal","reference":"Rome","response":"rome"}`)
	if resp.Status != 200 || resp.JSON(t)["error"] == nil {
		t.Errorf("service failing: %d %s, want 200 with an error", resp.Status, resp.Body)
	}
	if n := r.Metric(t, "referee_remote_requests_total", "verifier", "py_equal", "outcome", "ok"); n < 2 {
		t.Errorf("referee_remote_requests_total{outcome=ok} = %v", n)
	}
	if resp := r.Do(t, http.MethodGet, "/readyz", nil); !strings.Contains(string(resp.Body), "verifier:py_equal") {
		t.Errorf("/readyz does not report the remote verifier: %s", resp.Body)
	}
}

// TestCompatSizing measures the figures of the sizing notes in
// docs/ecosystem.md: rollouts per second on one core (GOMAXPROCS=1,
// exact_answer and string_match, all cache misses) and the memory one
// million cached results take. It runs only with REFEREE_SIZING=1: it takes
// about a minute and its figures depend on the machine.
func TestCompatSizing(t *testing.T) {
	if os.Getenv("REFEREE_SIZING") == "" {
		t.Skip("sizing figures are measured only with REFEREE_SIZING=1")
	}
	batch := func(verifier string, round, n int) []byte {
		items := make([]map[string]string, n)
		for i := range items {
			items[i] = map[string]string{"reference": "42", "response": fmt.Sprintf("after some work the answer is \\boxed{%d} (%d)", i, round)}
		}
		b, _ := json.Marshal(map[string]any{"defaults": map[string]any{"verifier": verifier}, "items": items})
		return b
	}
	t.Run("rollouts per second per core", func(t *testing.T) {
		r := StartReferee(t, map[string]string{"GOMAXPROCS": "1", "REFEREE_CONCURRENCY": "1"})
		for _, v := range []string{"string_match", "exact_answer"} {
			const calls, n = 20, 1024
			var elapsed time.Duration
			for i := 0; i < calls; i++ {
				body := batch(v, i, n)
				start := time.Now()
				if resp := r.Post(t, "/v1/score/batch", body); resp.Status != 200 {
					t.Fatalf("%d %s", resp.Status, resp.Body)
				}
				elapsed += time.Since(start)
			}
			t.Logf("%s: %.0f rollouts/s on one core (batches of %d distinct rollouts, HTTP included)", v, calls*n/elapsed.Seconds(), n)
		}
	})
	t.Run("memory per million cached results", func(t *testing.T) {
		r := StartReferee(t, map[string]string{"REFEREE_CACHE_ENTRIES": "1100000"})
		heap := func() float64 {
			r.Do(t, "GET", "/healthz", nil)
			return r.Metric(t, "go_memstats_heap_inuse_bytes")
		}
		rss := func() float64 { return r.Metric(t, "process_resident_memory_bytes") }
		h0, r0 := heap(), rss()
		const total, n = 1_000_000, 4000
		for i := 0; i < total/n; i++ {
			if resp := r.Post(t, "/v1/score/batch", batch("string_match", i, n)); resp.Status != 200 {
				t.Fatalf("%d %s", resp.Status, resp.Body)
			}
		}
		time.Sleep(time.Second)
		h1, r1 := heap(), rss()
		t.Logf("1,000,000 cached string_match results: heap in use +%.0f MiB, resident +%.0f MiB (%.0f bytes per entry in the heap)",
			(h1-h0)/(1<<20), (r1-r0)/(1<<20), (h1-h0)/total)
	})
	t.Run("Redis memory per million results", func(t *testing.T) {
		srv := redistest.Start(t)
		r := StartReferee(t, map[string]string{"REFEREE_REDIS_URL": srv.URL()})
		used := func() float64 {
			info, err := redistest.Do(srv.Addr, "INFO", "memory")
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
					f, _ := strconv.ParseFloat(v, 64)
					return f
				}
			}
			t.Fatalf("no used_memory in INFO memory")
			return 0
		}
		m0 := used()
		const total, n = 200_000, 4000
		for i := 0; i < total/n; i++ {
			if resp := r.Post(t, "/v1/score/batch", batch("string_match", i, n)); resp.Status != 200 {
				t.Fatalf("%d %s", resp.Status, resp.Body)
			}
		}
		waitDBSize(t, srv.Addr, total)
		m1 := used()
		t.Logf("%d string_match results in Redis: %.0f bytes per entry, %.0f MiB per million", total, (m1-m0)/total, (m1-m0)/total*1e6/(1<<20))
	})
}

// TestCompatDeployManifests checks deploy/kubernetes: every file parses,
// the probes point at /readyz and /healthz, and referee starts with the
// ConfigMap's environment and config file.
func TestCompatDeployManifests(t *testing.T) {
	root := "../deploy/kubernetes"
	kinds := map[string]int{}
	var env map[string]string
	var configFile string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			kind, _ := doc["kind"].(string)
			kinds[kind]++
			meta, _ := doc["metadata"].(map[string]any)
			name, _ := meta["name"].(string)
			if kind == "ConfigMap" && name == "referee-env" {
				env = map[string]string{}
				for k, v := range doc["data"].(map[string]any) {
					env[k] = fmt.Sprint(v)
				}
			}
			if kind == "ConfigMap" && name == "referee-config" {
				configFile = doc["data"].(map[string]any)["referee.yaml"].(string)
			}
			if kind == "Deployment" && name == "referee" {
				c := doc["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
				probe := func(k string) string {
					return fmt.Sprint(c[k].(map[string]any)["httpGet"].(map[string]any)["path"])
				}
				if probe("readinessProbe") != "/readyz" || probe("livenessProbe") != "/healthz" {
					t.Errorf("probes: readiness %s, liveness %s", probe("readinessProbe"), probe("livenessProbe"))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap", "StatefulSet", "Kustomization", "Job", "PodDisruptionBudget"} {
		if kinds[k] == 0 {
			t.Errorf("no %s in deploy/kubernetes", k)
		}
	}
	if env == nil || configFile == "" {
		t.Fatal("the referee ConfigMaps are missing")
	}
	cfg := compatWriteFile(t, "referee.yaml", configFile)
	delete(env, "REFEREE_ADDR")
	env["REFEREE_RUBRICS"], env["REFEREE_REMOTE_VERIFIERS"] = cfg, cfg
	r := StartReferee(t, env)
	if resp := r.Do(t, http.MethodGet, "/readyz", nil); resp.Status != 200 {
		t.Errorf("/readyz with the deployment's configuration: %d %s", resp.Status, resp.Body)
	}
	if resp := r.Do(t, http.MethodGet, "/v1/rubrics", nil); !strings.Contains(string(resp.Body), "math_with_format") {
		t.Errorf("the ConfigMap's rubric is not loaded: %s", resp.Body)
	}
}
