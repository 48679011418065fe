// Package problem maps errors to RFC 9457 problem details, in one place, for
// the HTTP API and for the per-item errors of batch results.
package problem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/referee/referee/verifiers"
)

// Details is an RFC 9457 problem document.
type Details struct {
	Type   string                 `json:"type"`
	Title  string                 `json:"title"`
	Status int                    `json:"status"`
	Detail string                 `json:"detail,omitempty"`
	Errors []verifiers.FieldError `json:"errors,omitempty"`
}

// Error is a request error with a status, title and optional field errors.
// Handlers and the scoring flow return it for anything that is the
// client's fault.
type Error struct {
	Status int
	Type   string
	Title  string
	Detail string
	Errors []verifiers.FieldError
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Title + ": " + e.Detail
	}
	return e.Title
}

// StatusCode returns the HTTP status.
func (e *Error) StatusCode() int { return e.Status }

// BadRequest returns a 400 naming the fields at fault.
func BadRequest(detail string, errs ...verifiers.FieldError) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "invalid-request", Title: "Invalid request", Detail: detail, Errors: errs}
}

// Field returns a 400 for one field.
func Field(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return BadRequest(field+": "+msg, verifiers.FieldError{Field: field, Message: msg})
}

// New returns an error with the given status and title.
func New(status int, typ, title, detail string) *Error {
	return &Error{Status: status, Type: typ, Title: title, Detail: detail}
}

// TypeBase prefixes problem types; they resolve against the service and are
// documented on /docs.
const TypeBase = "/problems/"

// From maps any error to problem details. It is the one place where errors
// become statuses: request errors keep theirs, invalid references, params
// and rubrics are 422, overload is 503, verifier failures at scoring time
// are 504 (deadline) or 500 (panic, internal error), anything else is 500.
func From(err error) Details {
	var pe *Error
	if errors.As(err, &pe) {
		return Details{Type: TypeBase + pe.Type, Title: pe.Title, Status: pe.Status, Detail: pe.Detail, Errors: pe.Errors}
	}
	if ie, ok := verifiers.AsInvalid(err); ok {
		return Details{Type: TypeBase + "invalid-input", Title: "Invalid reference, params or rubric", Status: http.StatusUnprocessableEntity, Detail: ie.Error(), Errors: ie.Errors}
	}
	if errors.Is(err, verifiers.ErrOverloaded) {
		return Details{Type: TypeBase + "overloaded", Title: "Overloaded", Status: http.StatusServiceUnavailable, Detail: "every worker is busy and the queue is full; retry after the Retry-After delay"}
	}
	var te *verifiers.TaskError
	if errors.As(err, &te) {
		switch te.Kind {
		case "timeout", "canceled":
			return Details{Type: TypeBase + "verifier-timeout", Title: "Verifier deadline exceeded", Status: http.StatusGatewayTimeout, Detail: te.Error()}
		case "panic":
			return Details{Type: TypeBase + "verifier-panic", Title: "Verifier failed", Status: http.StatusInternalServerError, Detail: te.Error()}
		}
		return Details{Type: TypeBase + "verifier-error", Title: "Verifier failed", Status: http.StatusInternalServerError, Detail: te.Error()}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Details{Type: TypeBase + "overloaded", Title: "Overloaded", Status: http.StatusServiceUnavailable, Detail: "the request ended while waiting for a worker: " + err.Error()}
	}
	return Details{Type: TypeBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError, Detail: err.Error()}
}

// FromJSON turns an encoding/json decoding error into a 400 that names the
// field or byte offset at fault.
func FromJSON(err error) *Error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return BadRequest(fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(body)"
		}
		return Field(field, "want %s, got JSON %s", jsonKind(te.Type), te.Value)
	case errors.Is(err, io.EOF):
		return BadRequest("the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("malformed JSON: unexpected end of input")
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return Field(f, "unknown field")
	}
	return BadRequest("malformed JSON: " + msg)
}

// jsonKind names what a Go type takes in JSON terms: clients should not
// see scoring.Request or float64.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a JSON value" // json.RawMessage
		}
		return "a JSON array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another value"
}
