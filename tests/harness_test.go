// Package tests holds black-box tests of the built referee binary: they
// build it once, start it on free ports and talk HTTP to it.
package tests

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binPath is the referee binary built by TestMain.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "referee-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "referee")
	build := exec.Command("go", "build", "-o", binPath, "./cmd/referee")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build referee:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Referee is a running referee process.
type Referee struct {
	URL    string
	Addr   string
	cmd    *exec.Cmd
	logs   *syncBuffer
	done   chan struct{}
	client *http.Client
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// StartReferee starts `referee serve` on a free port with env (plus PATH
// and HOME; nothing else of the test's environment leaks in), waits until
// /healthz answers, and stops it at the end of the test.
//
// FreePort's port is free when it answers but may be taken before referee
// binds it; a start that fails on a taken address is retried on another.
func StartReferee(t testing.TB, env map[string]string, args ...string) *Referee {
	t.Helper()
	for attempt := 1; ; attempt++ {
		r, portTaken := startReferee(t, env, args...)
		if !portTaken || attempt == 3 {
			if portTaken {
				t.Fatalf("referee could not bind a free port in %d attempts:\n%s", attempt, r.Logs())
			}
			return r
		}
	}
}

func startReferee(t testing.TB, env map[string]string, args ...string) (_ *Referee, portTaken bool) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	cmd := exec.Command(binPath, append([]string{"serve"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "REFEREE_ADDR=" + addr}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	r := &Referee{URL: "http://" + addr, Addr: addr, cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{}),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	cmd.Stdout, cmd.Stderr = r.logs, r.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		r.Kill()
		if t.Failed() {
			t.Logf("referee logs:\n%s", r.Logs())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(r.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return r, false
			}
		}
		select {
		case <-r.done:
			if strings.Contains(r.Logs(), "address already in use") {
				return r, true
			}
			t.Fatalf("referee exited at start: %v\n%s", cmd.ProcessState, r.Logs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("referee did not become healthy:\n%s", r.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Logs returns what the process wrote so far.
func (r *Referee) Logs() string { return r.logs.String() }

// Signal sends sig to the process.
func (r *Referee) Signal(sig os.Signal) error { return r.cmd.Process.Signal(sig) }

// Wait waits for the process to exit and returns its exit code.
func (r *Referee) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
		return r.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("referee did not exit within %s", timeout)
		return -1
	}
}

// Stop sends SIGTERM and waits for a clean exit.
func (r *Referee) Stop(t testing.TB) int {
	t.Helper()
	_ = r.Signal(syscall.SIGTERM)
	return r.Wait(t, 30*time.Second)
}

// Kill kills the process without a chance to clean up.
func (r *Referee) Kill() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Kill()
	<-r.done
}

// Response is an HTTP response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return v
}

// Do sends a request with an optional JSON body and headers (name, value
// pairs).
func (r *Referee) Do(t testing.TB, method, path string, body any, headers ...string) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, r.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Post sends a JSON POST.
func (r *Referee) Post(t testing.TB, path string, body any, headers ...string) Response {
	t.Helper()
	return r.Do(t, http.MethodPost, path, body, headers...)
}

// Metric returns the sum of every sample of a metric family whose labels
// include all of labels (name, value pairs), from /metrics.
func (r *Referee) Metric(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	resp := r.Do(t, http.MethodGet, "/metrics", nil)
	total := 0.0
	sc := bufio.NewScanner(bytes.NewReader(resp.Body))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(rest, labels[i]+`="`+labels[i+1]+`"`) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			total += v
		}
	}
	return total
}
