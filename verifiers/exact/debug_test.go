package exact

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/referee/referee/verifiers"
)

func TestDebugPairs(t *testing.T) {
	if os.Getenv("EXACT_DEBUG") == "" {
		t.Skip()
	}
	raw, err := os.ReadFile(os.Getenv("EXACT_DEBUG"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	for _, l := range lines {
		parts := strings.SplitN(l, " ||| ", 3)
		if len(parts) < 2 {
			continue
		}
		ref, _ := json.Marshal(parts[0])
		var params json.RawMessage
		if len(parts) == 3 {
			params = json.RawMessage(parts[2])
		}
		task, err := New().Prepare(ref, params)
		if err != nil {
			t.Logf("%q: prepare: %v", parts[0], err)
			continue
		}
		res, _ := task.Score(context.Background(), verifiers.Input{Response: strings.ReplaceAll(parts[1], `\n`, "\n")})
		t.Logf("ref %q resp %q => %v %s", parts[0], parts[1], res.Score, res.Details)
	}
}
