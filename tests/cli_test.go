package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const scoreInput = `{"id":"a","verifier":"string_match","reference":"x","response":"x"}
this line is not JSON

{"id":"b","verifier":"nope","response":"x"}
{"id":"c","rubric":{"components":{"f":{"verifier":"regex","params":{"pattern":"^x"}}},"score":"f*0.5"},"response":"x"}
{"id":"d","verifier":"string_match","reference":"x","response":"x"}
`

type scoreRecord struct {
	Line   int
	ID     string
	Reward float64
	Cached bool
	Error  *struct{ Status int }
}

func runScore(t *testing.T, args ...string) ([]scoreRecord, string) {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(in, []byte(scoreInput), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binPath, append(append([]string{"score"}, args...), in)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("referee score: %v\n%s", err, stderr.String())
	}
	var recs []scoreRecord
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var r scoreRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs, stderr.String()
}

func checkScoreOutput(t *testing.T, recs []scoreRecord, summary string) {
	t.Helper()
	want := []struct {
		line   int
		id     string
		reward float64
		status int
	}{{1, "a", 1, 0}, {2, "", 0, 400}, {4, "b", 0, 400}, {5, "c", 0.5, 0}, {6, "d", 1, 0}}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d (blank lines skipped, malformed ones reported): %+v", len(recs), len(want), recs)
	}
	for i, w := range want {
		r := recs[i]
		status := 0
		if r.Error != nil {
			status = r.Error.Status
		}
		if r.Line != w.line || r.ID != w.id || r.Reward != w.reward || status != w.status {
			t.Errorf("record %d = %+v, want line %d id %q reward %v status %d", i, r, w.line, w.id, w.reward, w.status)
		}
	}
	if !recs[4].Cached {
		t.Error("the repeated request was not served from the cache")
	}
	if !strings.Contains(summary, "scored 5 requests") || !strings.Contains(summary, "2 errors") || !strings.Contains(summary, "mean reward 0.5000") {
		t.Errorf("summary = %q", summary)
	}
	if strings.Contains(summary, "\r") {
		t.Error("progress bar drawn although stderr is not a terminal")
	}
}

func TestScoreCommandInProcess(t *testing.T) {
	recs, summary := runScore(t, "-chunk", "2")
	checkScoreOutput(t, recs, summary)
}

func TestScoreCommandAgainstServer(t *testing.T) {
	r := StartReferee(t, nil)
	recs, summary := runScore(t, "-server", r.URL)
	checkScoreOutput(t, recs, summary)
	if n := r.Metric(t, "referee_http_requests_total", "route", "/v1/score/batch"); n < 1 {
		t.Errorf("the server saw %v batch requests", n)
	}
}
