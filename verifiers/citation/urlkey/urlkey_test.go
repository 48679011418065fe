package urlkey

import (
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"HTTP://Example.COM", "http://example.com/"},
		{"https://example.com:443/a", "https://example.com/a"},
		{"http://example.com:80/a", "http://example.com/a"},
		{"https://example.com:8443/a", "https://example.com:8443/a"},
		{"https://example.com/a#frag", "https://example.com/a"},
		{"https://example.com/a/./b/../c", "https://example.com/a/c"},
		{"https://example.com/../../a", "https://example.com/a"},
		{"https://example.com/a/..", "https://example.com/"},
		{"https://example.com/%7euser/%41%2f%2F", "https://example.com/~user/A%2F%2F"},
		{"https://example.com/a b", "https://example.com/a%20b"},
		{"https://example.com/caf\u00e9", "https://example.com/caf%C3%A9"},
		{"https://example.com/%zz", "https://example.com/%25zz"},
		{"https://example.com/?", "https://example.com/"},
		{"https://example.com/p?b=2&a=1", "https://example.com/p?b=2&a=1"},
		{"https://user:pw@example.com/", "https://example.com/"},
		{"https://münchen.example/", "https://xn--mnchen-3ya.example/"},
		{"https://EXAMPLE.com./x", "https://example.com/x"},
		{"www.example.com/x", "http://www.example.com/x"},
		{"http://2130706433/", "http://127.0.0.1/"},
		{"http://0177.0.0.1/", "http://127.0.0.1/"},
		{"http://0x7f.1/", "http://127.0.0.1/"},
		{"http://127.1/", "http://127.0.0.1/"},
		{"http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"},
		{"http://[::FFFF:127.0.0.1]:8080/", "http://[::ffff:127.0.0.1]:8080/"},
		{"https:\\\\example.com\\a", "https://example.com/a"},
		{"  https://example.com/x  ", "https://example.com/x"},
	}
	for _, c := range cases {
		got, err := Canonical(c.in)
		if err != nil || got != c.want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestCanonicalRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "example.com/x", "ftp://example.com/", "javascript:alert(1)", "mailto:a@b.c",
		"https://", "https://exa\tmple.com/", "https://[::1/", "https://example.com:99999/",
		"https://example.com:abc/", "http://256.1.1.1.1/", "http://1.2.3.4.5/", "http://4294967296/",
		"https://" + strings.Repeat("a", MaxURLBytes),
	} {
		if got, err := Canonical(in); err == nil {
			t.Errorf("Canonical(%q) = %q, want an error", in, got)
		}
	}
}

func TestSURT(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"https://www.Example.com/A?b=2&a=1", "com,example)/a?a=1&b=2"},
		{"http://example.com", "com,example)/"},
		{"http://www2.example.com/x", "com,example)/x"},
		{"http://www.com/", "com,www)/"},
		{"http://sub.example.co.uk:8080/p", "uk,co,example,sub:8080)/p"},
		{"http://127.0.0.1/x", "127.0.0.1)/x"},
		{"http://[::1]/x", "[::1])/x"},
	}
	for _, c := range cases {
		got, err := Key(c.in)
		if err != nil || got != c.want {
			t.Errorf("Key(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestHostPort(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://example.com/":     "example.com:443",
		"http://example.com:8080/": "example.com:8080",
		"http://[::1]/":            "[::1]:80",
		"http://0x7f000001/":       "127.0.0.1:80",
	} {
		u, err := Parse(in)
		if err != nil || u.HostPort() != want {
			t.Errorf("HostPort(%q) = %q, %v; want %q", in, u.HostPort(), err, want)
		}
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"https://www.Example.com/A?b=2&a=1#x", "http://2130706433/", "https://münchen.example/../a/%7e",
		"http://[::1]:8080/", "www.example.com", "https://a@b@c/", "http://0x.0x.0/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			return
		}
		canon := u.String()
		// Canonicalization is idempotent.
		again, err := Canonical(canon)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", canon, s, err)
		}
		if again != canon {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, canon, again)
		}
		if k := SURT(u); !strings.Contains(k, ")") {
			t.Fatalf("SURT %q of %q has no ')'", k, s)
		}
	})
}
