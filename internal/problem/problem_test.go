package problem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/referee/referee/verifiers"
)

func TestFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		typ    string
		field  string
	}{
		{"bad request", Field("response", "is required"), http.StatusBadRequest, "/problems/invalid-request", "response"},
		{"wrapped request error", fmt.Errorf("item 3: %w", Field("verifier", "unknown")), http.StatusBadRequest, "/problems/invalid-request", "verifier"},
		{"invalid params", verifiers.Invalidf("params.mode", "unknown"), http.StatusUnprocessableEntity, "/problems/invalid-input", "params.mode"},
		{"wrapped invalid", fmt.Errorf("prepare: %w", verifiers.Invalidf("reference", "bad")), http.StatusUnprocessableEntity, "/problems/invalid-input", "reference"},
		{"overloaded", verifiers.ErrOverloaded, http.StatusServiceUnavailable, "/problems/overloaded", ""},
		{"timeout", &verifiers.TaskError{Kind: "timeout", Err: context.DeadlineExceeded}, http.StatusGatewayTimeout, "/problems/verifier-timeout", ""},
		{"panic", &verifiers.TaskError{Kind: "panic", Err: errors.New("boom")}, http.StatusInternalServerError, "/problems/verifier-panic", ""},
		{"too large", New(http.StatusRequestEntityTooLarge, "too-large", "Body too large", ""), http.StatusRequestEntityTooLarge, "/problems/too-large", ""},
		{"unknown", errors.New("?"), http.StatusInternalServerError, "/problems/internal", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := From(tt.err)
			if d.Status != tt.status || d.Type != tt.typ {
				t.Errorf("From = %d %s, want %d %s", d.Status, d.Type, tt.status, tt.typ)
			}
			if tt.field != "" && (len(d.Errors) == 0 || d.Errors[0].Field != tt.field) {
				t.Errorf("errors = %+v, want field %q", d.Errors, tt.field)
			}
			if d.Title == "" {
				t.Error("empty title")
			}
		})
	}
}

// Type errors speak JSON, not Go: "want a JSON object", never scoring.Request.
func TestFromJSONTypeErrorsSpeakJSON(t *testing.T) {
	t.Parallel()
	var target struct {
		Response *string  `json:"response"`
		Items    []int    `json:"items"`
		OnError  *float64 `json:"on_error"`
		Inner    struct{} `json:"inner"`
	}
	for body, want := range map[string]string{
		`{"response":5}`:   "want a string, got JSON number",
		`{"items":{}}`:     "want a JSON array, got JSON object",
		`{"on_error":"x"}`: "want a number, got JSON string",
		`{"inner":[]}`:     "want a JSON object, got JSON array",
	} {
		err := FromJSON(json.Unmarshal([]byte(body), &target))
		if len(err.Errors) != 1 || err.Errors[0].Message != want {
			t.Errorf("%s: %+v, want %q", body, err.Errors, want)
		}
	}
}
