package validation

import (
	"testing"

	"github.com/referee/referee/internal/problem"
)

type opts struct {
	TimeoutMS *int `json:"timeout_ms,omitempty" validate:"omitempty,min=1"`
}

type req struct {
	ID       string  `json:"id" validate:"max=3"`
	Response *string `json:"response" validate:"required"`
	Options  *opts   `json:"options"`
}

func TestValidateNamesJSONFields(t *testing.T) {
	t.Parallel()
	v := New()
	zero, s := 0, "x"
	tests := []struct {
		name  string
		in    req
		field string
	}{
		{"ok", req{Response: &s}, ""},
		{"missing", req{}, "response"},
		{"too long", req{ID: "abcd", Response: &s}, "id"},
		{"nested", req{Response: &s, Options: &opts{TimeoutMS: &zero}}, "options.timeout_ms"},
	}
	for _, tt := range tests {
		err := v.Validate(tt.in)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		pe, ok := err.(*problem.Error)
		if !ok || pe.Status != 400 || pe.Errors[0].Field != tt.field {
			t.Errorf("%s: err = %#v, want 400 naming %q", tt.name, err, tt.field)
		}
	}
}
