package fetch_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/referee/referee/verifiers/citation/fetch"
	"github.com/referee/referee/verifiers/citation/urlkey"
)

// site is a local web site with the pages the tests need; it counts hits
// per path and remembers the user agents it saw.
type site struct {
	*httptest.Server
	mu     sync.Mutex
	hits   map[string]int
	agents map[string]bool
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{hits: map[string]int{}, agents: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><body><p>The tower is 330 metres tall.</p><script>x()</script></body></html>")
	})
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "plain words")
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.7")
	})
	for i := 1; i <= 7; i++ {
		next := fmt.Sprintf("/chain%d", i+1)
		if i == 7 {
			next = "/ok"
		}
		mux.HandleFunc(fmt.Sprintf("/chain%d", i), func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, next, http.StatusFound)
		})
	}
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/410", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		chunk := strings.Repeat("word ", 2000)
		for i := 0; i < 2000; i++ { // 20 MB unless the client stops reading
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	mux.HandleFunc("/to-cgnat", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://100.64.0.1/", http.StatusFound)
	})
	mux.HandleFunc("/to-ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.org/file", http.StatusFound)
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.agents[r.Header.Get("User-Agent")] = true
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *site) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *site) url(t *testing.T, path string) urlkey.URL {
	t.Helper()
	u, err := urlkey.Parse(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func testConfig() fetch.Config {
	return fetch.Config{
		AllowPrivate:  true,
		PerHostRate:   1000,
		PerHostBurst:  1000,
		HeaderTimeout: 300 * time.Millisecond,
		BodyTimeout:   2 * time.Second,
		MaxBodyBytes:  64 << 10,
	}
}

func TestOutcomes(t *testing.T) {
	s := newSite(t)
	f := fetch.New(testConfig())
	defer f.Close()
	cases := []struct {
		path, status, reason, text, final string
	}{
		{path: "/ok", status: fetch.OK, text: "The tower is 330 metres tall."},
		{path: "/plain", status: fetch.OK, text: "plain words"},
		{path: "/pdf", status: fetch.OK, reason: "content type application/pdf"},
		{path: "/chain3", status: fetch.OK, final: "/ok", text: "The tower is 330 metres tall."}, // 5 redirects: the limit
		{path: "/chain2", status: fetch.Broken, reason: "more than the allowed redirects"},       // 6 redirects
		{path: "/loop", status: fetch.Broken, reason: "more than the allowed redirects"},
		{path: "/404", status: fetch.Broken, reason: "HTTP 404"},
		{path: "/410", status: fetch.Broken, reason: "HTTP 410"},
		{path: "/500", status: fetch.Unknown, reason: "HTTP 500"},
		{path: "/slow", status: fetch.Unknown, reason: "timed out"},
		{path: "/to-metadata", status: fetch.Broken, reason: "refused"},
		{path: "/to-cgnat", status: fetch.Broken, reason: "refused"},
		{path: "/to-ftp", status: fetch.Unknown, reason: "fetch failed"},
	}
	for _, c := range cases {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			o := f.Fetch(context.Background(), s.url(t, c.path))
			if o.Status != c.status || !strings.Contains(o.Reason, c.reason) || !strings.Contains(o.Text, c.text) {
				t.Errorf("Fetch(%s) = %+v, want status %s, reason containing %q, text containing %q", c.path, o, c.status, c.reason, c.text)
			}
			if c.final != "" && o.FinalURL != s.URL+c.final {
				t.Errorf("final URL = %q, want %q", o.FinalURL, s.URL+c.final)
			}
		})
	}
	if !s.agents[fetch.DefaultUserAgent] || len(s.agents) != 1 {
		t.Errorf("user agents seen: %v", s.agents)
	}
}

func TestHugeBodyIsCut(t *testing.T) {
	s := newSite(t)
	f := fetch.New(testConfig())
	defer f.Close()
	o := f.Fetch(context.Background(), s.url(t, "/huge"))
	if o.Status != fetch.OK || len(o.Text) > 64<<10 || len(o.Text) < 60<<10 {
		t.Errorf("huge: status %s, %d bytes of text; want ok and the first 64 KiB", o.Status, len(o.Text))
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	s := newSite(t)
	f := fetch.New(testConfig())
	defer f.Close()
	o := f.Fetch(context.Background(), s.url(t, "/429"))
	if o.Status != fetch.Unknown || o.HTTPStatus != 429 {
		t.Fatalf("429 = %+v", o)
	}
	// The host asked for two minutes of rest: no request reaches it, and
	// the outcome is unknown (never cached, so it is retried later).
	o = f.Fetch(context.Background(), s.url(t, "/ok"))
	if o.Status != fetch.Unknown || !strings.Contains(o.Reason, "retry after") {
		t.Errorf("fetch during Retry-After = %+v", o)
	}
	if s.hitsOf("/ok") != 0 {
		t.Errorf("the host was contacted during its Retry-After period")
	}
}

// memCache is a Cache that records what was stored.
type memCache struct {
	mu   sync.Mutex
	m    map[string][]byte
	ttls map[string]time.Duration
}

func (c *memCache) Get(_ context.Context, k string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *memCache) Set(_ context.Context, k string, v []byte, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k], c.ttls[k] = v, ttl
}

