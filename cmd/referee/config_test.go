package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		env   func(string) string
		check func(c Config) bool
		err   string
	}{
		{"defaults", nil, env(), func(c Config) bool {
			return c.Addr == "127.0.0.1:8080" && c.MaxBody == 8<<20 && c.MaxBatch == 4096 && c.TaskTimeout == 5*time.Second &&
				c.Concurrency >= 1 && c.CacheEntries == 200000 && c.CacheTTL == time.Hour && len(c.APIKeys) == 0 &&
				c.RedisURL == "" && c.CitationMode == "snapshot" && !c.CitationAllowPrivate
		}, ""},
		{"env", nil, env("REFEREE_ADDR", "0.0.0.0:9000", "REFEREE_API_KEYS", "a, b,,", "REFEREE_MAX_BODY", "1MiB", "REFEREE_CONCURRENCY", "3"), func(c Config) bool {
			return c.Addr == "0.0.0.0:9000" && len(c.APIKeys) == 2 && c.APIKeys[1] == "b" && c.MaxBody == 1<<20 && c.Concurrency == 3
		}, ""},
		{"flag beats env", []string{"-addr", ":1", "-task-timeout=2s"}, env("REFEREE_ADDR", ":2"), func(c Config) bool {
			return c.Addr == ":1" && c.TaskTimeout == 2*time.Second
		}, ""},
		{"plain bytes", nil, env("REFEREE_MAX_BODY", "1000"), func(c Config) bool { return c.MaxBody == 1000 }, ""},
		{"bad size", nil, env("REFEREE_MAX_BODY", "lots"), nil, "REFEREE_MAX_BODY"},
		{"zero batch", nil, env("REFEREE_MAX_BATCH", "0"), nil, "REFEREE_MAX_BATCH"},
		{"bad duration", []string{"-cache-ttl", "forever"}, env(), nil, "forever"},
		{"bad mode", nil, env("REFEREE_CITATION_MODE", "web"), nil, "REFEREE_CITATION_MODE"},
		{"allow private", nil, env("REFEREE_CITATION_ALLOW_PRIVATE", "1"), func(c Config) bool { return c.CitationAllowPrivate }, ""},
		{"unknown flag", []string{"-nope"}, env(), nil, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := parseConfig("referee serve", tt.args, tt.env, io.Discard)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}
}

func TestEffectiveMasksSecrets(t *testing.T) {
	t.Parallel()
	c, _, err := parseConfig("x", nil, env("REFEREE_API_KEYS", "topsecret1,topsecret2", "REFEREE_REDIS_URL", "redis://user:hunter2@redis:6379/0"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join(strings.Fields(strings.Trim(strings.ReplaceAll(fmtPairs(c.Effective()), "\n", " "), " ")), " ")
	if strings.Contains(out, "topsecret") || strings.Contains(out, "hunter2") {
		t.Errorf("secrets printed: %s", out)
	}
	if !strings.Contains(out, "redis:6379") || !strings.Contains(out, "2 set") {
		t.Errorf("masked config lost its shape: %s", out)
	}
}

func fmtPairs(kv []any) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(kv[i].(string) + "=" + kv[i+1].(string) + " ")
	}
	return b.String()
}

// The start-up log shows the values in force, not the 0 that derives them.
func TestResolveDerivedSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                      string
		env                       func(string) string
		inflight, queue, memLimit int64
	}{
		{"derived", env("REFEREE_MAX_BODY", "1MiB", "REFEREE_CONCURRENCY", "2", "REFEREE_CACHE_ENTRIES", "1000"), 32 << 20, 128, 64<<20 + 400*1000},
		{"inflight below one body", env("REFEREE_MAX_BODY", "1MiB", "REFEREE_MAX_INFLIGHT_BYTES", "1000", "REFEREE_QUEUE", "5", "REFEREE_MEMORY_LIMIT", "1GiB"), 1 << 20, 5, 1 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := parseConfig("referee serve", nil, tt.env, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			c.resolve()
			if c.MaxInflight != tt.inflight || int64(c.QueueSize) != tt.queue || c.MemoryLimit != tt.memLimit {
				t.Errorf("inflight %d queue %d memory limit %d; want %d %d %d", c.MaxInflight, c.QueueSize, c.MemoryLimit, tt.inflight, tt.queue, tt.memLimit)
			}
		})
	}
}
