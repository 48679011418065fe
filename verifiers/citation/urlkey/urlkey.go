// Package urlkey gives a cited URL its identity: a canonical form (RFC 3986
// normalization plus the WHATWG host rules browsers apply) and the SURT key
// that Common Crawl's and the Internet Archive's CDX indexes sort by.
//
// Two citations name the same page when their canonical forms are equal; a
// snapshot answers for a page under its SURT key.
package urlkey

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// MaxURLBytes bounds a URL we are willing to canonicalize; longer strings in
// a model's answer are not real citations.
const MaxURLBytes = 4096

// ErrInvalid is wrapped by every canonicalization error.
var ErrInvalid = errors.New("invalid URL")

// URL is a canonical http(s) URL split into the parts the SURT key and the
// fetcher need.
type URL struct {
	Scheme string // "http" or "https"
	Host   string // lower-case ASCII (punycode) name, dotted IPv4, or bracketed IPv6
	Port   string // empty when it is the scheme's default
	Path   string // starts with "/", dot segments resolved, escapes normalized
	Query  string // without "?", escapes normalized; empty when absent
}

// String returns the canonical URL.
func (u URL) String() string {
	var b strings.Builder
	b.Grow(len(u.Scheme) + len(u.Host) + len(u.Path) + len(u.Query) + 10)
	b.WriteString(u.Scheme)
	b.WriteString("://")
	b.WriteString(u.Host)
	if u.Port != "" {
		b.WriteByte(':')
		b.WriteString(u.Port)
	}
	b.WriteString(u.Path)
	if u.Query != "" {
		b.WriteByte('?')
		b.WriteString(u.Query)
	}
	return b.String()
}

// HostPort returns host:port with the default port filled in, as a dialer wants it.
func (u URL) HostPort() string {
	port := u.Port
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	h := strings.TrimSuffix(strings.TrimPrefix(u.Host, "["), "]")
	if strings.Contains(h, ":") {
		return "[" + h + "]:" + port
	}
	return h + ":" + port
}

// IP returns the host as an address when it is an IP literal.
func (u URL) IP() (netip.Addr, bool) {
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(u.Host, "["), "]"))
	return a, err == nil
}

// Canonical returns the canonical string form of raw (see Parse).
func Canonical(raw string) (string, error) {
	u, err := Parse(raw)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// Parse canonicalizes an absolute http or https URL: scheme and host are
// lower-cased, the host is converted to punycode (IDNA 2008, UTS 46 lookup),
// IPv4 hosts written in decimal, octal or hex (as browsers accept them) become
// dotted quads and IPv6 hosts their RFC 5952 form, user information, default
// ports and fragments are dropped, dot segments are resolved (RFC 3986
// 5.2.4), and percent-encoding is normalized (unreserved characters decoded,
// hex digits upper-cased, bytes that must be escaped escaped). A URL that
// starts with "www." is taken as http.
func Parse(raw string) (URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return URL{}, fmt.Errorf("%w: empty", ErrInvalid)
	}
	if len(raw) > MaxURLBytes {
		return URL{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalid, MaxURLBytes)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c < 0x20 || c == 0x7f {
			return URL{}, fmt.Errorf("%w: control character", ErrInvalid)
		}
	}
	// WHATWG URL parsing treats backslashes in special schemes as slashes.
	raw = strings.ReplaceAll(raw, "\\", "/")
	var u URL
	colon := strings.IndexByte(raw, ':')
	switch {
	case colon > 0 && validScheme(raw[:colon]):
		u.Scheme = strings.ToLower(raw[:colon])
		raw = raw[colon+1:]
	case hasPrefixFold(raw, "www."):
		u.Scheme = "http"
		raw = "//" + raw
	default:
		return URL{}, fmt.Errorf("%w: no scheme", ErrInvalid)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return URL{}, fmt.Errorf("%w: scheme %q is not http or https", ErrInvalid, u.Scheme)
	}
	raw = strings.TrimLeft(raw, "/")
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	end := strings.IndexAny(raw, "/?")
	if end < 0 {
		end = len(raw)
	}
	authority, rest := raw[:end], raw[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:]
	}
	host, port, err := splitHostPort(authority)
	if err != nil {
		return URL{}, err
	}
	if u.Host, err = canonicalHost(host); err != nil {
		return URL{}, err
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return URL{}, fmt.Errorf("%w: bad port %q", ErrInvalid, port)
		}
		if !(u.Scheme == "http" && n == 80) && !(u.Scheme == "https" && n == 443) {
			u.Port = strconv.FormatUint(n, 10)
		}
	}
	path, query := rest, ""
	hasQuery := false
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		path, query, hasQuery = rest[:i], rest[i+1:], true
	}
	u.Path = removeDotSegments(normalizeEscapes(path, pathSafe))
	if u.Path == "" {
		u.Path = "/"
	}
	if hasQuery {
		u.Query = normalizeEscapes(query, querySafe)
	}
	if n := len(u.Host) + len(u.Path) + len(u.Query) + 16; n > MaxURLBytes {
		return URL{}, fmt.Errorf("%w: longer than %d bytes once escaped", ErrInvalid, MaxURLBytes)
	}
	return u, nil
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c|0x20 >= 'a' && c|0x20 <= 'z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func splitHostPort(a string) (host, port string, err error) {
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", fmt.Errorf("%w: unclosed IPv6 bracket", ErrInvalid)
		}
		host, rest := a[:end+1], a[end+1:]
		if rest == "" {
			return host, "", nil
		}
		if rest[0] != ':' {
			return "", "", fmt.Errorf("%w: junk after IPv6 host", ErrInvalid)
		}
		return host, rest[1:], nil
	}
	if i := strings.LastIndexByte(a, ':'); i >= 0 {
		return a[:i], a[i+1:], nil
	}
	return a, "", nil
}

