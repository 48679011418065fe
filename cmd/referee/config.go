package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is referee's whole configuration: flags, with REFEREE_* environment
// variables as their defaults.
type Config struct {
	Addr            string
	APIKeys         []string
	Rubrics         string
	MaxBody         int64
	MaxInflight     int64
	MaxBatch        int
	TaskTimeout     time.Duration
	Concurrency     int
	QueueSize       int
	CacheEntries    int
	CacheTTL        time.Duration
	PreparedEntries int
	ShutdownGrace   time.Duration
	MemoryLimit     int64
	LogLevel        string
	LogFormat       string
	PprofAddr       string

	RedisURL    string
	CachePrefix string

	Snapshot             string
	CitationMode         string
	CitationAllowPrivate bool

	OpenRLHFVerifier string
	OpenRLHFRubric   string
	OpenRLHFParams   string
	OpenRLHFLabels   string
	OpenRLHFPaths    []string
	RemoteVerifiers  string
}

// setting is one configuration field: its flag, environment variable,
// default and help, bound to a field of Config.
type setting struct {
	flag, env, def, help string
	secret               bool
	set                  func(c *Config, v string) error
	show                 func(c *Config) string
}

func settings() []setting {
	return []setting{
		{"addr", "REFEREE_ADDR", "127.0.0.1:8080", "listen address", false,
			func(c *Config, v string) error { c.Addr = v; return nil }, func(c *Config) string { return c.Addr }},
		{"api-keys", "REFEREE_API_KEYS", "", "comma-separated API keys; when set, /v1 routes need Authorization: Bearer KEY", true,
			func(c *Config, v string) error { c.APIKeys = splitList(v); return nil }, func(c *Config) string { return strings.Join(c.APIKeys, ",") }},
		{"rubrics", "REFEREE_RUBRICS", "", "YAML file of named rubrics", false,
			func(c *Config, v string) error { c.Rubrics = v; return nil }, func(c *Config) string { return c.Rubrics }},
		{"max-body", "REFEREE_MAX_BODY", "8MiB", "largest request body (bytes, or with KiB/MiB/GiB)", false,
			func(c *Config, v string) (err error) { c.MaxBody, err = parseSize(v); return err }, func(c *Config) string { return strconv.FormatInt(c.MaxBody, 10) }},
		{"max-inflight-bytes", "REFEREE_MAX_INFLIGHT_BYTES", "0", "request bodies held at once, by Content-Length; beyond it a POST gets 503 (0: 32 x max-body)", false,
			func(c *Config, v string) (err error) { c.MaxInflight, err = sizeOrZero(v); return err }, func(c *Config) string { return strconv.FormatInt(c.MaxInflight, 10) }},
		{"max-batch", "REFEREE_MAX_BATCH", "4096", "most items in one batch", false,
			func(c *Config, v string) (err error) { c.MaxBatch, err = positiveInt(v); return err }, func(c *Config) string { return strconv.Itoa(c.MaxBatch) }},
		{"task-timeout", "REFEREE_TASK_TIMEOUT", "5s", "deadline of one verifier task", false,
			func(c *Config, v string) (err error) { c.TaskTimeout, err = positiveDuration(v); return err }, func(c *Config) string { return c.TaskTimeout.String() }},
		{"concurrency", "REFEREE_CONCURRENCY", strconv.Itoa(runtime.GOMAXPROCS(0)), "tasks that run at once", false,
			func(c *Config, v string) (err error) { c.Concurrency, err = positiveInt(v); return err }, func(c *Config) string { return strconv.Itoa(c.Concurrency) }},
		{"queue", "REFEREE_QUEUE", "0", "tasks that may wait for a worker before 503 (0: 64 per worker)", false,
			func(c *Config, v string) (err error) { c.QueueSize, err = nonNegativeInt(v); return err }, func(c *Config) string { return strconv.Itoa(c.QueueSize) }},
		{"cache-entries", "REFEREE_CACHE_ENTRIES", "200000", "size of the in-memory result cache, in typical entries of 256 bytes; 0: no memory tier", false,
			func(c *Config, v string) (err error) { c.CacheEntries, err = nonNegativeInt(v); return err }, func(c *Config) string { return strconv.Itoa(c.CacheEntries) }},
		{"cache-ttl", "REFEREE_CACHE_TTL", "1h", "lifetime of a cached result", false,
			func(c *Config, v string) (err error) { c.CacheTTL, err = positiveDuration(v); return err }, func(c *Config) string { return c.CacheTTL.String() }},
		{"prepared-entries", "REFEREE_PREPARED_ENTRIES", "4096", "prepared tasks kept (one per distinct reference and params)", false,
			func(c *Config, v string) (err error) { c.PreparedEntries, err = positiveInt(v); return err }, func(c *Config) string { return strconv.Itoa(c.PreparedEntries) }},
		{"shutdown-grace", "REFEREE_SHUTDOWN_GRACE", "15s", "time in-flight requests get to finish on SIGTERM", false,
			func(c *Config, v string) (err error) { c.ShutdownGrace, err = positiveDuration(v); return err }, func(c *Config) string { return c.ShutdownGrace.String() }},
		{"memory-limit", "REFEREE_MEMORY_LIMIT", "0", "soft Go memory limit in bytes (KiB/MiB/GiB); 0: 64MiB + 400 bytes per cache entry", false,
			func(c *Config, v string) (err error) { c.MemoryLimit, err = sizeOrZero(v); return err }, func(c *Config) string { return strconv.FormatInt(c.MemoryLimit, 10) }},
		{"log-level", "REFEREE_LOG_LEVEL", "info", "debug, info, warn or error", false,
			func(c *Config, v string) error { c.LogLevel = v; return oneOf(v, "debug", "info", "warn", "error") }, func(c *Config) string { return c.LogLevel }},
		{"log-format", "REFEREE_LOG_FORMAT", "text", "text or json", false,
			func(c *Config, v string) error { c.LogFormat = v; return oneOf(v, "text", "json") }, func(c *Config) string { return c.LogFormat }},
		{"pprof-addr", "REFEREE_PPROF_ADDR", "", "address of a separate net/http/pprof listener (keep it on loopback); empty: off", false,
			func(c *Config, v string) error { c.PprofAddr = v; return nil }, func(c *Config) string { return c.PprofAddr }},
		{"redis-url", "REFEREE_REDIS_URL", "", "redis:// or rediss:// URL, or comma-separated cluster seed addresses; empty: memory tier only", true,
			func(c *Config, v string) error { c.RedisURL = v; return nil }, func(c *Config) string { return c.RedisURL }},
		{"cache-prefix", "REFEREE_CACHE_PREFIX", "referee:", "namespace of this deployment's Redis keys", false,
			func(c *Config, v string) error { c.CachePrefix = v; return nil }, func(c *Config) string { return c.CachePrefix }},
		{"snapshot", "REFEREE_SNAPSHOT", "", "web snapshot directory for the citation verifier", false,
			func(c *Config, v string) error { c.Snapshot = v; return nil }, func(c *Config) string { return c.Snapshot }},
		{"citation-mode", "REFEREE_CITATION_MODE", "snapshot", "default citation mode: snapshot, live or snapshot_then_live", false,
			func(c *Config, v string) error {
				c.CitationMode = v
				return oneOf(v, "snapshot", "live", "snapshot_then_live")
			}, func(c *Config) string { return c.CitationMode }},
		{"openrlhf-verifier", "REFEREE_OPENRLHF_VERIFIER", "", "verifier scoring POST /compat/openrlhf (a call may pass ?verifier= or ?rubric=)", false,
			func(c *Config, v string) error { c.OpenRLHFVerifier = v; return nil }, func(c *Config) string { return c.OpenRLHFVerifier }},
		{"openrlhf-rubric", "REFEREE_OPENRLHF_RUBRIC", "", "named rubric scoring POST /compat/openrlhf (instead of a verifier)", false,
			func(c *Config, v string) error { c.OpenRLHFRubric = v; return nil }, func(c *Config) string { return c.OpenRLHFRubric }},
		{"openrlhf-params", "REFEREE_OPENRLHF_PARAMS", "", "JSON params of the OpenRLHF verifier", false,
			func(c *Config, v string) error {
				if v != "" && !json.Valid([]byte(v)) {
					return errors.New("not valid JSON")
				}
				c.OpenRLHFParams = v
				return nil
			}, func(c *Config) string { return c.OpenRLHFParams }},
		{"openrlhf-labels", "REFEREE_OPENRLHF_LABELS", "raw", "how OpenRLHF labels become references: raw (the label as sent) or json (string labels hold JSON)", false,
			func(c *Config, v string) error { c.OpenRLHFLabels = v; return oneOf(v, "raw", "json") }, func(c *Config) string { return c.OpenRLHFLabels }},
		{"openrlhf-paths", "REFEREE_OPENRLHF_PATHS", "", "comma-separated extra paths served like /compat/openrlhf", false,
			func(c *Config, v string) error { c.OpenRLHFPaths = splitList(v); return nil }, func(c *Config) string { return strings.Join(c.OpenRLHFPaths, ",") }},
		{"remote-verifiers", "REFEREE_REMOTE_VERIFIERS", "", "YAML file with a remote_verifiers: section (may be the rubrics file)", false,
			func(c *Config, v string) error { c.RemoteVerifiers = v; return nil }, func(c *Config) string { return c.RemoteVerifiers }},
		{"citation-allow-private", "REFEREE_CITATION_ALLOW_PRIVATE", "0", "TESTS ONLY: let live citation fetches reach loopback and private addresses", false,
			func(c *Config, v string) (err error) { c.CitationAllowPrivate, err = parseBool(v); return err }, func(c *Config) string { return strconv.FormatBool(c.CitationAllowPrivate) }},
	}
}

