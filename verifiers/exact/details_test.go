package exact

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/referee/referee/verifiers"
)

// The hand-written details encoding is encoding/json's (without HTML
// escaping), field for field.
func TestDetailsJSON(t *testing.T) {
	t.Parallel()
	for _, d := range []details{
		{},
		{Extracted: `\frac{5}{12}`, Extractor: "boxed", Candidates: 1, Normalized: "5/12", ReferenceNormalized: "5/12", Rule: "rational"},
		{Extracted: "x<3 & y>\"2\"\n\u2028\xff", Candidates: 3, Rule: "hedge", Reason: "several different answers: 3 and 4…"},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			t.Fatal(err)
		}
		if got := d.appendJSON(nil); !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Errorf("details %+v:\n got %s\nwant %s", d, got, want.Bytes())
		}
	}
}

// Small tasks and inputs run inline; a large reference, response or prompt
// goes through the engine's deadline.
func TestQuickFor(t *testing.T) {
	t.Parallel()
	small, err := New().Prepare(json.RawMessage(`"\\frac{5}{12}"`), nil)
	if err != nil {
		t.Fatal(err)
	}
	many, err := New().Prepare(json.RawMessage(`["1","2","3","4","5","6","7","8","9"]`), nil)
	if err != nil {
		t.Fatal(err)
	}
	long := string(bytes.Repeat([]byte("a"), quickResponseBytes+1))
	for _, c := range []struct {
		name string
		task any
		in   verifiers.Input
		want bool
	}{
		{"typical", small, verifiers.Input{Prompt: "Find p.", Response: `So $\boxed{\frac{5}{12}}$.`}, true},
		{"long response", small, verifiers.Input{Response: long}, false},
		{"long prompt", small, verifiers.Input{Prompt: long, Response: "5/12"}, false},
		{"many references", many, verifiers.Input{Response: "3"}, false},
	} {
		if got := c.task.(verifiers.QuickInput).QuickFor(c.in); got != c.want {
			t.Errorf("%s: QuickFor = %v, want %v", c.name, got, c.want)
		}
	}
}
