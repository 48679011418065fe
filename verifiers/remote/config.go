package remote

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"
)

// File is the remote_verifiers section of referee's YAML config file. It
// may share a file with the rubrics section:
//
//	remote_verifiers:
//	  - name: unit_tests
//	    url: http://verifier.internal:9000
//	    version: "3"
//	    timeout: 20s
//	    concurrency: 32
//	    reads_prompt: false
//	    prepare: true
//	    headers: {Authorization: "Bearer ${UNIT_TESTS_TOKEN}"}
//	    reference_schema: {type: string}
type File struct {
	RemoteVerifiers []fileEntry `yaml:"remote_verifiers"`
}

type fileEntry struct {
	Config          `yaml:",inline"`
	ReferenceSchema any `yaml:"reference_schema"`
	ParamsSchema    any `yaml:"params_schema"`
}

// LoadFile reads the remote_verifiers section of a YAML file and builds the
// verifiers. getenv expands ${VAR} in header values, so secrets stay out of
// the file.
func LoadFile(path string, getenv func(string) string, reg prometheus.Registerer) ([]*Verifier, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read remote verifiers: %w", err)
	}
	return Parse(b, getenv, reg)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Parse is LoadFile on the file's content. A file without the section
// yields no verifiers.
func Parse(b []byte, getenv func(string) string, reg prometheus.Registerer) ([]*Verifier, error) {
	var f File
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse remote_verifiers: %w", err)
	}
	seen := map[string]bool{}
	var out []*Verifier
	for i, e := range f.RemoteVerifiers {
		cfg := e.Config
		if seen[cfg.Name] {
			return nil, fmt.Errorf("remote_verifiers[%d]: name %q is used twice", i, cfg.Name)
		}
		seen[cfg.Name] = true
		var err error
		if cfg.ReferenceSchema, err = schemaJSON(e.ReferenceSchema); err != nil {
			return nil, fmt.Errorf("remote_verifiers[%d].reference_schema: %w", i, err)
		}
		if cfg.ParamsSchema, err = schemaJSON(e.ParamsSchema); err != nil {
			return nil, fmt.Errorf("remote_verifiers[%d].params_schema: %w", i, err)
		}
		if len(cfg.Headers) > 0 {
			h := make(map[string]string, len(cfg.Headers))
			for k, v := range cfg.Headers {
				h[k] = envRef.ReplaceAllStringFunc(v, func(m string) string {
					if getenv == nil {
						return ""
					}
					return getenv(m[2 : len(m)-1])
				})
			}
			cfg.Headers = h
		}
		cfg.Registerer = reg
		v, err := New(cfg)
		if err != nil {
			return nil, fmt.Errorf("remote_verifiers[%d]: %w", i, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func schemaJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}