func TestOutcomesAreCachedExceptUnknown(t *testing.T) {
	s := newSite(t)
	cache := &memCache{m: map[string][]byte{}, ttls: map[string]time.Duration{}}
	cfg := testConfig()
	cfg.Cache, cfg.TTL = cache, time.Hour
	f := fetch.New(cfg)
	defer f.Close()
	for _, p := range []string{"/ok", "/404", "/500"} {
		if o := f.Fetch(context.Background(), s.url(t, p)); o.Cached {
			t.Errorf("first fetch of %s came from a cache", p)
		}
	}
	if len(cache.m) != 2 {
		t.Errorf("shared cache holds %d outcomes, want 2 (ok and 404; never the 500)", len(cache.m))
	}
	for k, ttl := range cache.ttls {
		if ttl != time.Hour {
			t.Errorf("%s stored with TTL %v", k, ttl)
		}
	}
	// Another replica with the same shared cache does not fetch again.
	g := fetch.New(cfg)
	defer g.Close()
	for _, p := range []string{"/ok", "/404", "/500"} {
		g.Fetch(context.Background(), s.url(t, p))
	}
	if s.hitsOf("/ok") != 1 || s.hitsOf("/404") != 1 || s.hitsOf("/500") != 2 {
		t.Errorf("hits ok=%d 404=%d 500=%d; want 1, 1, 2", s.hitsOf("/ok"), s.hitsOf("/404"), s.hitsOf("/500"))
	}
	if o := g.Fetch(context.Background(), s.url(t, "/ok")); !o.Cached || o.Status != fetch.OK || o.Text == "" {
		t.Errorf("cached outcome = %+v", o)
	}
}

func TestInFlightDeduplication(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-release
		fmt.Fprint(w, "done")
	}))
	defer srv.Close()
	f := fetch.New(testConfig())
	defer f.Close()
	u, _ := urlkey.Parse(srv.URL + "/same")
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.Fetch(context.Background(), u)
		}()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if hits.Load() != 1 {
		t.Errorf("10 concurrent fetches of one URL reached the server %d times, want 1", hits.Load())
	}
}

func TestPerHostConcurrencyLimit(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.PerHostConcurrency = 2
	f := fetch.New(cfg)
	defer f.Close()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, _ := urlkey.Parse(fmt.Sprintf("%s/p%d", srv.URL, i))
			if o := f.Fetch(context.Background(), u); o.Status != fetch.OK {
				t.Errorf("p%d: %+v", i, o)
			}
		}()
	}
	wg.Wait()
	if m := maxInFlight.Load(); m > 2 || m < 1 {
		t.Errorf("max concurrent requests to one host = %d, want at most 2", m)
	}
}

func TestRateLimit(t *testing.T) {
	s := newSite(t)
	cfg := testConfig()
	cfg.PerHostRate, cfg.PerHostBurst = 10, 1
	f := fetch.New(cfg)
	defer f.Close()
	start := time.Now()
	for i := range 4 {
		f.Fetch(context.Background(), s.url(t, fmt.Sprintf("/ok?i=%d", i)))
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("4 fetches at 10/s with burst 1 took %v, want at least 300ms", d)
	}
}

func TestNoProxyFromEnvironment(t *testing.T) {
	s := newSite(t)
	t.Setenv("HTTP_PROXY", "http://192.0.2.1:3128")
	t.Setenv("http_proxy", "http://192.0.2.1:3128")
	f := fetch.New(testConfig())
	defer f.Close()
	if o := f.Fetch(context.Background(), s.url(t, "/ok")); o.Status != fetch.OK {
		t.Errorf("with a proxy in the environment: %+v", o)
	}
}

// TestSSRFRefused: with the guard on (AllowPrivate false), every way of
// naming an internal address is refused before a connection is made.
func TestSSRFRefused(t *testing.T) {
	s := newSite(t)
	port := s.url(t, "/").Port
	cfg := testConfig()
	cfg.AllowPrivate = false
	cfg.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "internal.example": // a public name whose DNS answer is private
			return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
		case "rebind.example": // a public and a private answer
			return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("192.168.1.1")}, nil
		case "localhost":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return nil, fmt.Errorf("no such host %s", host)
		}
		return []netip.Addr{a}, nil
	}
	f := fetch.New(cfg)
	defer f.Close()
	for _, raw := range []string{
		"http://127.0.0.1/ok",
		"http://127.0.0.1:" + port + "/ok",
		"http://2130706433/ok",       // decimal
		"http://0177.0.0.1/ok",       // octal
		"http://0x7f.0.0.1/ok",       // hex
		"http://127.1/ok",            // short form
		"http://[::1]/ok",            // IPv6 loopback
		"http://[::ffff:127.0.0.1]/", // IPv4-mapped IPv6
		"http://localhost/ok",
		"http://localhost:" + port + "/ok",
		"http://internal.example/",
		"http://rebind.example/",
		"http://169.254.169.254/latest/meta-data/", // cloud metadata
		"http://100.64.0.1/",                       // CGNAT
		"http://10.0.0.1/", "http://172.16.0.1/", "http://192.168.0.1/",
		"http://0.0.0.0/", "http://224.0.0.1/", "http://[fe80::1]/", "http://[fc00::1]/",
	} {
		u, err := urlkey.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		o := f.Fetch(context.Background(), u)
		if o.Status != fetch.Broken || !strings.Contains(o.Reason, "refused") {
			t.Errorf("%s (%s): %+v, want broken and refused", raw, u, o)
		}
	}
	if n := s.hitsOf("/ok"); n != 0 {
		t.Errorf("the loopback server was reached %d times", n)
	}
}
