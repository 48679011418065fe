// Package iso20022 is the iso20022_mt103 verifier: it scores a translation
// between an ISO 20022 pacs.008.001.08 message and a SWIFT MT103, field by
// field, with an MT103 parser and validator written from the standard
// (blocks, field formats, code lists, network validated rules C1-C18).
package iso20022

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"strings"

	"github.com/referee/referee/verifiers"
)

// Limits on untrusted text.
const (
	// MaxResponseBytes bounds a response; a longer one scores 0.
	MaxResponseBytes = 256 << 10
	// MaxReferenceBytes bounds a reference message.
	MaxReferenceBytes = maxXMLBytes
)

// Verifier is the iso20022_mt103 verifier.
type Verifier struct{}

// New returns the iso20022_mt103 verifier.
func New() *Verifier { return &Verifier{} }

var _ verifiers.Verifier = (*Verifier)(nil)

// defaultWeights are the field weights: amount, currency and date (32A),
// the parties' accounts and BICs and the charges weigh most. Keys are the
// field tag without option for parties ("50", "59", "52".."57").
var defaultWeights = map[string]float64{
	"sender": 1, "receiver": 1, "121": 2, "111": 1,
	"20": 1, "13C": 1, "23B": 1, "23E": 1, "26T": 1,
	"32A": 5, "33B": 2, "36": 2,
	"50": 3, "52": 2, "53": 2, "54": 2, "55": 2, "56": 2, "57": 3, "59": 3,
	"70": 1, "71A": 3, "71F": 2, "71G": 2, "72": 1, "77B": 1,
	"extra": 1,
}

// weights resolves a group's weight; "71F#2" weighs as "71F".
type weights map[string]float64

func (w weights) of(group string) float64 {
	if i := strings.IndexByte(group, '#'); i >= 0 {
		group = group[:i]
	}
	if v, ok := w[group]; ok {
		return v
	}
	return 1
}

type params struct {
	Direction     string             `json:"direction"`
	Check         string             `json:"check"`
	Weights       map[string]float64 `json:"weights"`
	NetworkFactor *float64           `json:"network_factor"`
	FormatFactor  *float64           `json:"format_factor"`
}

