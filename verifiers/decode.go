package verifiers

import (
	"bytes"
	"encoding/json"
	"errors"
)

// StringOrList decodes a reference that is a string or a non-empty list of
// strings, within maxBytes in total. field names the reference in errors.
func StringOrList(raw json.RawMessage, field string, maxBytes int) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, Invalidf(field, "is required: a string or a list of strings")
	}
	if len(raw) > maxBytes {
		return nil, Invalidf(field, "is %d bytes, over the limit of %d", len(raw), maxBytes)
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, Invalidf(field, "%v", err)
		}
		return []string{s}, nil
	case '[':
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, Invalidf(field, "want a list of strings: %v", err)
		}
		if len(list) == 0 {
			return nil, Invalidf(field, "list is empty")
		}
		return list, nil
	}
	return nil, Invalidf(field, "want a string or a list of strings, got %s", kind(raw[0]))
}

// DecodeParams decodes a params object into v, rejecting unknown fields so a
// typo in a param name is a 422 and not a silently ignored setting. Empty or
// null params leave v untouched.
func DecodeParams(raw json.RawMessage, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Invalidf("params."+te.Field, "want %s, got %s", te.Type, te.Value)
		}
		return Invalidf("params", "%v", err)
	}
	return nil
}

func kind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