// canonicalHost applies the WHATWG host parser's steps that change identity:
// percent-decoding, IDNA to ASCII, IPv4 number forms, IPv6 compression.
func canonicalHost(h string) (string, error) {
	if h == "" {
		return "", fmt.Errorf("%w: empty host", ErrInvalid)
	}
	if strings.HasPrefix(h, "[") {
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Errorf("%w: bad IPv6 host %q", ErrInvalid, h)
		}
		return "[" + a.String() + "]", nil
	}
	if strings.IndexByte(h, '%') >= 0 {
		h = unescapeAll(h)
	}
	var ascii string
	var err error
	if isPlainHostname(h) {
		// Letters, digits, hyphens and dots without punycode labels: IDNA
		// maps these to lower case and nothing else, so skip its cost.
		ascii = strings.ToLower(h)
	} else {
		ascii, err = idna.Lookup.ToASCII(h)
	}
	if err != nil {
		// The lookup profile rejects some names registries allow (for
		// example underscores); fall back to lower-casing ASCII names.
		if !isASCII(h) {
			return "", fmt.Errorf("%w: host %q: %v", ErrInvalid, h, err)
		}
		ascii = strings.ToLower(h)
	}
	ascii = strings.TrimSuffix(ascii, ".")
	if ascii == "" || strings.HasPrefix(ascii, ".") || strings.HasSuffix(ascii, ".") || strings.Contains(ascii, "..") {
		return "", fmt.Errorf("%w: empty host label in %q", ErrInvalid, h)
	}
	for i := 0; i < len(ascii); i++ {
		if ascii[i] <= ' ' || ascii[i] == 0x7f {
			return "", fmt.Errorf("%w: forbidden character in host %q", ErrInvalid, ascii)
		}
		switch ascii[i] {
		case ' ', '<', '>', '"', '^', '|', '/', '?', '#', '@', '[', ']', '\\', '%', ':':
			return "", fmt.Errorf("%w: forbidden character in host %q", ErrInvalid, ascii)
		}
	}
	if ip, ok, err := parseIPv4(ascii); err != nil {
		return "", err
	} else if ok {
		return ip, nil
	}
	return ascii, nil
}

