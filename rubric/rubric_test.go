package rubric

import (
	"strings"
	"testing"

	"github.com/referee/referee/verifiers"
)

func known(name string) bool { return name == "exact_answer" || name == "regex" }

func def(score string) Definition {
	return Definition{
		Components: map[string]Component{
			"correct": {Verifier: "exact_answer"},
			"format":  {Verifier: "regex"},
		},
		Score: score,
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	c := NewCompiler(16)
	tests := []struct {
		expr            string
		correct, format float64
		vars            Vars
		want            float64
	}{
		{"0.9*correct + 0.1*format", 1, 1, Vars{}, 1},
		{"0.9*correct + 0.1*format", 0, 1, Vars{}, 0.1},
		{"correct * format", 1, 0, Vars{}, 0},
		{"correct > 0.5 ? 1 : -1", 0, 0, Vars{}, -1},
		{"correct == 1 && format == 1", 1, 1, Vars{}, 1},
		{"max(correct, format)", 0.2, 0.7, Vars{}, 0.7},
		{"clamp(correct - response_length / 1000.0, 0, 1)", 1, 0, Vars{ResponseLength: 250}, 0.75},
		{"correct - 0.01 * max(response_words - 100, 0)", 1, 0, Vars{ResponseWords: 110}, 0.9},
		{"2", 0, 0, Vars{}, 2},
	}
	for _, tt := range tests {
		r, err := c.Compile(def(tt.expr), "rubric", known)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		got, err := r.Eval(map[string]float64{"correct": tt.correct, "format": tt.format}, tt.vars)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if diff := got - tt.want; diff > 1e-12 || diff < -1e-12 {
			t.Errorf("%s with correct=%v format=%v = %v, want %v", tt.expr, tt.correct, tt.format, got, tt.want)
		}
	}
}

func TestEvalRejectsNonFinite(t *testing.T) {
	t.Parallel()
	r, err := NewCompiler(4).Compile(def("correct / format"), "rubric", known)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []map[string]float64{{"correct": 1, "format": 0}, {"correct": 0, "format": 0}} {
		if got, err := r.Eval(s, Vars{}); err == nil {
			t.Errorf("Eval(%v) = %v, want an error for a non-finite result", s, got)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		def       Definition
		field     string
		msg       string
		line, col int
	}{
		{"syntax error has a position", def("0.9*correct + )"), "rubric.score", "", 1, 15},
		{"unknown name", def("correct + bogus"), "rubric.score", "bogus", 1, 11},
		{"unknown name on line 2", def("correct +\n  bogus"), "rubric.score", "bogus", 2, 3},
		{"disabled builtin", def("len(\"abc\")"), "rubric.score", "len", 0, 0},
		{"range operator", def("correct + len(1..100000000)"), "rubric.score", "", 0, 0},
		{"string ops", def(`"a" + "b"`), "rubric.score", "", 0, 0},
		{"bare function name", def("max"), "rubric.score", "max", 0, 0},
		{"empty score", def(""), "rubric.score", "required", 0, 0},
		{"too many nodes", def(strings.Repeat("correct+", 300) + "correct"), "rubric.score", "", 0, 0},
		{"unknown verifier", Definition{Components: map[string]Component{"a": {Verifier: "nope"}}, Score: "a"}, "rubric.components.a.verifier", "nope", 0, 0},
		{"bad component name", Definition{Components: map[string]Component{"a-b": {Verifier: "regex"}}, Score: "1"}, "rubric.components.a-b", "identifier", 0, 0},
		{"reserved name", Definition{Components: map[string]Component{"response_length": {Verifier: "regex"}}, Score: "1"}, "rubric.components.response_length", "reserved", 0, 0},
		{"literal as a name", Definition{Components: map[string]Component{"true": {Verifier: "regex"}}, Score: "true"}, "rubric.components.true", "reserved", 0, 0},
		{"function as a name", Definition{Components: map[string]Component{"abs": {Verifier: "regex"}}, Score: "abs(-2) + abs"}, "rubric.components.abs", "reserved", 0, 0},
		{"keyword as a name", Definition{Components: map[string]Component{"and": {Verifier: "regex"}}, Score: "1"}, "rubric.components.and", "reserved", 0, 0},
		{"no components", Definition{Score: "1"}, "rubric.components", "at least one", 0, 0},
	}
	c := NewCompiler(16)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Compile(tt.def, "rubric", known)
			ie, ok := verifiers.AsInvalid(err)
			if !ok {
				t.Fatalf("err = %v, want *InvalidError", err)
			}
			fe := ie.Errors[0]
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.msg) {
				t.Errorf("error = %+v, want field %q containing %q", fe, tt.field, tt.msg)
			}
			if tt.line != 0 && (fe.Line != tt.line || fe.Column != tt.col) {
				t.Errorf("position = %d:%d, want %d:%d (%s)", fe.Line, fe.Column, tt.line, tt.col, fe.Message)
			}
		})
	}
}

func TestCompileCachesPrograms(t *testing.T) {
	t.Parallel()
	c := NewCompiler(4)
	a, _ := c.Compile(def("correct"), "rubric", known)
	b, _ := c.Compile(def("correct"), "rubric", known)
	if a.program != b.program {
		t.Error("the same expression and components compiled twice")
	}
}

func TestParseFile(t *testing.T) {
	t.Parallel()
	defs, err := ParseFile([]byte(`
rubrics:
  math_with_format:
    description: correct answer in format
    components:
      correct: {verifier: exact_answer, params: {mode: math}}
      format: {verifier: regex, params: {pattern: '<answer>'}}
    score: 0.9*correct + 0.1*format
  b: {components: {x: {verifier: regex, reference: "r"}}, score: x}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 2 || defs[0].Name != "b" || defs[1].Name != "math_with_format" {
		t.Fatalf("defs = %+v", defs)
	}
	if got := string(defs[1].Components["correct"].Params); got != `{"mode":"math"}` {
		t.Errorf("params = %s", got)
	}
	if got := string(defs[0].Components["x"].Reference); got != `"r"` {
		t.Errorf("reference = %s", got)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"0.9*correct + 0.1*format", "correct ? 1 : 0", "max(correct, 1) ** 2", "clamp(correct,0,1)"} {
		f.Add(s)
	}
	c := NewCompiler(64)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := c.Compile(def(s), "rubric", known)
		if err != nil {
			if _, ok := verifiers.AsInvalid(err); !ok {
				t.Fatalf("compile error is not an InvalidError: %v", err)
			}
			return
		}
		_, _ = r.Eval(map[string]float64{"correct": 1, "format": 0.5}, Vars{ResponseLength: 3})
	})
}