// Spec implements verifiers.Verifier.
func (*Verifier) Spec() verifiers.Spec {
	keys := make([]string, 0, len(defaultWeights))
	for k := range defaultWeights {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	wprops := make([]string, len(keys))
	for i, k := range keys {
		b, _ := json.Marshal(defaultWeights[k])
		wprops[i] = `"` + k + `":{"type":"number","minimum":0,"default":` + string(b) + `}`
	}
	return verifiers.Spec{
		Name:    "iso20022_mt103",
		Version: "2",
		Description: "Scores a translation between an ISO 20022 pacs.008.001.08 and a SWIFT MT103 field by field. " +
			"direction mx_to_mt (default): reference is the pacs.008 XML, response an MT103 (prose and code fences allowed); " +
			"mt_to_mx: reference is an MT103, response a pacs.008. Score = weighted share of correct fields x network_factor^(network-rule violations) x format_factor^(format violations). " +
			"check \"syntax\" scores only the MT103's validity. Details: fields (field, expected, got, ok, reason, weight) and violations (code, field, line, message).",
		ReferenceSchema: json.RawMessage(`{"type":["string","null"],"description":"pacs.008.001.08 XML (bare Document or with AppHdr envelope) for mx_to_mt; MT103 text for mt_to_mx; unused with check=syntax"}`),
		ParamsSchema: json.RawMessage(`{"type":"object","additionalProperties":false,"properties":{` +
			`"direction":{"enum":["mx_to_mt","mt_to_mx"],"default":"mx_to_mt"},` +
			`"check":{"enum":["translation","syntax"],"default":"translation"},` +
			`"network_factor":{"type":"number","minimum":0,"maximum":1,"default":0.8,"description":"score multiplier per network-rule (C1-C18) violation"},` +
			`"format_factor":{"type":"number","minimum":0,"maximum":1,"default":0.9,"description":"score multiplier per format violation"},` +
			`"weights":{"type":"object","additionalProperties":false,"properties":{` + strings.Join(wprops, ",") + `}}}}`),
		Examples: []verifiers.Example{
			{Name: "correct translation", Reference: exampleRefJSON(), Response: exampleMT, Score: 1},
			{Name: "syntax only", Response: exampleMT, Params: json.RawMessage(`{"check":"syntax"}`), Score: 1},
		},
	}
}

type task struct {
	direction string
	syntax    bool
	weights   weights
	netFactor float64
	fmtFactor float64
	exp       []shape // expected shapes (translation mode)
}

// Prepare implements verifiers.Verifier.
func (*Verifier) Prepare(reference, rawParams json.RawMessage) (verifiers.Task, error) {
	var p params
	if err := verifiers.DecodeParams(rawParams, &p); err != nil {
		return nil, err
	}
	t := &task{direction: p.Direction, netFactor: 0.8, fmtFactor: 0.9, weights: weights{}}
	switch p.Direction {
	case "":
		t.direction = "mx_to_mt"
	case "mx_to_mt", "mt_to_mx":
	default:
		return nil, verifiers.Invalidf("params.direction", "unknown direction %q (want mx_to_mt or mt_to_mx)", p.Direction)
	}
	switch p.Check {
	case "", "translation":
	case "syntax":
		t.syntax = true
	default:
		return nil, verifiers.Invalidf("params.check", "unknown check %q (want translation or syntax)", p.Check)
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"network_factor", p.NetworkFactor}, {"format_factor", p.FormatFactor}} {
		if f.v != nil && (math.IsNaN(*f.v) || *f.v < 0 || *f.v > 1) {
			return nil, verifiers.Invalidf("params."+f.name, "must be within [0, 1], got %v", *f.v)
		}
	}
	if p.NetworkFactor != nil {
		t.netFactor = *p.NetworkFactor
	}
	if p.FormatFactor != nil {
		t.fmtFactor = *p.FormatFactor
	}
	for k, v := range defaultWeights {
		t.weights[k] = v
	}
	wkeys := make([]string, 0, len(p.Weights))
	for k := range p.Weights {
		wkeys = append(wkeys, k)
	}
	sort.Strings(wkeys) // the first bad key reported is the same every time
	for _, k := range wkeys {
		v := p.Weights[k]
		if _, ok := defaultWeights[k]; !ok {
			return nil, verifiers.Invalidf("params.weights."+k, "unknown field %q", k)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, verifiers.Invalidf("params.weights."+k, "weight must be a finite number >= 0")
		}
		t.weights[k] = v
	}
	if t.syntax {
		return t, nil
	}
	ref, err := referenceText(reference)
	if err != nil {
		return nil, err
	}
	if t.direction == "mx_to_mt" {
		msg, err := readPacs008(ref)
		if err != nil {
			return nil, verifiers.Invalidf("reference", "not a pacs.008 message: %v", err)
		}
		if n := len(msg.Doc.Txs); n != 1 {
			return nil, verifiers.Invalidf("reference", "pacs.008 has %d CdtTrfTxInf; an MT103 carries exactly one", n)
		}
		t.exp = mtView(msg)
		return t, nil
	}
	m, ok := parseMT(normalizeNewlines(ref), 1)
	if !ok {
		return nil, verifiers.Invalidf("reference", "not an MT103: no block 4 fields found")
	}
	// The reference's own violations are not refused: real-world samples
	// often lack block 3 or break a network rule, and the translation is
	// still well defined. Only a message of another type is refused.
	if m.HasB2 && len(m.B2) >= 4 && m.B2[1:4] != "103" {
		return nil, verifiers.Invalidf("reference", "the message is an MT%s, not an MT103", m.B2[1:4])
	}
	validateMT(m) // fills Sender and Receiver from the headers
	t.exp = mtExpected(m)
	return t, nil
}

// referenceText decodes the reference, a JSON string.
func referenceText(raw json.RawMessage) (string, error) {
	var s string
	if len(raw) == 0 || string(raw) == "null" {
		return "", verifiers.Invalidf("reference", "is required: the source message as a string")
	}
	if len(raw) > 2*MaxReferenceBytes {
		return "", verifiers.Invalidf("reference", "is over %d bytes", MaxReferenceBytes)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", verifiers.Invalidf("reference", "want the source message as a string: %v", err)
	}
	if strings.TrimSpace(s) == "" {
		return "", verifiers.Invalidf("reference", "is empty")
	}
	return s, nil
}

// mtExpected makes the expected shapes of an mt_to_mx task from the
// reference MT103: its fields, plus the defaults of the reverse mapping
// (without 52a the debtor agent is the sender, without 57a the creditor
// agent is the receiver), which a translation may state or leave out.
func mtExpected(m *mtMessage) []shape {
	exp := mtShapes(m)
	has := map[string]bool{}
	for _, s := range exp {
		has[s.group] = true
	}
	if !has["52"] && m.Sender != "" {
		exp = append(exp, shape{tag: "52A", group: "52", kind: kindParty, bic: m.Sender, display: m.Sender, optional: true, idx: -1})
	}
	if !has["57"] && m.Receiver != "" {
		exp = append(exp, shape{tag: "57A", group: "57", kind: kindParty, bic: m.Receiver, display: m.Receiver, optional: true, idx: -1})
	}
	for i := range exp {
		exp[i].fits = true
		// A reference cut with the '+' truncation mark lost text that the
		// pacs.008 translation may legitimately carry in full.
		exp[i].extendOK = exp[i].kind == kindText && strings.HasSuffix(exp[i].display, "+")
	}
	sort.SliceStable(exp, func(i, j int) bool { return order(exp[i].tag) < order(exp[j].tag) })
	return exp
}

