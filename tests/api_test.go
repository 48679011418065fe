package tests

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestScoreSingleAndCached(t *testing.T) {
	r := StartReferee(t, nil)
	body := map[string]any{"id": "q1", "verifier": "string_match", "reference": []string{"Paris", "paris"}, "response": "Paris"}
	first := r.Post(t, "/v1/score", body)
	if first.Status != 200 {
		t.Fatalf("status %d: %s", first.Status, first.Body)
	}
	got := first.JSON(t)
	if got["reward"] != 1.0 || got["cached"] != false || got["verifier"] != "string_match@1" || got["id"] != "q1" {
		t.Fatalf("first = %s", first.Body)
	}
	second := r.Post(t, "/score", body).JSON(t)
	if second["cached"] != true || second["key"] != got["key"] {
		t.Fatalf("second = %v, want a cache hit with the same key", second)
	}
	if n := r.Metric(t, "referee_verifier_executions_total", "verifier", "string_match"); n != 1 {
		t.Errorf("executions = %v, want 1", n)
	}
}

func TestBatchGroup(t *testing.T) {
	r := StartReferee(t, nil)
	items := []map[string]any{}
	for i := 0; i < 16; i++ {
		resp := "42"
		if i%2 == 1 {
			resp = fmt.Sprintf("4%d", i)
		}
		items = append(items, map[string]any{"id": fmt.Sprint(i), "response": resp})
	}
	items = append(items, map[string]any{"id": "bad", "verifier": "nope", "response": "x"})
	res := r.Post(t, "/v1/score/batch", map[string]any{
		"defaults": map[string]any{"verifier": "string_match", "reference": "42"},
		"items":    items,
	})
	if res.Status != 200 {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	out := res.JSON(t)
	results := out["results"].([]any)
	if len(results) != 17 {
		t.Fatalf("%d results, want 17", len(results))
	}
	for i, x := range results[:16] {
		m := x.(map[string]any)
		want := 1.0
		if i%2 == 1 {
			want = 0
		}
		if m["id"] != fmt.Sprint(i) || m["reward"] != want {
			t.Errorf("result %d = %v, want reward %v", i, m, want)
		}
	}
	bad := results[16].(map[string]any)
	if e, ok := bad["error"].(map[string]any); !ok || e["status"] != 400.0 {
		t.Errorf("bad item = %v, want its own 400 error", bad)
	}
	stats := out["stats"].(map[string]any)
	// 8 copies of "42" and 8 distinct wrong answers: 9 unique, 9 computed.
	if stats["items"] != 17.0 || stats["unique"] != 9.0 || stats["computed"] != 9.0 || stats["errors"] != 1.0 {
		t.Errorf("stats = %v", stats)
	}
}

func TestNamedRubric(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "rubrics.yaml")
	os.WriteFile(file, []byte(`
rubrics:
  answer_with_format:
    description: the answer, in <answer> tags
    components:
      correct: {verifier: string_match, params: {mode: contains}}
      format: {verifier: regex, params: {pattern: '^<answer>.*</answer>$'}}
    score: 0.8*correct + 0.2*format
`), 0o644)
	r := StartReferee(t, map[string]string{"REFEREE_RUBRICS": file})
	res := r.Post(t, "/v1/score", map[string]any{"rubric": "answer_with_format", "reference": "Paris", "response": "<answer>Paris</answer>"}).JSON(t)
	if res["reward"] != 1.0 || res["verifier"] != "rubric:answer_with_format" {
		t.Fatalf("result = %v", res)
	}
	res = r.Post(t, "/v1/score", map[string]any{"rubric": "answer_with_format", "reference": "Paris", "response": "Paris"}).JSON(t)
	if r := res["reward"].(float64); r < 0.799 || r > 0.801 {
		t.Fatalf("reward = %v, want 0.8 (correct, wrong format)", r)
	}
	list := r.Do(t, "GET", "/v1/rubrics", nil).JSON(t)
	if rs := list["rubrics"].([]any); len(rs) != 1 || rs[0].(map[string]any)["name"] != "answer_with_format" {
		t.Errorf("/v1/rubrics = %v", list)
	}
}

func TestAPIKeys(t *testing.T) {
	r := StartReferee(t, map[string]string{"REFEREE_API_KEYS": "k1, k2"})
	body := map[string]any{"verifier": "regex", "params": map[string]any{"pattern": "x"}, "response": "x"}
	for _, tc := range []struct {
		header string
		status int
	}{{"", 401}, {"Bearer nope", 401}, {"Basic k1", 401}, {"Bearer k1", 200}, {"Bearer k2", 200}, {"bearer k1", 200}, {"Bearer K1", 401}} {
		var h []string
		if tc.header != "" {
			h = []string{"Authorization", tc.header}
		}
		res := r.Post(t, "/v1/score", body, h...)
		if res.Status != tc.status {
			t.Errorf("Authorization %q: status %d, want %d", tc.header, res.Status, tc.status)
		}
		if tc.status == 401 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("401 is not problem+json")
		}
	}
	if res := r.Do(t, "GET", "/healthz", nil); res.Status != 200 {
		t.Errorf("/healthz needs no key, got %d", res.Status)
	}
	if strings.Contains(r.Logs(), "k1") {
		t.Error("an API key was printed in the logs")
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	r := StartReferee(t, map[string]string{"REFEREE_SHUTDOWN_GRACE": "10s"})
	// Each request sends half its body, so its handler is in flight (reading)
	// when SIGTERM arrives; the rest of the body follows the signal.
	const n = 6
	head := `{"defaults":{"verifier":"string_match","reference":"a"},"items":[`
	var wg sync.WaitGroup
	statuses := make([]int, n)
	errs := make([]error, n)
	writers := make([]*io.PipeWriter, n)
	for i := 0; i < n; i++ {
		pr, pw := io.Pipe()
		writers[i] = pw
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest("POST", r.URL+"/v1/score/batch", pr)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}(i)
		if _, err := pw.Write([]byte(head)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.Metric(t, "referee_http_requests_in_flight") < n+1 { // +1: this /metrics request
		if time.Now().After(deadline) {
			t.Fatal("requests never got in flight")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	// Shutdown closes the listener at once: a new connection is refused
	// while the requests above are still in flight.
	fresh := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Get(r.URL + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("a new connection was accepted after SIGTERM")
	}
	for i, pw := range writers {
		fmt.Fprintf(pw, `{"id":"%d","response":"a"}]}`, i)
		pw.Close()
	}
	wg.Wait()
	if code := r.Wait(t, 20*time.Second); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	for i := range statuses {
		if errs[i] != nil || statuses[i] != http.StatusOK {
			t.Errorf("request %d: status %d, err %v; in-flight requests must finish", i, statuses[i], errs[i])
		}
	}
}
