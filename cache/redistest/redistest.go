// Package redistest starts throw-away redis-server processes on loopback for
// tests and load runs: no persistence, data in a temporary directory, free
// ports, stopped by the caller. Single nodes and small Clusters are
// supported; both need the redis-server binary (and redis-cli for Cluster).
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
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

// RequireEnv names the environment variable that turns a missing
// redis-server from a skip into a failure, so CI cannot silently skip.
const RequireEnv = "REFEREE_REQUIRE_REDIS"

// startTimeout bounds how long a server may take to answer PING.
const startTimeout = 10 * time.Second

// Server is one redis-server process.
type Server struct {
	// Addr is the server's host:port on loopback.
	Addr string
	// Port is the server's TCP port.
	Port int

	dir  string
	args []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Available reports whether the redis-server binary is on PATH.
func Available() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil
}

// Launch starts redis-server on a free loopback port with its working
// directory in dir and extra arguments appended. Ports are picked free and
// retried, since other processes may race for them.
func Launch(dir string, extra ...string) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port, dir: dir}
		s.args = append([]string{
			"--port", strconv.Itoa(port),
			"--bind", "127.0.0.1",
			"--save", "",
			"--appendonly", "no",
			"--protected-mode", "no",
			"--daemonize", "no",
			"--dir", dir,
			"--logfile", filepath.Join(dir, fmt.Sprintf("redis-%d.log", port)),
		}, extra...)
		if lastErr = s.start(); lastErr == nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("redistest: start redis-server: %w", lastErr)
}

// Start is Launch for tests. It skips the test loudly when redis-server is
// missing, or fails it when RequireEnv is set, and stops the server in
// t.Cleanup.
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	Require(t)
	s, err := Launch(t.TempDir(), extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Require skips t (or fails it when RequireEnv is set) unless redis-server
// is installed.
func Require(t testing.TB) {
	t.Helper()
	if Available() {
		return
	}
	msg := "redis-server not found on PATH: SKIPPING the Redis tests (install the redis-server package, or set " + RequireEnv + "=1 to make this a failure)"
	if os.Getenv(RequireEnv) != "" {
		t.Fatal(msg)
	}
	fmt.Fprintln(os.Stderr, "!!!", msg)
	t.Skip(msg)
}

// URL returns the redis:// URL of the server.
func (s *Server) URL() string { return "redis://" + s.Addr }

func (s *Server) start() error {
	cmd := exec.Command("redis-server", s.args...)
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("redis-server on port %d exited at start (see %s)", s.Port, s.dir)
		default:
		}
		if reply, err := Do(s.Addr, "PING"); err == nil && reply == "PONG" {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Kill()
	return fmt.Errorf("redis-server on port %d did not answer within %s", s.Port, startTimeout)
}

// Kill stops the server at once with SIGKILL, as a crash would, and waits
// for it to exit. It is safe to call on a stopped server.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Pause stops the server with SIGSTOP: connections stay open but nothing
// answers, as with a hung or overloaded Redis. Resume undoes it.
func (s *Server) Pause() error { return s.signal(syscall.SIGSTOP) }

// Resume continues a paused server.
func (s *Server) Resume() error { return s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return errors.New("redistest: server is not running")
	}
	return s.cmd.Process.Signal(sig)
}

// Restart starts a killed server again on the same port, empty.
func (s *Server) Restart() error {
	s.Kill()
	var err error
	// The port may briefly be unavailable after the kill.
	for attempt := 0; attempt < 5; attempt++ {
		if err = s.start(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// Stop kills the server; it is meant for t.Cleanup and defer.
func (s *Server) Stop() { s.Kill() }

// LaunchSentinel starts a Sentinel on a free loopback port, with its
// configuration in dir, monitoring master under the name name with a
// quorum of one.
func LaunchSentinel(dir, name string, master *Server) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
		// Sentinel rewrites its configuration file, so it gets its own.
		text := fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\nlogfile %s\n"+
			"sentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s 1000\n",
			port, dir, filepath.Join(dir, fmt.Sprintf("sentinel-%d.log", port)), name, master.Port, name)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			return nil, err
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port, dir: dir,
			args: []string{conf, "--sentinel"}}
		if lastErr = s.start(); lastErr == nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("redistest: start sentinel: %w", lastErr)
}