// order sorts shapes in MT sequence order, headers first.
func order(tag string) int {
	switch tag {
	case "sender":
		return -4
	case "receiver":
		return -3
	case "121":
		return -2
	case "111":
		return -1
	}
	if len(tag) < 2 {
		return 100
	}
	if k := seqIndex(tag); k >= 0 {
		return k
	}
	return 100
}

func normalizeNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// details is the JSON shape of Result.Details; field order is fixed so the
// bytes are deterministic.
type details struct {
	Direction  string      `json:"direction"`
	Check      string      `json:"check"`
	Reason     string      `json:"reason,omitempty"`
	FieldScore *float64    `json:"field_score,omitempty"`
	Validity   float64     `json:"validity"`
	Fields     []Row       `json:"fields"`
	Violations []Violation `json:"violations"`
}

// maxListedViolations bounds the violations listed in a result's details.
const maxListedViolations = 64

// Score implements verifiers.Task.
func (t *task) Score(_ context.Context, in verifiers.Input) (verifiers.Result, error) {
	d := details{Direction: t.direction, Check: "translation", Fields: []Row{}, Violations: []Violation{}}
	if t.syntax {
		d.Check = "syntax"
	}
	if len(in.Response) > MaxResponseBytes {
		d.Reason = "response is over " + itoa(MaxResponseBytes) + " bytes"
		return t.result(0, d)
	}
	var got []shape
	var bad []bool
	if t.direction == "mx_to_mt" {
		resp := normalizeNewlines(in.Response)
		text, line0, st := extractMT(resp)
		switch st {
		case extractNone:
			d.Reason = "no MT103 found in the response"
			return t.result(0, d)
		case extractSeveral:
			d.Reason = "the response holds several different MT messages"
			return t.result(0, d)
		}
		if len(text) > maxMTBytes {
			d.Reason = "MT message is over " + itoa(maxMTBytes) + " bytes"
			return t.result(0, d)
		}
		m, ok := parseMT(text, line0)
		if !ok {
			d.Reason = "no parseable MT103: block 4 has no fields"
			return t.result(0, d)
		}
		if m.HasB2 && len(m.B2) >= 4 && m.B2[1:4] != "103" {
			d.Reason = "the message is an MT" + m.B2[1:4] + ", not an MT103"
			return t.result(0, d)
		}
		d.Violations, bad = validateMT(m)
		if !t.syntax {
			got = mtShapes(m)
		}
	} else {
		msg, err := readResponseXML(in.Response)
		if err != nil {
			d.Reason = err.Error()
			return t.result(0, d)
		}
		d.Violations = validatePacs(msg)
		if !t.syntax {
			got = mtView(msg)
		}
	}
	if d.Violations == nil {
		d.Violations = []Violation{}
	}
	validity := 1.0
	for _, v := range d.Violations {
		if v.network() {
			validity *= t.netFactor
		} else {
			validity *= t.fmtFactor
		}
	}
	d.Validity = round6(validity)
	if n := len(d.Violations); n > maxListedViolations {
		// Every violation counts; the details list the first ones, so a
		// field of 15,000 empty lines does not make a megabyte of JSON.
		d.Violations = append(d.Violations[:maxListedViolations:maxListedViolations],
			Violation{Code: "MORE", Message: itoa(n-maxListedViolations) + " more violations, not listed"})
	}
	if t.syntax {
		return t.result(validity, d)
	}
	rows, earned, total := compareShapes(t.exp, got, bad, t.weights, t.direction == "mt_to_mx")
	d.Fields = rows
	fs := 1.0
	if total > 0 {
		fs = earned / total
	}
	fs = round6(fs)
	d.FieldScore = &fs
	return t.result(fs*validity, d)
}

func (t *task) result(score float64, d details) (verifiers.Result, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return verifiers.Result{}, err
	}
	score = round6(score)
	if score < 0 {
		score = 0
	}
	if score > 1 {
		score = 1
	}
	return verifiers.Result{Score: score, Details: b}, nil
}

// round6 keeps scores stable across platforms and readable in details.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
