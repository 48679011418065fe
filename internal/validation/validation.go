// Package validation wraps go-playground/validator so that request
// validation errors name JSON fields and become 400 problem details.
package validation

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/referee/referee/internal/problem"
	"github.com/referee/referee/verifiers"
)

// Validator validates request structs by their `validate` tags. One is made
// per process; it is safe for concurrent use.
type Validator struct {
	v *validator.Validate
}

// New returns a Validator whose errors name fields by their JSON names.
func New() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	return &Validator{v: v}
}

// Validate checks s and returns nil or a 400 *problem.Error listing every
// failing field. It implements echo.Validator.
func (v *Validator) Validate(s any) error {
	err := v.v.Struct(s)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return problem.BadRequest(err.Error())
	}
	fes := make([]verifiers.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		fes = append(fes, verifiers.FieldError{Field: fieldPath(fe.Namespace()), Message: message(fe)})
	}
	return problem.BadRequest(fes[0].Field+": "+fes[0].Message, fes...)
}

// fieldPath drops the root struct's name: "Request.options.timeout_ms"
// becomes "options.timeout_ms".
func fieldPath(ns string) string {
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

func message(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "min":
		return fmt.Sprintf("must be at least %s", fe.Param())
	case "max":
		if fe.Kind() == reflect.String {
			return fmt.Sprintf("must be at most %s characters", fe.Param())
		}
		return fmt.Sprintf("must be at most %s", fe.Param())
	}
	return fmt.Sprintf("failed the %q rule", fe.Tag())
}
