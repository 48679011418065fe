// Package fetch fetches cited pages from the live web, politely and safely:
// every connection, including each redirect hop, is checked at dial time
// against code.dny.dev/ssrf (so DNS rebinding cannot reach an internal
// address), redirects, time and body size are bounded, each host gets a
// concurrency limit and a token bucket that honours Retry-After, identical
// concurrent fetches are made once, and definite outcomes are cached.
package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"code.dny.dev/ssrf"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	"github.com/referee/referee/verifiers/citation/htmltext"
	"github.com/referee/referee/verifiers/citation/urlkey"
)

// Statuses of an outcome.
const (
	OK      = "ok"      // the page answered 2xx
	Broken  = "broken"  // the page does not exist (404, 410, no such host, ...)
	Unknown = "unknown" // we could not tell this time (429, 5xx, timeout, ...)
)

// Cache is a shared store of fetch outcomes (Redis in a fleet), so each URL
// is fetched at most once per TTL across replicas.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool)
	Set(ctx context.Context, key string, v []byte, ttl time.Duration)
}

// Config configures a Fetcher. Zero values take the documented defaults.
type Config struct {
	// UserAgent is sent with every request; default DefaultUserAgent.
	UserAgent string
	// AllowPrivate lets tests reach loopback and private (RFC 1918, ULA)
	// addresses on any port. Never set it in production.
	AllowPrivate bool
	// Cache shares outcomes across replicas; nil keeps them in process.
	Cache Cache
	// TTL of a cached outcome; default 24h.
	TTL time.Duration
	// PerHostConcurrency bounds simultaneous requests to one host; default 2.
	PerHostConcurrency int
	// PerHostRate is the token bucket's refill in requests per second
	// (default 1) and PerHostBurst its size (default 4).
	PerHostRate  float64
	PerHostBurst int
	// MaxRedirects bounds redirect hops; default 5.
	MaxRedirects int
	// DialTimeout, HeaderTimeout and BodyTimeout bound connecting, waiting
	// for response headers and reading the body; defaults 5s, 10s, 15s.
	DialTimeout, HeaderTimeout, BodyTimeout time.Duration
	// MaxBodyBytes bounds the body read; default 4 MiB (the rest is ignored).
	MaxBodyBytes int64
	// MaxTextBytes bounds the extracted text kept; default 2 MiB.
	MaxTextBytes int
	// Resolve, when set, replaces the system resolver (tests, custom DNS).
	// The addresses it returns are still checked by the SSRF guard.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
}

// DefaultUserAgent names the fetcher honestly and says why it visits.
const DefaultUserAgent = "referee-citation-checker/1 (checks that cited pages exist and support the citing text; +https://github.com/referee/referee)"

// Outcome is what a fetch found.
type Outcome struct {
	Status     string `json:"status"`
	HTTPStatus int    `json:"http_status,omitempty"`
	FinalURL   string `json:"final_url,omitempty"`
	Text       string `json:"text,omitempty"`
	Reason     string `json:"reason,omitempty"`
	// Cached is true when the outcome came from a cache, not the network.
	Cached bool `json:"-"`
}

type memEntry struct {
	o   Outcome
	exp time.Time
}

type hostState struct {
	sem        chan struct{}
	lim        *rate.Limiter
	mu         sync.Mutex
	retryAfter time.Time
}

// Fetcher is safe for concurrent use.
type Fetcher struct {
	cfg    Config
	client *http.Client
	sf     singleflight.Group
	mem    *lru.Cache[string, memEntry] // in-process outcomes with their expiry
	hostMu sync.Mutex
	hosts  *lru.Cache[string, *hostState]
	now    func() time.Time
}

var errTooManyRedirects = errors.New("too many redirects")

