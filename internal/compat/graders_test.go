package compat_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

const runPath = "/v1/fine_tuning/alpha/graders/run"

func runBody(grader, sample, item string) string {
	b, _ := json.Marshal(sample)
	s := `{"grader":` + grader + `,"model_sample":` + string(b)
	if item != "" {
		s += `,"item":` + item
	}
	return s + "}"
}

func TestGraderRun(t *testing.T) {
	t.Parallel()
	v := newEnv(t, nil)
	tests := []struct {
		name, grader, sample, item string
		reward                     float64
		subRewards                 map[string]float64
	}{
		{"string_check eq", `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"{{ item.answer }}","operation":"eq"}`, "Paris", `{"answer":"Paris"}`, 1, nil},
		{"string_check eq differs in case", `{"type":"string_check","name":"g","input":"{{sample.output_text}}","reference":"paris","operation":"eq"}`, "Paris", "", 0, nil},
		{"string_check ne", `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"Lyon","operation":"ne"}`, "Paris", "", 1, nil},
		{"string_check like", `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"Paris","operation":"like"}`, "It is Paris.", "", 1, nil},
		{"string_check like is case-sensitive", `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"paris","operation":"like"}`, "It is Paris.", "", 0, nil},
		{"string_check ilike", `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"paris","operation":"ilike"}`, "It is PARIS.", "", 1, nil},
		{"output_json field", `{"type":"string_check","name":"g","input":"{{ sample.output_json.city }}","reference":"{{ item.labels.0 }}","operation":"eq"}`, `{"city":"Paris"}`, `{"labels":["Paris"]}`, 1, nil},
		{"non-string item value as JSON", `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"{{ item.n }}","operation":"eq"}`, `42`, `{"n":42}`, 1, nil},
		{"fuzzy_match", `{"type":"text_similarity","name":"g","input":"{{ sample.output_text }}","reference":"sitting","evaluation_metric":"fuzzy_match"}`, "kitten", "", 8.0 / 13, nil},
		{"rouge_l", `{"type":"text_similarity","name":"g","input":"{{ sample.output_text }}","reference":"the cat on the mat","evaluation_metric":"rouge_l"}`, "The cat sat on the mat", "", 10.0 / 11, nil},
		{"bleu identical", `{"type":"text_similarity","name":"g","input":"{{ sample.output_text }}","reference":"the quick brown fox jumps","evaluation_metric":"bleu"}`, "the quick brown fox jumps", "", 1, nil},
		{"multi", `{"type":"multi","name":"m","graders":{"exact":{"type":"string_check","name":"e","input":"{{ sample.output_text }}","reference":"{{ item.a }}","operation":"eq"},"sim":{"type":"text_similarity","name":"s","input":"{{ sample.output_text }}","reference":"{{ item.a }}","evaluation_metric":"rouge_1"}},"calculate_output":"0.5 * exact + 0.5 * sim"}`,
			"a b", `{"a":"a b c d"}`, 0.5 * (2.0 / 3), map[string]float64{"exact": 0, "sim": 2.0 / 3}},
		{"multi with sqrt, exp, ^ and max", `{"type":"multi","name":"m","graders":{"x":{"type":"string_check","name":"x","input":"{{ sample.output_text }}","reference":"a","operation":"eq"}},"calculate_output":"sqrt(x * 4) + exp(0) * max(x, 0.5) ^ 2"}`,
			"a", "", 3, map[string]float64{"x": 1}},
		{"referee grader", `{"type":"referee","name":"r","verifier":"string_match","reference":["{{ item.answer }}","Paname"],"params":{"mode":"normalized"}}`, "paris!", `{"answer":"Paris"}`, 1, nil},
		{"referee grader with a rubric", `{"type":"referee","name":"r","rubric":"answer_and_format","reference":"{{ item.answer }}"}`, "<answer>Paris</answer>", `{"answer":"Paris"}`, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := v.post(t, runPath, runBody(tt.grader, tt.sample, tt.item))
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			if got := r.body["reward"].(float64); math.Abs(got-tt.reward) > 1e-9 {
				t.Errorf("reward %v, want %v: %s", got, tt.reward, r.raw)
			}
			md := r.body["metadata"].(map[string]any)
			for _, k := range []string{"name", "type", "errors", "execution_time", "scores"} {
				if _, ok := md[k]; !ok {
					t.Errorf("metadata has no %q", k)
				}
			}
			for k, e := range md["errors"].(map[string]any) {
				if e == true {
					t.Errorf("metadata.errors.%s is set: %s", k, r.raw)
				}
			}
			sub := r.body["sub_rewards"].(map[string]any)
			for name, want := range tt.subRewards {
				if got, _ := sub[name].(float64); math.Abs(got-want) > 1e-9 {
					t.Errorf("sub_rewards.%s %v, want %v", name, sub[name], want)
				}
			}
		})
	}
}

