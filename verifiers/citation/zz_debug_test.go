package citation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/referee/referee/verifiers"
)

func TestZZDebug(t *testing.T) {
	resp := os.Getenv("DBG_RESP")
	if resp == "" {
		t.Skip()
	}
	v := newVerifier(t)
	task, err := v.Prepare(json.RawMessage(os.Getenv("DBG_REF")), json.RawMessage(os.Getenv("DBG_PARAMS")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := task.Score(context.Background(), verifiers.Input{Response: resp})
	fmt.Println(res.Score, err)
	var x any
	json.Unmarshal(res.Details, &x)
	b, _ := json.MarshalIndent(x, "", " ")
	fmt.Println(string(b))
}
