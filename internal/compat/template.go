package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A template is a grader string with {{ ... }} references to the sample and
// the item, as OpenAI graders write them:
//
//	{{ sample.output_text }}        the model's output
//	{{ sample.output_json.a.b }}    a field of the output parsed as JSON
//	{{ item.a.b }}                  a field of the dataset item
//
// A string value is inserted as is; any other value as compact JSON.
type template struct {
	parts []tmplPart
}

type tmplPart struct {
	text string   // literal text, when path is nil
	root string   // "output_text", "output_json" or "item"
	path []string // fields below root
	ref  string   // the reference as written, for errors
}

var tmplRE = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// parseTemplate checks a template's syntax and references. field names it
// in errors.
func parseTemplate(s, field string) (template, error) {
	var t template
	last := 0
	for _, m := range tmplRE.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > last {
			t.parts = append(t.parts, tmplPart{text: s[last:m[0]]})
		}
		last = m[1]
		ref := s[m[2]:m[3]]
		segs := strings.Split(ref, ".")
		p := tmplPart{ref: ref}
		switch {
		case len(segs) == 2 && segs[0] == "sample" && segs[1] == "output_text":
			p.root = "output_text"
		case len(segs) >= 2 && segs[0] == "sample" && segs[1] == "output_json":
			p.root, p.path = "output_json", segs[2:]
		case segs[0] == "item":
			p.root, p.path = "item", segs[1:]
		default:
			return t, fmt.Errorf("%s: unknown template variable {{ %s }}: use sample.output_text, sample.output_json.FIELD or item.FIELD", field, ref)
		}
		for _, seg := range p.path {
			if seg == "" {
				return t, fmt.Errorf("%s: empty field name in {{ %s }}", field, ref)
			}
		}
		t.parts = append(t.parts, p)
	}
	rest := s[last:]
	if strings.Contains(rest, "{{") {
		return t, fmt.Errorf("%s: unclosed or malformed {{ in template", field)
	}
	if rest != "" {
		t.parts = append(t.parts, tmplPart{text: rest})
	}
	return t, nil
}

// env is what templates are rendered against.
type env struct {
	outputText string
	outputJSON any // nil when the sample is not JSON
	jsonErr    error
	item       any
}

// varError is a template reference that does not resolve.
type varError struct{ msg string }

func (e *varError) Error() string { return e.msg }

// sampleError is a template that reads output_json of a sample that is not
// JSON.
type sampleError struct{ msg string }

func (e *sampleError) Error() string { return e.msg }

func (t template) render(e *env) (string, error) {
	if len(t.parts) == 1 && t.parts[0].root == "" {
		return t.parts[0].text, nil
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.root == "" {
			b.WriteString(p.text)
			continue
		}
		var v any
		switch p.root {
		case "output_text":
			b.WriteString(e.outputText)
			continue
		case "output_json":
			if e.jsonErr != nil {
				return "", &sampleError{fmt.Sprintf("{{ %s }}: the model sample is not JSON: %v", p.ref, e.jsonErr)}
			}
			v = e.outputJSON
		case "item":
			v = e.item
		}
		v, err := lookupPath(v, p.path)
		if err != nil {
			return "", &varError{fmt.Sprintf("{{ %s }}: %v", p.ref, err)}
		}
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		default:
			j, _ := json.Marshal(x)
			b.Write(j)
		}
	}
	return b.String(), nil
}

func lookupPath(v any, path []string) (any, error) {
	for i, seg := range path {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[seg]
			if !ok {
				return nil, fmt.Errorf("no field %q", strings.Join(path[:i+1], "."))
			}
			v = next
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(x) {
				return nil, fmt.Errorf("%q is not an index of a list of %d", strings.Join(path[:i+1], "."), len(x))
			}
			v = x[n]
		default:
			return nil, fmt.Errorf("%q: not an object", strings.Join(path[:i], "."))
		}
	}
	if v == nil {
		return nil, fmt.Errorf("is null or missing")
	}
	return v, nil
}

// decodeAny decodes JSON keeping numbers exact.
func decodeAny(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}
