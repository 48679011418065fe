// Package openapi embeds referee's OpenAPI 3.1 document, the source of
// truth for the wire format, and renders the /docs page from it.
package openapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Spec is the OpenAPI document as served at /openapi.yaml.
//
//go:embed openapi.yaml
var Spec []byte

//go:embed docs.html.tmpl
var docsTemplate string

// Operation is one route of the spec, as the docs page shows it.
type Operation struct {
	Method, Path, Summary, Description, ID string
	Responses                              []string
	Examples                               []Example
}

// Example is a named request body example.
type Example struct {
	Name, JSON string
}

// Operations parses the spec and returns its routes in document order of
// paths (sorted) and methods.
func Operations() ([]Operation, error) {
	var doc struct {
		Paths map[string]map[string]struct {
			Summary     string `yaml:"summary"`
			Description string `yaml:"description"`
			OperationID string `yaml:"operationId"`
			RequestBody struct {
				Content map[string]struct {
					Examples map[string]struct {
						Value any `yaml:"value"`
					} `yaml:"examples"`
				} `yaml:"content"`
			} `yaml:"requestBody"`
			Responses map[string]any `yaml:"responses"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(Spec, &doc); err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var ops []Operation
	for _, p := range paths {
		for _, m := range []string{"get", "post", "put", "delete"} {
			o, ok := doc.Paths[p][m]
			if !ok {
				continue
			}
			op := Operation{Method: strings.ToUpper(m), Path: p, Summary: o.Summary, Description: o.Description, ID: o.OperationID}
			for code := range o.Responses {
				op.Responses = append(op.Responses, code)
			}
			sort.Strings(op.Responses)
			if c, ok := o.RequestBody.Content["application/json"]; ok {
				names := make([]string, 0, len(c.Examples))
				for n := range c.Examples {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					b, err := json.MarshalIndent(c.Examples[n].Value, "", "  ")
					if err != nil {
						return nil, fmt.Errorf("example %s of %s %s: %w", n, m, p, err)
					}
					op.Examples = append(op.Examples, Example{Name: n, JSON: string(b)})
				}
			}
			ops = append(ops, op)
		}
	}
	return ops, nil
}

// Docs renders the /docs page: every route with its summary, description,
// responses and examples, and a form that sends an example request. It
// needs nothing from the network.
func Docs() ([]byte, error) {
	ops, err := Operations()
	if err != nil {
		return nil, err
	}
	var info struct {
		Info struct {
			Title       string `yaml:"title"`
			Description string `yaml:"description"`
		} `yaml:"info"`
	}
	if err := yaml.Unmarshal(Spec, &info); err != nil {
		return nil, err
	}
	t, err := template.New("docs").Parse(docsTemplate)
	if err != nil {
		return nil, fmt.Errorf("docs template: %w", err)
	}
	var buf bytes.Buffer
	err = t.Execute(&buf, map[string]any{"Title": info.Info.Title, "Description": info.Info.Description, "Ops": ops})
	return buf.Bytes(), err
}
