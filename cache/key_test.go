package cache

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty is null", ``, `null`},
		{"null", ` null `, `null`},
		{"simple string kept", `"Paris"`, `"Paris"`},
		{"escaped string re-encoded", `"a\u0062c"`, `"abc"`},
		{"keys sorted", `{"b":1,"a":{"d":2,"c":3}}`, `{"a":{"c":3,"d":2},"b":1}`},
		{"white space dropped", "{ \"a\" : [ 1 , 2 ] }\n", `{"a":[1,2]}`},
		{"numbers as written", `{"x":1.50}`, `{"x":1.50}`},
		{"html chars kept stable", `"<a>"`, `"\u003ca\u003e"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical(json.RawMessage(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Canonical(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{`, `{"a":1} x`, strings.Repeat("[", 100) + strings.Repeat("]", 100)} {
		if _, err := Canonical(json.RawMessage(in)); err == nil {
			t.Errorf("Canonical(%.20s) succeeded, want error", in)
		}
	}
}

func TestKeysIgnoreJSONLayout(t *testing.T) {
	t.Parallel()
	canon := func(s string) []byte {
		b, err := Canonical(json.RawMessage(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := TaskKey("v", "1", canon(`{"x":1,"y":[1,2]}`), canon(`{"mode":"a","n":2}`))
	b := TaskKey("v", "1", canon("{ \"y\": [1, 2], \"x\": 1 }"), canon(`{"n":2,"mode":"a"}`))
	if a != b {
		t.Fatal("key order and white space changed the task key")
	}
	if c := TaskKey("v", "2", canon(`{"x":1,"y":[1,2]}`), canon(`{"mode":"a","n":2}`)); c == a {
		t.Fatal("version does not change the task key")
	}
	if TaskKey("v", "1", []byte(`"ab"`), []byte(`"c"`)) == TaskKey("v", "1", []byte(`"a`), []byte(`b""c"`)) {
		t.Fatal("field boundaries are ambiguous")
	}
	r1 := ResultKey(a, "resp", false, "p1")
	if r2 := ResultKey(a, "resp", false, "p2"); r1 != r2 {
		t.Fatal("prompt changed the key of a verifier that does not read it")
	}
	if r3 := ResultKey(a, "resp", true, "p1"); r3 == r1 || r3 == ResultKey(a, "resp", true, "p2") {
		t.Fatal("prompt must be part of the key when the verifier reads it")
	}
	if len(r1.Hex()) != 64 {
		t.Fatalf("hex key %q is not 64 characters", r1.Hex())
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,"x",null,true]`, `"s"`, `1e3`, `{"b":{"a":[]}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c1, err := Canonical(json.RawMessage(in))
		if err != nil {
			return
		}
		// Canonical form is a fixed point.
		c2, err := Canonical(c1)
		if err != nil || string(c1) != string(c2) {
			t.Fatalf("not idempotent: %s -> %s (%v)", c1, c2, err)
		}
	})
}

func TestKeyText(t *testing.T) {
	t.Parallel()
	k := TaskKey("v", "1", []byte(`"r"`), []byte("null"))
	text, err := k.MarshalText()
	if err != nil || string(text) != k.Hex() || len(text) != 64 {
		t.Fatalf("MarshalText = %q, %v; want the 64-digit hex %q", text, err, k.Hex())
	}
	var back Key
	if err := back.UnmarshalText(text); err != nil || back != k {
		t.Fatalf("UnmarshalText(%q) = %v, %v; want %v", text, back, err, k)
	}
	if text, _ := (Key{}).MarshalText(); len(text) != 0 {
		t.Errorf("the zero Key encodes as %q, want empty", text)
	}
	if err := back.UnmarshalText(nil); err != nil || !back.IsZero() {
		t.Errorf("empty text decodes to %v, %v; want the zero Key", back, err)
	}
	for _, bad := range []string{"ab", strings.Repeat("g", 64), strings.Repeat("a", 66)} {
		if err := back.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) succeeded, want an error", bad)
		}
	}
}