// parseConfig fills a Config from args, with getenv supplying defaults. It
// is pure: no global flag set, no os.Getenv.
// extra, when given, adds a command's own flags to the same flag set.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer, extra ...func(*flag.FlagSet)) (Config, []string, error) {
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, e := range extra {
		e(fs)
	}
	for _, s := range settings() {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		if err := s.set(&c, def); err != nil {
			return c, nil, fmt.Errorf("%s=%q: %w", s.env, def, err)
		}
		s := s
		fs.Func(s.flag, fmt.Sprintf("%s (env %s, default %q)", s.help, s.env, s.def), func(v string) error { return s.set(&c, v) })
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), nil
}

// resolve replaces the settings whose 0 means "derived from others" by the
// values they stand for, so the start-up log shows what is in force.
func (c *Config) resolve() {
	if c.MaxInflight == 0 {
		c.MaxInflight = 32 * c.MaxBody
	}
	// A limit below one body would refuse every large request.
	c.MaxInflight = max(c.MaxInflight, c.MaxBody)
	if c.QueueSize == 0 {
		c.QueueSize = 64 * c.Concurrency
	}
	if c.MemoryLimit == 0 {
		c.MemoryLimit = 64<<20 + 400*int64(c.CacheEntries)
	}
}

// Effective returns the configuration as name=value pairs for the start-up
// log, with secrets masked.
func (c *Config) Effective() []any {
	var out []any
	for _, s := range settings() {
		v := s.show(c)
		if s.secret && v != "" {
			v = mask(s.env, v)
		}
		out = append(out, s.env, v)
	}
	return out
}