// TestGraderRunSampleErrors covers errors that OpenAI reports inside a 200:
// the grader is fine, the sample or item is not.
func TestGraderRunSampleErrors(t *testing.T) {
	t.Parallel()
	v := newEnv(t, nil)
	tests := []struct {
		name, grader, sample, item, flag string
	}{
		{"missing item field", `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"{{ item.answer }}","operation":"eq"}`, "x", `{"other":1}`, "invalid_variable_error"},
		{"no item at all", `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"{{ item.answer }}","operation":"eq"}`, "x", "", "invalid_variable_error"},
		{"sample is not JSON", `{"type":"string_check","name":"g","input":"{{ sample.output_json.a }}","reference":"x","operation":"eq"}`, "not json", "", "sample_parse_error"},
		{"verifier deadline", `{"type":"referee","name":"s","verifier":"slow"}`, "x", "", "unresponsive_reward_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := v.post(t, runPath, runBody(tt.grader, tt.sample, tt.item))
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			errs := r.body["metadata"].(map[string]any)["errors"].(map[string]any)
			if errs[tt.flag] != true {
				t.Errorf("metadata.errors.%s not set: %s", tt.flag, r.raw)
			}
			if errs["referee_error_details"] == nil {
				t.Errorf("no referee_error_details: %s", r.raw)
			}
			if r.body["reward"].(float64) != 0 {
				t.Errorf("reward %v, want 0", r.body["reward"])
			}
		})
	}
}