// New returns a Fetcher.
func New(cfg Config) *Fetcher {
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 24 * time.Hour
	}
	if cfg.PerHostConcurrency <= 0 {
		cfg.PerHostConcurrency = 2
	}
	if cfg.PerHostRate <= 0 {
		cfg.PerHostRate = 1
	}
	if cfg.PerHostBurst <= 0 {
		cfg.PerHostBurst = 4
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = 5
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.HeaderTimeout <= 0 {
		cfg.HeaderTimeout = 10 * time.Second
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = 15 * time.Second
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 4 << 20
	}
	if cfg.MaxTextBytes <= 0 {
		cfg.MaxTextBytes = 2 << 20
	}
	f := &Fetcher{cfg: cfg, now: time.Now}
	// A plain LRU with expiry checked on read: the expirable variant
	// starts a goroutine that never stops.
	f.mem, _ = lru.New[string, memEntry](4096)
	f.hosts, _ = lru.New[string, *hostState](16384)

	opts := []ssrf.Option{ssrf.WithPorts(80, 443, 8080, 8443)}
	if cfg.AllowPrivate {
		opts = []ssrf.Option{
			ssrf.WithAnyPort(),
			ssrf.WithAllowedV4Prefixes(
				netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"),
				netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16")),
			ssrf.WithAllowedV6Prefixes(netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("fc00::/7")),
		}
	}
	guard := ssrf.New(opts...)
	dialer := &net.Dialer{Timeout: cfg.DialTimeout, Control: guard.Safe}
	dial := dialer.DialContext
	if cfg.Resolve != nil {
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			ips, err := cfg.Resolve(ctx, host)
			if err != nil {
				return nil, err
			}
			var errs []error
			for _, ip := range ips {
				c, err := dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
				if err == nil {
					return c, nil
				}
				errs = append(errs, err)
			}
			return nil, fmt.Errorf("dial %s: %w", addr, errors.Join(errs...))
		}
	}
	transport := &http.Transport{
		Proxy:                 nil, // never a proxy from the environment
		DialContext:           dial,
		TLSHandshakeTimeout:   cfg.DialTimeout,
		ResponseHeaderTimeout: cfg.HeaderTimeout,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   cfg.PerHostConcurrency,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	f.client = &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return errTooManyRedirects
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to scheme %q", req.URL.Scheme)
			}
			return nil
		},
	}
	return f
}

// Close releases idle connections.
func (f *Fetcher) Close() { f.client.CloseIdleConnections() }

func cacheKey(u string) string { return "citation:fetch:1:" + u }

// Fetch fetches a canonical URL, from a cache when it can.
func (f *Fetcher) Fetch(ctx context.Context, u urlkey.URL) Outcome {
	canon := u.String()
	key := cacheKey(canon)
	if e, ok := f.mem.Get(key); ok && f.now().Before(e.exp) {
		o := e.o
		o.Cached = true
		return o
	}
	if f.cfg.Cache != nil {
		if b, ok := f.cfg.Cache.Get(ctx, key); ok {
			var o Outcome
			if json.Unmarshal(b, &o) == nil && o.Status != "" {
				f.mem.Add(key, memEntry{o: o, exp: f.now().Add(f.cfg.TTL)})
				o.Cached = true
				return o
			}
		}
	}
	v, _, _ := f.sf.Do(key, func() (any, error) {
		o := f.fetch(ctx, u)
		if o.Status != Unknown {
			f.mem.Add(key, memEntry{o: o, exp: f.now().Add(f.cfg.TTL)})
			if f.cfg.Cache != nil {
				if b, err := json.Marshal(o); err == nil {
					f.cfg.Cache.Set(context.WithoutCancel(ctx), key, b, f.cfg.TTL)
				}
			}
		}
		return o, nil
	})
	return v.(Outcome)
}

func (f *Fetcher) host(name string) *hostState {
	f.hostMu.Lock()
	defer f.hostMu.Unlock()
	if h, ok := f.hosts.Get(name); ok {
		return h
	}
	h := &hostState{
		sem: make(chan struct{}, f.cfg.PerHostConcurrency),
		lim: rate.NewLimiter(rate.Limit(f.cfg.PerHostRate), f.cfg.PerHostBurst),
	}
	f.hosts.Add(name, h)
	return h
}