func mask(env, v string) string {
	if env == "REFEREE_REDIS_URL" {
		// Keep the host visible; hide a password.
		var parts []string
		for _, p := range splitList(v) {
			if u, err := url.Parse(p); err == nil && u.User != nil {
				if _, has := u.User.Password(); has {
					u.User = url.UserPassword(u.User.Username(), "xxxxx")
				}
				p = u.String()
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprintf("(%d set, masked)", len(splitList(v)))
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func positiveInt(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("want a positive integer, got %q", v)
	}
	return n, nil
}

func nonNegativeInt(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a non-negative integer, got %q", v)
	}
	return n, nil
}

func positiveDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration such as 5s, got %q", v)
	}
	return d, nil
}

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("want 0/1 or true/false, got %q", v)
	}
	return b, nil
}

func oneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("want one of %s, got %q", strings.Join(allowed, ", "), v)
}

// sizeOrZero is parseSize that also takes 0, the "derive it" setting.
func sizeOrZero(v string) (int64, error) {
	if strings.TrimSpace(v) == "0" {
		return 0, nil
	}
	return parseSize(v)
}

// parseSize reads a byte size: a number with an optional KiB, MiB, GiB (or
// KB, MB, GB, K, M, G: all binary) suffix.
func parseSize(v string) (int64, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > (1<<40)/mult {
		return 0, errors.New("want a positive size such as 8MiB or 1048576")
	}
	return n * mult, nil
}
