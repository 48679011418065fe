// Package jsonbody decodes request bodies into Go values: fast where a body
// is valid, and with encoding/json's semantics and errors where it is not.
// The API and the compatibility endpoints decode through it.
package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"

	"github.com/referee/referee/internal/problem"
)

// Decode decodes body into v, which must be a pointer to a zero value.
// Trailing data is an error; with strict, so is an unknown field. Errors
// are problems that name the field.
//
// Valid bodies take goccy/go-json, which decoded a batch 3-4 times faster
// than encoding/json; anything it rejects (or panics on) is decoded again by
// encoding/json into a zeroed v, and encoding/json's errors are the ones
// clients see, so a fast-path bug can cost time but never correctness or a
// 500. Bodies with invalid UTF-8 go straight to encoding/json, which
// replaces it with U+FFFD as the cache keys expect. FuzzDecodeAgreement
// holds the two decoders in agreement.
func Decode(body []byte, v any, strict bool) error {
	if utf8.Valid(body) && fast(body, v, strict) == nil {
		return nil
	}
	// The fast path may have half-filled v.
	reflect.ValueOf(v).Elem().SetZero()
	return std(body, v, strict)
}

func fast(body []byte, v any, strict bool) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("fast decoder panicked")
		}
	}()
	if !strict {
		return gojson.Unmarshal(body, v)
	}
	if strictUnmarshal() {
		return gojson.UnmarshalWithOption(body, v, disallowUnknownFields)
	}
	dec := gojson.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(body[dec.InputOffset():])) != 0 {
		return errors.New("trailing data")
	}
	return nil
}

// disallowUnknownFields is goccy's Decoder.DisallowUnknownFields for
// Unmarshal, which does not offer it: the option's bit is set directly.
// Unmarshal decodes a body in one pass, where the Decoder reads 512 bytes
// at a time and decodes a long batch element by element; that took 16 us
// instead of 6 for a group of 16 MATH-style rollouts.
func disallowUnknownFields(o *gojson.DecodeOption) { o.Flags |= 1 << 4 }

// strictUnmarshal reports whether the bit still means what
// disallowUnknownFields assumes, so that an upgrade of goccy/go-json that
// moves it costs speed (the Decoder is used), never strictness.
var strictUnmarshal = sync.OnceValue(func() bool {
	var probe struct {
		Items []struct {
			Response string `json:"response"`
		} `json:"items"`
	}
	err := gojson.UnmarshalWithOption([]byte(`{"items":[],"referee_probe":1}`), &probe, disallowUnknownFields)
	return err != nil && strings.Contains(err.Error(), "referee_probe") &&
		gojson.UnmarshalWithOption([]byte(`{"items":[{"response":"a"}]}`), &probe, disallowUnknownFields) == nil
})

func std(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if strict && strings.HasPrefix(err.Error(), "json: unknown field ") {
			// encoding/json names the key but not where it is.
			if path, ok := unknownField(body, reflect.TypeOf(v)); ok {
				return problem.Field(path, "unknown field")
			}
		}
		return problem.FromJSON(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return problem.BadRequest("the body has data after the JSON value")
	}
	return nil
}

// unknownField returns the path (options.foo, items[2].qqq) of the first
// object key in body that the Go type t has no field for, walking the body
// and the type together; free-form values (json.RawMessage, maps, any) are
// skipped.
func unknownField(body []byte, t reflect.Type) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	return walk(dec, t, "")
}

var rawMessage = reflect.TypeOf(json.RawMessage(nil))

func walk(dec *json.Decoder, t reflect.Type, path string) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return "", false
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return "", false // a scalar
	}
	switch {
	case delim == '{' && t.Kind() == reflect.Struct:
		for dec.More() {
			k, err := dec.Token()
			key, ok := k.(string)
			if err != nil || !ok {
				return "", false
			}
			p := key
			if path != "" {
				p = path + "." + key
			}
			ft, ok := fieldType(t, key)
			if !ok {
				return p, true
			}
			if found, ok := walk(dec, ft, p); ok {
				return found, true
			}
		}
	case delim == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t != rawMessage:
		for i := 0; dec.More(); i++ {
			if found, ok := walk(dec, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); ok {
				return found, true
			}
		}
	default:
		// Free-form: skip to the matching close.
		for depth := 1; depth > 0; {
			tok, err := dec.Token()
			if err != nil {
				return "", false
			}
			switch tok {
			case json.Delim('{'), json.Delim('['):
				depth++
			case json.Delim('}'), json.Delim(']'):
				depth--
			}
		}
		return "", false
	}
	_, _ = dec.Token() // the closing delimiter
	return "", false
}

// fieldType returns the type of t's field for a JSON key, matched as
// encoding/json does: the tag name or field name, exactly or else
// case-insensitively.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	var fold reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == "-" {
			continue
		} else if tag != "" {
			name = tag
		}
		if name == key {
			return f.Type, true
		}
		if fold == nil && strings.EqualFold(name, key) {
			fold = f.Type
		}
	}
	return fold, fold != nil
}