// StartSentinel is LaunchSentinel for tests, with the skipping rules of
// Start and the Sentinel stopped in t.Cleanup.
func StartSentinel(t testing.TB, name string, master *Server) *Server {
	t.Helper()
	Require(t)
	s, err := LaunchSentinel(t.TempDir(), name, master)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Cluster is a Redis Cluster of masters without replicas on loopback.
type Cluster struct {
	// Nodes are the masters.
	Nodes []*Server
}

// LaunchCluster starts n cluster-enabled servers under dir and joins them
// into a Cluster with redis-cli --cluster create, then waits until every
// node reports cluster_state:ok.
func LaunchCluster(dir string, n int) (*Cluster, error) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		return nil, fmt.Errorf("redistest: redis-cli is needed to create a cluster: %w", err)
	}
	c := &Cluster{}
	for i := 0; i < n; i++ {
		nodeDir := filepath.Join(dir, fmt.Sprintf("node%d", i))
		if err := os.MkdirAll(nodeDir, 0o755); err != nil {
			c.Stop()
			return nil, err
		}
		var s *Server
		var err error
		// The bus port can be taken too; pick it again on each attempt.
		for attempt := 0; attempt < 3 && s == nil; attempt++ {
			var bus int
			if bus, err = freePort(); err != nil {
				break
			}
			s, err = Launch(nodeDir,
				"--cluster-enabled", "yes",
				"--cluster-config-file", "nodes.conf",
				"--cluster-port", strconv.Itoa(bus),
				"--cluster-node-timeout", "2000")
		}
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("redistest: redis-cli --cluster create: %v: %s", err, out)
	}
	deadline := time.Now().Add(startTimeout)
	for _, s := range c.Nodes {
		for {
			info, err := Do(s.Addr, "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				c.Stop()
				return nil, fmt.Errorf("redistest: cluster node %s not ok: %q %v", s.Addr, info, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c, nil
}

// StartCluster is LaunchCluster for tests, with the skipping rules of Start
// and the nodes stopped in t.Cleanup.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	Require(t)
	c, err := LaunchCluster(t.TempDir(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c
}

// Addrs returns the nodes' addresses.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		out[i] = s.Addr
	}
	return out
}

// URL returns the seed list in the form REFEREE_REDIS_URL takes for a
// Cluster: comma-separated addresses.
func (c *Cluster) URL() string { return strings.Join(c.Addrs(), ",") }

// Stop kills every node.
func (c *Cluster) Stop() {
	for _, s := range c.Nodes {
		s.Stop()
	}
}

// Do sends one command to addr over a fresh connection and returns the
// reply as text: simple strings and bulk strings as they are, integers in
// decimal, arrays with their elements joined by newlines. An error reply is
// returned as an error. It is a tiny client for set-up and assertions
// (INFO, DBSIZE, CLUSTER INFO), independent of the code under test.
func Do(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(conn))
}

func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("redistest: empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		parts := make([]string, 0, max(n, 0))
		for i := 0; i < n; i++ {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("redistest: unexpected reply %q", line)
}

// CommandCalls returns how many times the server has run each command
// since start, from INFO commandstats (for example "mget" -> 3). Tests use
// it to count round trips without trusting the client.
func CommandCalls(addr string) (map[string]int, error) {
	info, err := Do(addr, "INFO", "commandstats")
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		name, rest, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		for _, f := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				n, _ := strconv.Atoi(v)
				out[strings.TrimPrefix(name, "cmdstat_")] = n
			}
		}
	}
	return out, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
