// Package cache derives canonical cache keys and stores encoded results in
// tiers: an in-process memory tier (always) and an optional remote tier
// (Redis). It knows keys and bytes, not verifiers.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"
)

// Key is a SHA-256 cache key.
type Key [32]byte

// Hex returns the key in lower-case hex, the form responses report.
func (k Key) Hex() string { return hex.EncodeToString(k[:]) }

// String implements fmt.Stringer.
func (k Key) String() string { return k.Hex() }

// IsZero reports whether k is the zero Key, which no derivation produces
// (it would take a SHA-256 preimage of zero) and which so stands for "no
// key".
func (k Key) IsZero() bool { return k == Key{} }

// AppendText appends the key in lower-case hex, nothing for the zero Key.
// It implements encoding.TextAppender.
func (k Key) AppendText(b []byte) ([]byte, error) {
	if k.IsZero() {
		return b, nil
	}
	return hex.AppendEncode(b, k[:]), nil
}

// MarshalText implements encoding.TextMarshaler: hex, or empty for the zero
// Key.
func (k Key) MarshalText() ([]byte, error) { return k.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler: 64 hex digits, or
// empty for the zero Key.
func (k *Key) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*k = Key{}
		return nil
	}
	if len(b) != 2*len(k) {
		return fmt.Errorf("cache key: want %d hex digits, got %d characters", 2*len(k), len(b))
	}
	var d Key
	if _, err := hex.Decode(d[:], b); err != nil {
		return fmt.Errorf("cache key: %w", err)
	}
	*k = d
	return nil
}

// MaxCanonicalDepth bounds the nesting of JSON that Canonical accepts.
const MaxCanonicalDepth = 64

// Canonical returns a canonical encoding of a JSON value: object keys sorted,
// insignificant white space removed, numbers kept as written. Empty input
// and JSON null both canonicalize to "null", so an absent field and an
// explicit null share a key.
func Canonical(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return []byte("null"), nil
	}
	// Fast path for the most common references: plain strings and numbers
	// have exactly one canonical form once re-encoded.
	if raw[0] == '"' && isSimpleString(raw) {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("canonical json: trailing data")
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := writeCanonical(&buf, v, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// isSimpleString reports whether raw is a JSON string with no escapes and
// only printable ASCII or valid UTF-8, which is already canonical.
func isSimpleString(raw []byte) bool {
	if len(raw) < 2 || raw[len(raw)-1] != '"' {
		return false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return utf8.Valid(body)
}

func writeCanonical(buf *bytes.Buffer, v any, depth int) error {
	if depth > MaxCanonicalDepth {
		return fmt.Errorf("canonical json: nesting deeper than %d", MaxCanonicalDepth)
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			if err := writeCanonical(buf, x[k], depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case json.Number:
		buf.WriteString(string(x))
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Errorf("canonical json: %w", err)
		}
		buf.Write(b)
	}
	return nil
}

// TaskKey identifies a prepared task: a verifier at a version with a
// canonical reference and params. Responses of a group share it.
func TaskKey(verifier, version string, canonReference, canonParams []byte) Key {
	return Derive("referee/task/v1", []byte(verifier), []byte(version), canonParams, canonReference)
}

// ResultKey identifies one scored rollout: a task and a response, plus the
// prompt when the verifier reads it (readsPrompt).
func ResultKey(task Key, response string, readsPrompt bool, prompt string) Key {
	var stack [512]byte
	b := appendField(stack[:0], "referee/result/v1")
	b = appendField(b, string(task[:]))
	b = appendField(b, response)
	if readsPrompt {
		b = appendField(b, prompt)
	}
	return sha256.Sum256(b)
}

// Derive hashes a label and parts into a key, for composite results such as
// rubrics whose key depends on their components' keys.
func Derive(label string, parts ...[]byte) Key {
	var stack [512]byte
	b := appendField(stack[:0], label)
	for _, p := range parts {
		b = appendField(b, string(p))
	}
	return sha256.Sum256(b)
}

// appendField length-prefixes every field so that no two different field
// sequences hash the same bytes. Keys are hashed from one buffer (on the
// stack for small inputs) because a streaming hash.Hash allocated on every
// call, on the path of every rollout.
func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
