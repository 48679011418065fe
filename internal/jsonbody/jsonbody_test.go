package jsonbody

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/referee/referee/internal/problem"
	"github.com/referee/referee/internal/scoring"
)

var decodeSeeds = []string{
	`{"verifier":"string_match","reference":"a","response":"a"}`,
	`{"defaults":{"verifier":"string_match","reference":{"b":[1,2.5e3,null]}},"items":[{"id":"1","response":"x\u0000y"},{"response":"\ud83d\ude00"}]}`,
	`{"rubric":{"components":{"a":{"verifier":"regex","params":{"pattern":"x"}}},"score":"a"},"response":"a","options":{"cache":false,"timeout_ms":5,"on_error":-1}}`,
	`{"Response":"case"}`,
	`{"response":"a","response":"b"}`,
	`{"response":5}`,
	`{"items":[{"response":"a"}]} trailing`,
	`{"prompt":null,"response":"a","reference":null}`,
	`{"response":"\ud800"}`,
	`[]`, `null`, `{`, `{"response":"a",}`,
}

// FuzzDecodeAgreement holds the fast decoder to encoding/json: whenever it
// accepts a body, encoding/json accepts it too and produces the same value.
func FuzzDecodeAgreement(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, strict := range []bool{true, false} {
			for _, mk := range []func() any{func() any { return new(scoring.Request) }, func() any { return new(scoring.BatchRequest) }} {
				fv, sv := mk(), mk()
				fastErr := fast(body, fv, strict)
				stdErr := std(body, sv, strict)
				if fastErr == nil && stdErr != nil {
					t.Fatalf("fast decoder (strict %v) accepted what encoding/json rejects (%v): %q", strict, stdErr, body)
				}
				if fastErr == nil && !equalJSON(t, fv, sv) {
					a, _ := json.Marshal(fv)
					b, _ := json.Marshal(sv)
					t.Fatalf("decoders (strict %v) disagree on %q:\nfast %s\nstd  %s", strict, body, a, b)
				}
			}
		}
	})
}

// equalJSON compares decoded requests, reading raw messages as JSON values.
func equalJSON(t *testing.T, a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	return reflect.DeepEqual(va, vb)
}

func TestDecodeFallsBackForErrors(t *testing.T) {
	t.Parallel()
	for _, s := range decodeSeeds {
		var r scoring.Request
		err := Decode([]byte(s), &r, true)
		stdErr := std([]byte(s), new(scoring.Request), true)
		if (err == nil) != (stdErr == nil) {
			t.Errorf("%s: decode %v, encoding/json %v", s, err, stdErr)
		}
	}
}

// The one-pass decoder is strict: the bit it sets still rejects unknown
// fields in this version of goccy/go-json.
func TestStrictUnmarshal(t *testing.T) {
	t.Parallel()
	if !strictUnmarshal() {
		t.Fatal("goccy/go-json's unknown-fields bit moved: update disallowUnknownFields (decoding fell back to the slower Decoder)")
	}
	for _, body := range []string{
		`{"response":"a","respons":"b"}`,
		`{"items":[{"response":"a","options":{"cache":true,"ttl":5}}]}`,
		`{"defaults":{"verifier":"v","extra":1},"items":[]}`,
	} {
		for _, v := range []any{new(scoring.Request), new(scoring.BatchRequest)} {
			if err := fast([]byte(body), v, true); err == nil {
				t.Errorf("fast(%s) into %T accepted an unknown field", body, v)
			}
		}
	}
}

// An unknown field is named by its path in the body, not only its key.
func TestUnknownFieldPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body  string
		batch bool
		field string
	}{
		{`{"verifier":"v","response":"x","options":{"foo":1}}`, false, "options.foo"},
		{`{"verifier":"v","response":"x","zzz":1}`, false, "zzz"},
		// params is free-form: its keys are the verifier's business.
		{`{"params":{"foo":1},"response":"x","options":{"foo":2}}`, false, "options.foo"},
		{`{"defaults":{"zzz":1},"items":[]}`, true, "defaults.zzz"},
		{`{"items":[{"response":"a"},{"response":"b","qqq":1}]}`, true, "items[1].qqq"},
		{`{"items":[{"response":"a","options":{"cachex":true}}]}`, true, "items[0].options.cachex"},
	}
	for _, tt := range tests {
		var v any = new(scoring.Request)
		if tt.batch {
			v = new(scoring.BatchRequest)
		}
		err := Decode([]byte(tt.body), v, true)
		var pe *problem.Error
		if !errors.As(err, &pe) || len(pe.Errors) != 1 || pe.Errors[0].Field != tt.field {
			t.Errorf("%s: %v, want an unknown field %s", tt.body, err, tt.field)
		}
	}
}
