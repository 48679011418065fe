package openapi

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestSpecIsValid(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDocsRendersEveryRoute(t *testing.T) {
	t.Parallel()
	page, err := Docs()
	if err != nil {
		t.Fatal(err)
	}
	ops, _ := Operations()
	if len(ops) < 11 {
		t.Fatalf("%d operations, want every route", len(ops))
	}
	for _, op := range ops {
		if !strings.Contains(string(page), `data-path="`+op.Path+`"`) {
			t.Errorf("docs page misses %s %s", op.Method, op.Path)
		}
	}
	if strings.Contains(string(page), "http://") || strings.Contains(string(page), "https://") {
		t.Error("docs page refers to the network; it must work offline")
	}
}