func (f *Fetcher) fetch(ctx context.Context, u urlkey.URL) Outcome {
	h := f.host(u.Host)
	h.mu.Lock()
	until := h.retryAfter
	h.mu.Unlock()
	if now := f.now(); now.Before(until) {
		return Outcome{Status: Unknown, Reason: fmt.Sprintf("host asked us to retry after %s", until.UTC().Format(time.RFC3339))}
	}
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return Outcome{Status: Unknown, Reason: "timed out waiting for the host's concurrency limit"}
	}
	defer func() { <-h.sem }()
	if err := h.lim.Wait(ctx); err != nil {
		return Outcome{Status: Unknown, Reason: "timed out waiting for the host's rate limit"}
	}

	ctx, cancel := context.WithTimeout(ctx, f.cfg.DialTimeout+f.cfg.HeaderTimeout+f.cfg.BodyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Outcome{Status: Broken, Reason: "bad URL: " + err.Error()}
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5")
	resp, err := f.client.Do(req)
	if err != nil {
		return classifyError(err)
	}
	defer resp.Body.Close()
	o := Outcome{HTTPStatus: resp.StatusCode}
	if final := resp.Request.URL.String(); final != u.String() {
		if c, err := urlkey.Canonical(final); err == nil && c != u.String() {
			o.FinalURL = c
		}
	}
	switch code := resp.StatusCode; {
	case code >= 200 && code <= 299:
		o.Status = OK
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		f.backOff(h, resp.Header.Get("Retry-After"))
		o.Status, o.Reason = Unknown, fmt.Sprintf("HTTP %d", code)
		return o
	case code == 401 || code == 403 || code == 407 || code == 408 || code == 425 || code == 451 || code >= 500:
		o.Status, o.Reason = Unknown, fmt.Sprintf("HTTP %d", code)
		return o
	case code >= 300 && code <= 399:
		o.Status, o.Reason = Unknown, fmt.Sprintf("HTTP %d without a usable Location", code)
		return o
	default:
		o.Status, o.Reason = Broken, fmt.Sprintf("HTTP %d", code)
		return o
	}
	// Read the body within its own deadline and size limit.
	timer := time.AfterFunc(f.cfg.BodyTimeout, cancel)
	defer timer.Stop()
	body := io.LimitReader(resp.Body, f.cfg.MaxBodyBytes)
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case mt == "" || mt == "text/html" || mt == "application/xhtml+xml":
		o.Text = htmltext.ExtractDecoded(body, resp.Header.Get("Content-Type"), f.cfg.MaxTextBytes)
	case strings.HasPrefix(mt, "text/"):
		b, _ := io.ReadAll(io.LimitReader(body, int64(f.cfg.MaxTextBytes)))
		o.Text = strings.ToValidUTF8(string(b), "\uFFFD")
	default:
		o.Reason = "content type " + mt + " has no text we read"
	}
	if ctx.Err() != nil {
		// A body cut by the deadline still proves the page exists; its
		// text is what arrived in time.
		o.Reason = "body read timed out; checked the part received"
	}
	return o
}

// backOff honours a Retry-After header (seconds or an HTTP date), capped at
// an hour; without one the host rests for a minute.
func (f *Fetcher) backOff(h *hostState, header string) {
	d := time.Minute
	if s, err := strconv.Atoi(strings.TrimSpace(header)); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(header); err == nil {
		d = t.Sub(f.now())
	}
	d = min(max(d, 0), time.Hour)
	h.mu.Lock()
	if until := f.now().Add(d); until.After(h.retryAfter) {
		h.retryAfter = until
	}
	h.mu.Unlock()
}

func classifyError(err error) Outcome {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, ssrf.ErrProhibitedIP), errors.Is(err, ssrf.ErrProhibitedPort),
		errors.Is(err, ssrf.ErrProhibitedNetwork), errors.Is(err, ssrf.ErrInvalidHostPort):
		return Outcome{Status: Broken, Reason: "refused: the URL leads to a private, reserved or disallowed address"}
	case errors.Is(err, errTooManyRedirects):
		return Outcome{Status: Broken, Reason: "more than the allowed redirects"}
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return Outcome{Status: Broken, Reason: "no such host"}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return Outcome{Status: Unknown, Reason: "timed out"}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Outcome{Status: Unknown, Reason: "timed out"}
	}
	return Outcome{Status: Unknown, Reason: "fetch failed: " + shortErr(err)}
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
