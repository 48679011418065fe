package verifiers

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError names one invalid field of a reference, params or rubric, with
// an optional position inside that field's text (1-based; 0 when unknown).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

// InvalidError reports that a task author's input (reference, params, rubric)
// is invalid. The HTTP layer maps it to 422 with one entry per FieldError.
type InvalidError struct {
	Errors []FieldError
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Field + ": " + fe.Message
		if fe.Line > 0 {
			parts[i] += fmt.Sprintf(" (line %d, column %d)", fe.Line, fe.Column)
		}
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Invalidf returns an *InvalidError for one field, e.g.
// Invalidf("params.mode", "unknown mode %q", m).
func Invalidf(field, format string, args ...any) error {
	return &InvalidError{Errors: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// Invalid returns an *InvalidError holding errs, or nil when errs is empty.
func Invalid(errs ...FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	return &InvalidError{Errors: errs}
}

// AsInvalid reports whether err is or wraps an *InvalidError.
func AsInvalid(err error) (*InvalidError, bool) {
	var ie *InvalidError
	ok := errors.As(err, &ie)
	return ie, ok
}
