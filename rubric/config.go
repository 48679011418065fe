package rubric

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"gopkg.in/yaml.v3"
)

// File is the YAML file of named rubrics (REFEREE_RUBRICS):
//
//	rubrics:
//	  math_with_format:
//	    description: correct answer, in the think/answer format
//	    components:
//	      correct: {verifier: exact_answer}
//	      format:  {verifier: regex, params: {pattern: '(?s)<think>.+</think>\s*<answer>.+</answer>'}}
//	    score: 0.9*correct + 0.1*format
type File struct {
	Rubrics map[string]any `yaml:"rubrics"`
}

// LoadFile reads named rubric definitions from a YAML file, sorted by name.
// It does not compile them.
func LoadFile(path string) ([]Definition, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rubrics: %w", err)
	}
	return ParseFile(b)
}

// ParseFile parses the YAML form of File.
func ParseFile(b []byte) ([]Definition, error) {
	var f File
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse rubrics: %w", err)
	}
	names := make([]string, 0, len(f.Rubrics))
	for n := range f.Rubrics {
		names = append(names, n)
	}
	sort.Strings(names)
	defs := make([]Definition, 0, len(names))
	for _, n := range names {
		// YAML is decoded generically and re-read as JSON so that reference
		// and params keep their JSON form for canonical cache keys.
		j, err := json.Marshal(f.Rubrics[n])
		if err != nil {
			return nil, fmt.Errorf("rubric %q: %w", n, err)
		}
		var d Definition
		if err := json.Unmarshal(j, &d); err != nil {
			return nil, fmt.Errorf("rubric %q: %w", n, err)
		}
		d.Name = n
		defs = append(defs, d)
	}
	return defs, nil
}
