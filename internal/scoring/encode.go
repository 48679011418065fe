package scoring

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/referee/referee/verifiers"
)

// Results are encoded by hand: encoding/json reflects over every field and
// re-validates every json.RawMessage, which was most of the CPU time of a
// batch of cheap rollouts. The output is what encoding/json produces with
// SetEscapeHTML(false) (a test holds the two equal).

// MarshalJSON implements json.Marshaler.
func (r *Result) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil) }

// AppendJSON appends the JSON encoding of r to b.
func (r *Result) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if r.ID != "" {
		b = append(b, `"id":`...)
		b = appendString(b, r.ID)
		b = append(b, ',')
	}
	b = append(b, `"reward":`...)
	b = appendFloat(b, r.Reward)
	b = append(b, `,"scores":`...)
	b = r.Scores.AppendJSON(b)
	b = append(b, `,"details":`...)
	if len(r.Details) == 0 {
		b = append(b, "null"...)
	} else {
		// Details are valid JSON: checked when computed, and cached values
		// are our own encoding.
		b = append(b, r.Details...)
	}
	b = append(b, `,"cached":`...)
	b = strconv.AppendBool(b, r.Cached)
	b = append(b, `,"verifier":`...)
	b = appendString(b, r.Verifier)
	b = append(b, `,"key":"`...)
	b, _ = r.Key.AppendText(b)
	b = append(b, '"')
	b = append(b, `,"elapsed_us":`...)
	b = strconv.AppendInt(b, r.ElapsedUS, 10)
	if r.Error != nil {
		e, err := json.Marshal(r.Error)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"error":`...)
		b = append(b, e...)
	}
	return append(b, '}'), nil
}

// AppendJSON appends the JSON encoding of a batch response to b.
func (br *BatchResponse) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"results":[`...)
	for i := range br.Results {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = br.Results[i].AppendJSON(b); err != nil {
			return nil, err
		}
	}
	s := br.Stats
	b = append(b, `],"stats":{"items":`...)
	b = strconv.AppendInt(b, int64(s.Items), 10)
	b = append(b, `,"unique":`...)
	b = strconv.AppendInt(b, int64(s.Unique), 10)
	b = append(b, `,"cache_hits":`...)
	b = strconv.AppendInt(b, int64(s.CacheHits), 10)
	b = append(b, `,"computed":`...)
	b = strconv.AppendInt(b, int64(s.Computed), 10)
	b = append(b, `,"errors":`...)
	b = strconv.AppendInt(b, int64(s.Errors), 10)
	b = append(b, `,"elapsed_us":`...)
	b = strconv.AppendInt(b, s.ElapsedUS, 10)
	return append(b, "}}"...), nil
}

// MarshalJSON implements json.Marshaler.
func (br *BatchResponse) MarshalJSON() ([]byte, error) { return br.AppendJSON(nil) }

// appendFloat formats like encoding/json: the shortest representation, in
// exponent form outside [1e-6, 1e21). Non-finite values never reach here
// (scores and rubric results are checked) but are written as 0 rather than
// producing invalid JSON.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString appends s as a JSON string, as encoding/json writes it
// with SetEscapeHTML(false).
func appendString(b []byte, s string) []byte { return verifiers.AppendJSONString(b, s) }