func TestGraderErrors(t *testing.T) {
	t.Parallel()
	v := newEnv(t, nil)
	sc := func(op string) string {
		return `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"a","operation":"` + op + `"}`
	}
	tests := []struct {
		name, grader string
		status       int
		field        string
		detail       string
		line, column float64
	}{
		{"unknown grader type", `{"type":"banana","name":"g"}`, 400, "grader.type", "unknown grader type", 0, 0},
		{"hosted model type", `{"type":"score_model","name":"g","model":"gpt-4o","input":[]}`, 400, "grader.type", "not supported", 0, 0},
		{"python type", `{"type":"python","name":"g","source":"def grade(s, i): return 1"}`, 400, "grader.type", "remote verifier", 0, 0},
		{"type missing", `{"name":"g"}`, 400, "grader.type", "required", 0, 0},
		{"grader missing", `null`, 400, "grader", "required", 0, 0},
		{"name missing", `{"type":"string_check","input":"{{ sample.output_text }}","reference":"a","operation":"eq"}`, 400, "grader.name", "required", 0, 0},
		{"bad operation", sc("glob"), 400, "grader.operation", "eq, ne, like or ilike", 0, 0},
		{"unknown field", `{"type":"string_check","name":"g","input":"x","reference":"a","operation":"eq","weight":2}`, 400, "grader.weight", "unknown field", 0, 0},
		{"cosine declined", `{"type":"text_similarity","name":"g","input":"{{ sample.output_text }}","reference":"a","evaluation_metric":"cosine"}`, 400, "grader.evaluation_metric", "embedding model", 0, 0},
		{"unknown metric", `{"type":"text_similarity","name":"g","input":"{{ sample.output_text }}","reference":"a","evaluation_metric":"rouge_9"}`, 400, "grader.evaluation_metric", "unknown evaluation_metric", 0, 0},
		{"unknown template variable", `{"type":"string_check","name":"g","input":"{{ sample.text }}","reference":"a","operation":"eq"}`, 400, "grader.input", "unknown template variable", 0, 0},
		{"unclosed template", `{"type":"string_check","name":"g","input":"{{ sample.output_text","reference":"a","operation":"eq"}`, 400, "grader.input", "unclosed", 0, 0},
		{"bad formula syntax", `{"type":"multi","name":"m","graders":{"a":` + sc("eq") + `},"calculate_output":"a +* 2"}`, 400, "grader.calculate_output", "", 1, 4},
		{"formula names an unknown grader", `{"type":"multi","name":"m","graders":{"a":` + sc("eq") + `},"calculate_output":"a + b"}`, 400, "grader.calculate_output", "unknown name", 1, 5},
		{"formula uses log", `{"type":"multi","name":"m","graders":{"a":` + sc("eq") + `},"calculate_output":"0.5 + log(a)"}`, 400, "grader.calculate_output", "log is not supported", 1, 7},
		{"formula missing", `{"type":"multi","name":"m","graders":{"a":` + sc("eq") + `}}`, 400, "grader.calculate_output", "required", 0, 0},
		{"nested multi", `{"type":"multi","name":"m","graders":{"a":{"type":"multi","name":"n","graders":{"b":` + sc("eq") + `},"calculate_output":"b"}},"calculate_output":"a"}`, 400, "grader.graders.a.type", "nested", 0, 0},
		{"sub-grader name not an identifier", `{"type":"multi","name":"m","graders":{"my-grader":` + sc("eq") + `},"calculate_output":"1"}`, 400, "grader.graders.my-grader", "identifier", 0, 0},
		{"bad sub-grader", `{"type":"multi","name":"m","graders":{"a":` + sc("nope") + `},"calculate_output":"a"}`, 400, "grader.graders.a.operation", "", 0, 0},
		{"referee grader, unknown verifier", `{"type":"referee","name":"r","verifier":"nope"}`, 400, "grader.verifier", "unknown verifier", 0, 0},
		{"referee grader, bad params", `{"type":"referee","name":"r","verifier":"string_match","reference":"a","params":{"mode":"fuzzy"}}`, 422, "params.mode", "", 0, 0},
	}
	for _, tt := range tests {
		for _, path := range []string{runPath, "/v1/fine_tuning/alpha/graders/validate"} {
			t.Run(tt.name+" "+path[strings.LastIndex(path, "/")+1:], func(t *testing.T) {
				body := runBody(tt.grader, "a", "")
				if strings.HasSuffix(path, "validate") {
					if tt.status == 422 {
						t.Skip("params are checked when the grader runs")
					}
					body = `{"grader":` + tt.grader + `}`
				}
				r := v.post(t, path, body)
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
				}
				if got := problemField(r); got != tt.field {
					t.Errorf("field %q, want %q: %s", got, tt.field, r.raw)
				}
				if !strings.Contains(fmt.Sprint(r.body["detail"]), tt.detail) {
					t.Errorf("detail %q does not mention %q", r.body["detail"], tt.detail)
				}
				if tt.line > 0 {
					e := r.body["errors"].([]any)[0].(map[string]any)
					if e["line"] != tt.line || e["column"] != tt.column {
						t.Errorf("position %v:%v, want %v:%v", e["line"], e["column"], tt.line, tt.column)
					}
				}
			})
		}
	}
}

func TestGraderRequestErrors(t *testing.T) {
	t.Parallel()
	v := newEnv(t, nil)
	g := `{"type":"string_check","name":"g","input":"{{ sample.output_text }}","reference":"a","operation":"eq"}`
	tests := []struct {
		name, body string
		field      string
	}{
		{"model_sample missing", `{"grader":` + g + `}`, "model_sample"},
		{"model_sample not a string", `{"grader":` + g + `,"model_sample":{"a":1}}`, "model_sample"},
		{"unknown field", `{"grader":` + g + `,"model_sample":"a","sample":"a"}`, "sample"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := v.post(t, runPath, tt.body)
			if r.status != 400 || problemField(r) != tt.field {
				t.Errorf("got %d field %q, want 400 field %q: %s", r.status, problemField(r), tt.field, r.raw)
			}
		})
	}
}

func TestGraderValidateEchoesTheGrader(t *testing.T) {
	t.Parallel()
	v := newEnv(t, nil)
	g := `{"type":"text_similarity","name":"sim","input":"{{ sample.output_text }}","reference":"{{ item.ref }}","evaluation_metric":"bleu"}`
	r := v.post(t, "/v1/fine_tuning/alpha/graders/validate", `{"grader":`+g+`}`)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	got, _ := json.Marshal(r.body["grader"])
	var want map[string]any
	_ = json.Unmarshal([]byte(g), &want)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Errorf("grader %s, want %s", got, wantJSON)
	}
}
