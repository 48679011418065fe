package iso20022

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/verifiertest"
)

// FuzzScore scores arbitrary responses in both directions and in syntax
// mode: no panic, a score in [0,1], valid JSON details.
func FuzzScore(f *testing.F) {
	verifiertest.Seed(f, verifiertest.Load(f, "testdata/cases"))
	for _, p := range loadPairs(f) {
		f.Add(p.MT103)
		f.Add(p.Pacs008)
	}
	v := New()
	var tasks []verifiers.Task
	for _, c := range []struct{ ref, params string }{
		{string(exampleRefJSON()), `{}`},
		{string(jsonString(exampleMT)), `{"direction":"mt_to_mx"}`},
		{`null`, `{"check":"syntax"}`},
		{`null`, `{"check":"syntax","direction":"mt_to_mx"}`},
	} {
		task, err := v.Prepare(json.RawMessage(c.ref), json.RawMessage(c.params))
		if err != nil {
			f.Fatal(err)
		}
		tasks = append(tasks, task)
	}
	f.Fuzz(func(t *testing.T, response string) {
		for _, task := range tasks {
			res, err := task.Score(context.Background(), verifiers.Input{Response: response})
			if err != nil {
				t.Fatal(err)
			}
			verifiertest.CheckResult(t, res)
		}
	})
}

// FuzzParseMT runs the MT parser and validator on arbitrary text.
func FuzzParseMT(f *testing.F) {
	for _, p := range loadPairs(f) {
		f.Add(p.MT103)
		f.Add(p.MT103OutputHeader)
	}
	f.Add("{1:F01}{2:I103}{3:{121:x}}{4:\n:20:\n-}{5:{CHK:}}")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxMTBytes {
			return
		}
		m, ok := parseMT(s, 1)
		if !ok {
			return
		}
		viol, bad := validateMT(m)
		if len(bad) != len(m.Fields) {
			t.Fatalf("bad flags %d for %d fields", len(bad), len(m.Fields))
		}
		for _, v := range viol {
			if v.Code == "" {
				t.Fatalf("violation without code: %+v", v)
			}
		}
		_ = mtShapes(m)
	})
}

// FuzzReadPacs008 runs the pacs.008 reader and the mapping on arbitrary XML.
func FuzzReadPacs008(f *testing.F) {
	for _, p := range loadPairs(f) {
		f.Add(p.Pacs008)
	}
	f.Add(examplePacs)
	f.Add(`<!DOCTYPE a [<!ENTITY b "c">]><Document>&b;</Document>`)
	f.Fuzz(func(t *testing.T, s string) {
		msg, err := readPacs008(s)
		if err != nil {
			return
		}
		_ = validatePacs(msg)
		_ = mtView(msg)
	})
}
