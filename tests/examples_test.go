package tests

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// examplePython returns python3's path, skipping loudly when it is absent,
// unless REFEREE_REQUIRE_PYTHON is set (CI), where its absence fails.
func examplePython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("REFEREE_REQUIRE_PYTHON") != "" {
			t.Fatal("python3 is not installed and REFEREE_REQUIRE_PYTHON is set")
		}
		t.Skip("SKIPPED: python3 is not installed; the Python examples are not tested (set REFEREE_REQUIRE_PYTHON=1 to fail instead)")
	}
	return py
}

func examplesDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../examples")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// runExample runs a Python example with env and returns its stdout.
func runExample(t *testing.T, py string, env []string, stdin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Dir = examplesDir(t)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "PYTHONDONTWRITEBYTECODE=1"}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		err = fmt.Errorf("%w\nstderr:\n%s", err, stderr.String())
	}
	return string(out), err
}

// startPythonVerifier starts the reference remote verifier on a free port.
func startPythonVerifier(t *testing.T, py string) string {
	t.Helper()
	port := FreePort(t)
	cmd := exec.Command(py, filepath.Join(examplesDir(t), "remote_verifier_server.py"), "--port", fmt.Sprint(port))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PYTHONDONTWRITEBYTECODE=1"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if !strings.Contains(line, "listening") {
			t.Fatalf("remote verifier did not start: %q", line)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("remote verifier did not start within 15s")
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

func TestExamples(t *testing.T) {
	py := examplePython(t)
	verifierURL := startPythonVerifier(t, py)
	cfg := compatWriteFile(t, "referee.yaml", `
rubrics:
  answer_and_format:
    components:
      correct: {verifier: exact_answer}
      format:  {verifier: regex, params: {pattern: '\\boxed'}}
    score: 0.9*correct + 0.1*format
remote_verifiers:
  - name: numeric_tolerance
    url: `+verifierURL+`
    version: "1"
    reads_prompt: false
    prepare: true
`)
	r := StartReferee(t, map[string]string{
		"REFEREE_RUBRICS":           cfg,
		"REFEREE_REMOTE_VERIFIERS":  cfg,
		"REFEREE_OPENRLHF_VERIFIER": "exact_answer",
	})
	env := []string{"REFEREE_URL=" + r.URL}

	t.Run("remote verifier server", func(t *testing.T) {
		tests := []struct {
			body   string
			status int
			reward float64
		}{
			{`{"verifier":"numeric_tolerance","reference":{"value":3.14159,"tolerance":0.01},"response":"pi is about 3.14"}`, 200, 1},
			{`{"verifier":"numeric_tolerance","reference":2.5,"response":"it is 3"}`, 200, 0},
			{`{"verifier":"numeric_tolerance","reference":2.5,"response":"no idea"}`, 200, 0},
			{`{"verifier":"numeric_tolerance","reference":"pi","response":"3.14"}`, 422, 0},
		}
		for _, tt := range tests {
			resp := r.Post(t, "/v1/score", tt.body)
			if resp.Status != tt.status {
				t.Errorf("%s: %d %s, want %d", tt.body, resp.Status, resp.Body, tt.status)
				continue
			}
			if tt.status == 200 && resp.JSON(t)["reward"] != tt.reward {
				t.Errorf("%s: %s, want reward %v", tt.body, resp.Body, tt.reward)
			}
		}
	})

	t.Run("verl compute_score", func(t *testing.T) {
		tests := []struct {
			truth, solution, want string
		}{
			{`\frac{5}{6}`, `Adding the fractions, the answer is \boxed{5/6}.`, "1.0"},
			{`42`, `The answer is \boxed{41}.`, "0.0"},
		}
		for _, tt := range tests {
			out, err := runExample(t, py, env, "", "verl_compute_score.py", tt.truth, tt.solution)
			if err != nil || strings.TrimSpace(out) != tt.want {
				t.Errorf("compute_score(%q, %q) = %q, %v; want %s", tt.truth, tt.solution, out, err, tt.want)
			}
		}
		out, err := runExample(t, py, append(env, "REFEREE_RUBRIC=answer_and_format"), "", "verl_compute_score.py", "42", `so \boxed{42}`)
		if err != nil || strings.TrimSpace(out) != "1.0" {
			t.Errorf("with a rubric: %q, %v", out, err)
		}
	})

	t.Run("TRL reward_funcs sends a group in one batch", func(t *testing.T) {
		before := r.Metric(t, "referee_http_requests_total", "route", "/v1/score/batch")
		out, err := runExample(t, py, env, "", "trl_reward.py")
		if err != nil || strings.TrimSpace(out) != "[1.0, 0.0, 1.0, 1.0]" {
			t.Errorf("trl_reward.py printed %q, %v; want [1.0, 0.0, 1.0, 1.0]", out, err)
		}
		if n := r.Metric(t, "referee_http_requests_total", "route", "/v1/score/batch") - before; n != 1 {
			t.Errorf("%v batch calls for one group, want 1", n)
		}
	})

	t.Run("OpenRLHF client", func(t *testing.T) {
		out, err := runExample(t, py, nil, "", "openrlhf_client.py", r.URL+"/compat/openrlhf")
		if err != nil || !strings.Contains(out, `"rewards": [1, 0, 1, 1]`) {
			t.Errorf("openrlhf_client.py printed %q, %v", out, err)
		}
		if !strings.Contains(out, `"referee_cached": [0, 0, 1, 0]`) {
			t.Errorf("the duplicate draft was not shared: %s", out)
		}
		sh, err := exec.LookPath("bash")
		if err == nil {
			if out, err := exec.Command(sh, "-n", filepath.Join(examplesDir(t), "openrlhf_launch.sh")).CombinedOutput(); err != nil {
				t.Errorf("openrlhf_launch.sh: %v %s", err, out)
			}
		}
	})

	t.Run("evaluation harness", func(t *testing.T) {
		input := compatWriteFile(t, "results.jsonl", strings.Join([]string{
			`{"task":"math","reference":"42","response":"\\boxed{42}"}`,
			`{"task":"math","reference":"42","response":"\\boxed{41}"}`,
			`{"task":"math","reference":"42","response":"\\boxed{42}"}`,
			`{"task":"trivia","verifier":"string_match","reference":"Paris","response":"Paris"}`,
			`not json`,
		}, "\n")+"\n")
		scored := filepath.Join(t.TempDir(), "scored.jsonl")
		out, err := runExample(t, py, env, "", "eval_harness.py", input, "--verifier", "exact_answer", "--group-by", "task", "--out", scored)
		// One malformed line: the table is printed and the exit status is 1.
		var ee *exec.ExitError
		if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
			t.Fatalf("eval_harness.py: %v\n%s", err, out)
		}
		for _, want := range []string{"task", "math", "3", "0.6667", "66.7%", "trivia", "1.0000", "(malformed)", "TOTAL"} {
			if !strings.Contains(out, want) {
				t.Errorf("table lacks %q:\n%s", want, out)
			}
		}
		b, err := os.ReadFile(scored)
		if err != nil || strings.Count(string(b), "\n") != 5 {
			t.Errorf("scored output: %v\n%s", err, b)
		}
		t.Logf("eval_harness.py table:\n%s", out)
	})
}
