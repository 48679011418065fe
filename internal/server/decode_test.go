package server

import (
	"encoding/json"
	"reflect"
	"testing"

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
		for _, mk := range []func() any{func() any { return new(scoring.Request) }, func() any { return new(scoring.BatchRequest) }} {
			fast, std := mk(), mk()
			fastErr := fastDecode(body, fast)
			stdErr := stdDecode(body, std)
			if fastErr == nil && stdErr != nil {
				t.Fatalf("fast decoder accepted what encoding/json rejects (%v): %q", stdErr, body)
			}
			if fastErr == nil && !equalJSON(t, fast, std) {
				a, _ := json.Marshal(fast)
				b, _ := json.Marshal(std)
				t.Fatalf("decoders disagree on %q:\nfast %s\nstd  %s", body, a, b)
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
		err := decode([]byte(s), &r, func() any { return new(scoring.Request) })
		stdErr := stdDecode([]byte(s), new(scoring.Request))
		if (err == nil) != (stdErr == nil) {
			t.Errorf("%s: decode %v, encoding/json %v", s, err, stdErr)
		}
	}
}

func stdDecodeLoose(body []byte, v any) error { return json.Unmarshal(body, v) }
