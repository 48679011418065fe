package scoring

import (
	"encoding/json"
	"slices"
	"strings"
)

// Scores are a result's scores by name: the verifier's name for a verifier
// request, each component's for a rubric. On the wire they are a JSON
// object with the names in sorted order.
//
// They are a slice rather than a map because a batch gives every result its
// scores from one backing array: a map per result was one of the larger
// allocations of a batch of cheap rollouts.
type Scores []Score

// Score is one named score.
type Score struct {
	Name  string
	Value float64
}

// Get returns the score of name.
func (s Scores) Get(name string) (float64, bool) {
	for _, x := range s {
		if x.Name == name {
			return x.Value, true
		}
	}
	return 0, false
}

// Map returns the scores as a map, as rubric expressions take them.
func (s Scores) Map() map[string]float64 {
	m := make(map[string]float64, len(s))
	for _, x := range s {
		m[x.Name] = x.Value
	}
	return m
}

// AppendJSON appends the scores as a JSON object, names sorted.
func (s Scores) AppendJSON(b []byte) []byte {
	sorted := s
	if !slices.IsSortedFunc(s, byName) {
		sorted = slices.SortedFunc(slices.Values(s), byName)
	}
	b = append(b, '{')
	for i, x := range sorted {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, x.Name)
		b = append(b, ':')
		b = appendFloat(b, x.Value)
	}
	return append(b, '}')
}

func byName(a, b Score) int { return strings.Compare(a.Name, b.Name) }

// MarshalJSON implements json.Marshaler.
func (s Scores) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil), nil }

// UnmarshalJSON implements json.Unmarshaler.
func (s *Scores) UnmarshalJSON(b []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	out := make(Scores, 0, len(m))
	for k, v := range m {
		out = append(out, Score{k, v})
	}
	slices.SortFunc(out, byName)
	*s = out
	return nil
}
