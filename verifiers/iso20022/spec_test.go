package iso20022

import (
	"encoding/json"
	"testing"
)

func TestSpecSchemasAreJSON(t *testing.T) {
	s := New().Spec()
	for name, raw := range map[string]json.RawMessage{"reference": s.ReferenceSchema, "params": s.ParamsSchema} {
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Errorf("%s schema: %v", name, err)
		}
	}
	if s.Name != "iso20022_mt103" || s.ReadsPrompt {
		t.Errorf("spec %+v", s)
	}
}
