package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestBadInput is the error catalogue: every kind of bad input gets a
// precise problem+json, never a 500, and the process keeps serving.
func TestBadInput(t *testing.T) {
	r := StartReferee(t, map[string]string{"REFEREE_MAX_BATCH": "100"})
	huge := `{"verifier":"string_match","reference":"a","response":"` + strings.Repeat("x", 50<<20) + `"}`
	deep := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	deepRef := `{"verifier":"string_match","response":"x","reference":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`
	// Fields that take any JSON, nested far past any decoder's stack budget.
	deeperRef := `{"verifier":"string_match","response":"x","reference":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`
	deepParams := `{"verifier":"string_match","response":"x","params":` + strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000) + `}`
	items := make([]string, 101)
	for i := range items {
		items[i] = `{"response":"x"}`
	}
	tooMany := `{"defaults":{"verifier":"string_match","reference":"x"},"items":[` + strings.Join(items, ",") + `]}`
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		status      int
		field       string // wanted in errors[].field, if set
		detail      string // wanted in detail, if set
	}{
		{"malformed JSON", "POST", "/v1/score", "application/json", `{"verifier": "string_match",`, 400, "", "malformed JSON"},
		{"not an object", "POST", "/v1/score", "application/json", `[1,2]`, 400, "", ""},
		{"empty body", "POST", "/v1/score", "application/json", ``, 400, "", "empty"},
		{"wrong type of response", "POST", "/v1/score", "application/json", `{"verifier":"string_match","reference":"a","response":5}`, 400, "response", ""},
		{"wrong type of options", "POST", "/v1/score", "application/json", `{"verifier":"string_match","reference":"a","response":"a","options":{"timeout_ms":"fast"}}`, 400, "options.timeout_ms", ""},
		{"negative timeout", "POST", "/v1/score", "application/json", `{"verifier":"string_match","reference":"a","response":"a","options":{"timeout_ms":-1}}`, 400, "options.timeout_ms", ""},
		{"missing response", "POST", "/v1/score", "application/json", `{"verifier":"string_match","reference":"a"}`, 400, "response", ""},
		{"unknown field", "POST", "/v1/score", "application/json", `{"verifier":"string_match","reference":"a","reponse":"a"}`, 400, "reponse", ""},
		{"both verifier and rubric", "POST", "/v1/score", "application/json", `{"verifier":"string_match","rubric":"x","response":"a"}`, 400, "verifier", ""},
		{"neither verifier nor rubric", "POST", "/v1/score", "application/json", `{"response":"a"}`, 400, "verifier", ""},
		{"unknown verifier", "POST", "/v1/score", "application/json", `{"verifier":"nope","response":"a"}`, 400, "verifier", "nope"},
		{"unknown rubric", "POST", "/v1/score", "application/json", `{"rubric":"nope","response":"a"}`, 400, "rubric", "nope"},
		{"invalid params", "POST", "/v1/score", "application/json", `{"verifier":"string_match","reference":"a","params":{"mode":"fuzzy"},"response":"a"}`, 422, "params.mode", ""},
		{"invalid reference", "POST", "/v1/score", "application/json", `{"verifier":"string_match","reference":{"x":1},"response":"a"}`, 422, "reference", ""},
		{"invalid regex", "POST", "/v1/score", "application/json", `{"verifier":"regex","params":{"pattern":"("},"response":"a"}`, 422, "params.pattern", ""},
		{"invalid rubric expression", "POST", "/v1/score", "application/json", `{"rubric":{"components":{"a":{"verifier":"regex","params":{"pattern":"x"}}},"score":"a * (2 +"},"response":"a"}`, 422, "rubric.score", ""},
		{"rubric with unknown name", "POST", "/v1/score", "application/json", `{"rubric":{"components":{"a":{"verifier":"regex","params":{"pattern":"x"}}},"score":"a + b"},"response":"a"}`, 422, "rubric.score", ""},
		{"body over the limit", "POST", "/v1/score", "application/json", huge, 413, "", ""},
		{"batch over the limit", "POST", "/v1/score/batch", "application/json", tooMany, 413, "items", ""},
		{"batch without items", "POST", "/v1/score/batch", "application/json", `{"defaults":{}}`, 400, "items", ""},
		{"response in defaults", "POST", "/v1/score/batch", "application/json", `{"defaults":{"response":"x"},"items":[]}`, 400, "defaults.response", ""},
		{"deeply nested JSON", "POST", "/v1/score", "application/json", deep, 400, "", ""},
		{"deeply nested reference", "POST", "/v1/score", "application/json", deepRef, 400, "reference", ""},
		{"reference nested 100,000 deep", "POST", "/v1/score", "application/json", deeperRef, 400, "", "depth"},
		{"params nested 100,000 deep", "POST", "/v1/score", "application/json", deepParams, 400, "", "depth"},
		{"wrong content type", "POST", "/v1/score", "text/plain", `{"verifier":"string_match","reference":"a","response":"a"}`, 415, "", "Content-Type"},
		{"no content type", "POST", "/v1/score", "", `{"verifier":"string_match","reference":"a","response":"a"}`, 415, "", ""},
		{"unknown route", "GET", "/v2/nothing", "", ``, 404, "", "/v2/nothing"},
		{"wrong method", "GET", "/v1/score", "", ``, 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.contentType != "" {
				headers = []string{"Content-Type", tt.contentType}
			}
			var body any
			if tt.body != "" || tt.method == "POST" {
				body = []byte(tt.body)
			}
			res := r.Do(t, tt.method, tt.path, body, headers...)
			if tt.contentType == "" && tt.method == "POST" {
				// Do sets JSON by default; resend without a content type.
				res = r.Do(t, tt.method, tt.path, body, "Content-Type", "")
			}
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, truncate(res.Body))
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var p struct {
				Type   string
				Title  string
				Status int
				Detail string
				Errors []struct{ Field, Message string }
			}
			if err := json.Unmarshal(res.Body, &p); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if p.Status != tt.status || p.Type == "" || p.Title == "" {
				t.Errorf("problem = %+v", p)
			}
			if tt.field != "" {
				found := false
				for _, e := range p.Errors {
					found = found || e.Field == tt.field
				}
				if !found {
					t.Errorf("errors %+v do not name %q", p.Errors, tt.field)
				}
			}
			if tt.detail != "" && !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q does not mention %q", p.Detail, tt.detail)
			}
		})
	}
	// The process is alive and serving, and nothing above was a 500.
	if res := r.Do(t, "GET", "/healthz", nil); res.Status != 200 {
		t.Fatalf("healthz after bad input: %d", res.Status)
	}
	if n := r.Metric(t, "referee_http_requests_total", "status", "500"); n != 0 {
		t.Errorf("%v requests answered 500", n)
	}
}