// isPlainHostname reports a host of ASCII letters, digits, hyphens and
// dots with no "xn--" label.
func isPlainHostname(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return !strings.Contains(strings.ToLower(h), "xn--")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parseIPv4 implements the WHATWG IPv4 parser: when the last label is a
// number, the host is an IPv4 address whose parts may be decimal, octal
// (leading 0) or hex (0x), and the last part fills the remaining bytes, so
// "2130706433", "0177.1" and "0x7f.0.0.1" are all 127.0.0.1.
func parseIPv4(h string) (string, bool, error) {
	// Quick rejection: a host whose last label does not start with a
	// digit is a name (the common case), with no allocation.
	lastLabel := strings.TrimSuffix(h, ".")
	lastLabel = lastLabel[strings.LastIndexByte(lastLabel, '.')+1:]
	if lastLabel == "" || !(lastLabel[0] >= '0' && lastLabel[0] <= '9') {
		return "", false, nil
	}
	parts := strings.Split(h, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if _, ok := ipv4Number(parts[len(parts)-1]); !ok {
		return "", false, nil
	}
	if len(parts) > 4 {
		return "", false, fmt.Errorf("%w: IPv4 host %q has more than 4 parts", ErrInvalid, h)
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := ipv4Number(p)
		if !ok {
			return "", false, fmt.Errorf("%w: bad IPv4 part %q", ErrInvalid, p)
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return "", false, fmt.Errorf("%w: IPv4 part out of range in %q", ErrInvalid, h)
		}
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return "", false, fmt.Errorf("%w: IPv4 address out of range in %q", ErrInvalid, h)
	}
	v := last
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&255, v>>8&255, v&255), true, nil
}

func ipv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
		if s == "" {
			return 0, true
		}
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	if len(s) > 32 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

func unescapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

const (
	pathSafe  = "/:@!$&'()*+,;="
	querySafe = "/:@!$&'()*+,;=?"
)

func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	default:
		return c | 0x20 - 'a' + 10
	}
}

const hexDigits = "0123456789ABCDEF"

// normalizeEscapes decodes escapes of unreserved characters, upper-cases the
// hex of the others, and escapes every byte that is neither unreserved nor in
// safe (RFC 3986 6.2.2.2). A stray "%" is escaped as "%25".
func normalizeEscapes(s, safe string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if isUnreserved(d) {
				b.WriteByte(d)
			} else {
				b.WriteByte('%')
				b.WriteByte(hexDigits[d>>4])
				b.WriteByte(hexDigits[d&15])
			}
			i += 2
		case isUnreserved(c) || strings.IndexByte(safe, c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// removeDotSegments is RFC 3986 section 5.2.4 over "/"-separated segments.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}

// SURT returns the Sort-friendly URI Reordering Transform key of a canonical
// URL the way Common Crawl's CDX indexes write it: the scheme and a leading
// "www" label are dropped, host labels are reversed and joined by ",", a
// non-default port follows ":", then ")" and the lower-cased path and query
// with query arguments sorted. "https://www.Example.com/A?b=2&a=1" is
// "com,example)/a?a=1&b=2".
func SURT(u URL) string {
	host := u.Host
	var b strings.Builder
	b.Grow(len(host) + len(u.Path) + len(u.Query) + 8)
	if strings.HasPrefix(host, "[") || isDottedQuad(host) {
		b.WriteString(host)
	} else {
		labels := strings.Split(host, ".")
		if len(labels) > 2 && isWWW(labels[0]) {
			labels = labels[1:]
		}
		for i := len(labels) - 1; i >= 0; i-- {
			b.WriteString(labels[i])
			if i > 0 {
				b.WriteByte(',')
			}
		}
	}
	if u.Port != "" {
		b.WriteByte(':')
		b.WriteString(u.Port)
	}
	b.WriteByte(')')
	b.WriteString(strings.ToLower(u.Path))
	if u.Query != "" {
		args := strings.Split(strings.ToLower(u.Query), "&")
		sort.Strings(args)
		b.WriteByte('?')
		b.WriteString(strings.Join(args, "&"))
	}
	return b.String()
}

// Key is SURT(Parse(raw)).
func Key(raw string) (string, error) {
	u, err := Parse(raw)
	if err != nil {
		return "", err
	}
	return SURT(u), nil
}

func isWWW(label string) bool {
	if !strings.HasPrefix(label, "www") {
		return false
	}
	for i := 3; i < len(label); i++ {
		if label[i] < '0' || label[i] > '9' {
			return false
		}
	}
	return true
}

func isDottedQuad(h string) bool {
	a, err := netip.ParseAddr(h)
	return err == nil && a.Is4()
}
