package tests

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"
	"gopkg.in/yaml.v3"
)

// docsChromium returns the chromium binary, skipping loudly when it is
// absent unless REFEREE_REQUIRE_CHROMIUM is set (CI), where it fails.
func docsChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("REFEREE_REQUIRE_CHROMIUM") != "" {
		t.Fatal("chromium is not installed and REFEREE_REQUIRE_CHROMIUM is set (apt-get install -y chromium)")
	}
	t.Skip("SKIPPED: chromium is not installed; /docs is not tested in a browser (apt-get install -y chromium, or set REFEREE_REQUIRE_CHROMIUM=1 to fail instead)")
	return ""
}

// cdp is a minimal Chrome DevTools Protocol client over one page's
// websocket: commands and their answers, events ignored.
type cdp struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	next    int
	pending map[int]chan cdpReply
	done    chan struct{}
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

func dialCDP(t *testing.T, url string) *cdp {
	t.Helper()
	ws, err := websocket.Dial(url, "", "http://127.0.0.1")
	if err != nil {
		t.Fatalf("devtools websocket: %v", err)
	}
	ws.MaxPayloadBytes = 64 << 20 // screenshots
	c := &cdp{ws: ws, pending: map[int]chan cdpReply{}, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			var msg struct {
				ID int `json:"id"`
				cdpReply
			}
			if err := websocket.JSON.Receive(ws, &msg); err != nil {
				return
			}
			c.mu.Lock()
			ch := c.pending[msg.ID]
			delete(c.pending, msg.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- msg.cdpReply
			}
		}
	}()
	t.Cleanup(func() { ws.Close() })
	return c
}

func (c *cdp) call(t *testing.T, method string, params any, out any) {
	t.Helper()
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan cdpReply, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	if err := websocket.JSON.Send(c.ws, map[string]any{"id": id, "method": method, "params": params}); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			t.Fatalf("%s: %s", method, r.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(r.Result, out); err != nil {
				t.Fatalf("%s: %v", method, err)
			}
		}
	case <-c.done:
		t.Fatalf("%s: the browser closed the connection", method)
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: no answer within 30s", method)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its JSON
// value into out.
func (c *cdp) eval(t *testing.T, expr string, out any) {
	t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	c.call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if r.ExceptionDetails != nil {
		t.Fatalf("evaluate %q: %s", expr, r.ExceptionDetails.Text)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			t.Fatalf("evaluate %q: %v (%s)", expr, err, r.Result.Value)
		}
	}
}

// waitFor polls a boolean JavaScript expression.
func (c *cdp) waitFor(t *testing.T, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		c.eval(t, "!!("+expr+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", expr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startChromium starts headless chromium with a fresh profile and returns
// the DevTools HTTP address.
func startChromium(t *testing.T, bin string) string {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir="+profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		// x/net/websocket always sends an Origin; Chromium refuses unknown ones.
		"--remote-allow-origins=http://127.0.0.1",
		"--window-size=1280,1024", "about:blank")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	// Chromium writes its port and browser path to DevToolsActivePort.
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort"))
		if err == nil {
			if port, _, ok := strings.Cut(string(b), "\n"); ok && port != "" {
				return "127.0.0.1:" + strings.TrimSpace(port)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromium did not open DevTools within 30s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pageTarget returns the websocket URL of the browser's first page.
func pageTarget(t *testing.T, devtools string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + devtools + "/json/list")
		if err == nil {
			var targets []struct {
				Type, WebSocketDebuggerURL string
			}
			_ = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" && tg.WebSocketDebuggerURL != "" {
					return tg.WebSocketDebuggerURL
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no page target in chromium: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// specRoutes reads "METHOD /path" of every operation of the served spec.
func specRoutes(t *testing.T, r *Referee) []string {
	t.Helper()
	resp := r.Do(t, http.MethodGet, "/openapi.yaml", nil)
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(resp.Body, &doc); err != nil {
		t.Fatal(err)
	}
	var routes []string
	for p, ops := range doc.Paths {
		for m := range ops {
			switch m {
			case "get", "post", "put", "patch", "delete", "head", "options":
				routes = append(routes, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(routes)
	if len(routes) == 0 {
		t.Fatal("the spec has no routes")
	}
	return routes
}

func TestDocsInBrowser(t *testing.T) {
	bin := docsChromium(t)
	r := StartReferee(t, nil)
	want := specRoutes(t, r)

	page := dialCDP(t, pageTarget(t, startChromium(t, bin)))
	page.call(t, "Page.enable", map[string]any{}, nil)
	page.call(t, "Page.navigate", map[string]any{"url": r.URL + "/docs"}, nil)
	page.waitFor(t, `document.readyState === "complete" && location.pathname === "/docs" && document.querySelector("section.op")`, 20*time.Second)

	// Every route of the spec is rendered: a visible section with its
	// method and path, a Send button, and an entry in the route list.
	var rendered []struct {
		Route   string `json:"route"`
		Visible bool   `json:"visible"`
		Button  bool   `json:"button"`
		Heading string `json:"heading"`
		InNav   bool   `json:"inNav"`
	}
	page.eval(t, `JSON.parse(JSON.stringify(Array.from(document.querySelectorAll("section.op")).map(function (s) {
		return {route: s.dataset.method + " " + s.dataset.path,
		        visible: s.getBoundingClientRect().height > 0 && getComputedStyle(s).display !== "none",
		        button: !!s.querySelector("button[type=submit]"),
		        heading: s.querySelector("h3") ? s.querySelector("h3").innerText : "",
		        inNav: !!document.querySelector('nav a[href="#' + s.id + '"]')};
	})))`, &rendered)
	got := map[string]bool{}
	for _, s := range rendered {
		got[s.Route] = true
		method, path, _ := strings.Cut(s.Route, " ")
		if !s.Visible || !s.Button || !s.InNav || !strings.Contains(s.Heading, method) || !strings.Contains(s.Heading, path) {
			t.Errorf("route %s is not fully rendered: %+v", s.Route, s)
		}
	}
	for _, route := range want {
		if !got[route] {
			t.Errorf("route %s of the spec is not on /docs", route)
		}
	}

	// Send the page's example request for POST /v1/score and a GET, as a
	// user would: click Send and read the answer the page shows.
	for _, tc := range []struct{ route, wantStatus, wantText string }{
		{"POST /v1/score", "200", `"reward"`},
		{"GET /healthz", "200", `"status"`},
	} {
		method, path, _ := strings.Cut(tc.route, " ")
		sel := fmt.Sprintf(`document.querySelector('section.op[data-method="%s"][data-path="%s"]')`, method, path)
		var exists bool
		page.eval(t, "!!"+sel, &exists)
		if !exists {
			t.Errorf("no section for %s", tc.route)
			continue
		}
		page.eval(t, sel+`.querySelector("button[type=submit]").click(), true`, nil)
		page.waitFor(t, sel+`.querySelector(".result").textContent.match(/^\d{3} /)`, 15*time.Second)
		var result string
		page.eval(t, sel+`.querySelector(".result").textContent`, &result)
		if !strings.HasPrefix(result, tc.wantStatus+" ") || !strings.Contains(result, tc.wantText) {
			t.Errorf("%s sent from the page answered:\n%s", tc.route, result)
		}
	}

	var shot struct {
		Data string `json:"data"`
	}
	page.call(t, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	path := filepath.Join(t.TempDir(), "docs.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d routes rendered; screenshot of /docs (%d bytes) at %s", len(rendered), len(png), path)
	if dir := os.Getenv("REFEREE_SCREENSHOT_DIR"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "docs.png"), png, 0o644)
	}
}