func TestGarbageResponsesAreScored(t *testing.T) {
	r := StartReferee(t, nil)
	for _, body := range [][]byte{
		[]byte("{\"verifier\":\"string_match\",\"reference\":\"a\",\"response\":\"\xff\xfe bad utf8\"}"),
		[]byte(`{"verifier":"string_match","reference":"a","response":"nul\u0000byte"}`),
		[]byte(`{"verifier":"regex","params":{"pattern":"^a"},"response":"\u0000"}`),
	} {
		res := r.Post(t, "/v1/score", body)
		if res.Status != 200 {
			t.Errorf("status %d for %q: %s", res.Status, body, res.Body)
			continue
		}
		if got := res.JSON(t)["reward"]; got != 0.0 {
			t.Errorf("reward %v for %q, want 0", got, body)
		}
	}
}

func TestBatchItemsFailAlone(t *testing.T) {
	r := StartReferee(t, nil)
	body := `{"items":[
		{"verifier":"string_match","reference":"a","response":"a"},
		{"verifier":"string_match","reference":{"bad":1},"response":"a"},
		{"verifier":"regex","params":{"pattern":"("},"response":"a"},
		{"rubric":{"components":{"x":{"verifier":"regex","params":{"pattern":"a"}}},"score":"x +"},"response":"a"},
		{"verifier":"nope","response":"a"},
		{"response":"a"},
		{"verifier":"string_match","reference":"b","response":"b"}]}`
	res := r.Post(t, "/v1/score/batch", []byte(body))
	if res.Status != 200 {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	var out struct {
		Results []struct {
			Reward float64
			Error  *struct{ Status int }
		}
	}
	if err := json.Unmarshal(res.Body, &out); err != nil {
		t.Fatal(err)
	}
	want := []int{0, 422, 422, 422, 400, 400, 0}
	for i, w := range want {
		got := 0
		if e := out.Results[i].Error; e != nil {
			got = e.Status
		}
		if got != w {
			t.Errorf("item %d: error status %d, want %d", i, got, w)
		}
	}
	if out.Results[0].Reward != 1 || out.Results[6].Reward != 1 {
		t.Errorf("good items lost: %+v", out.Results)
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return fmt.Sprintf("%s… (%d bytes)", bytes.ToValidUTF8(b[:300], nil), len(b))
	}
	return string(b)
}
