package netconfig_test

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/referee/referee/verifiers"
	"github.com/referee/referee/verifiers/netconfig"
)

// TestSharedTaskIsDeterministic scores one prepared task (whose original
// config is shared) from many goroutines, as a GRPO group does, and requires
// byte-identical details for identical responses.
func TestSharedTaskIsDeterministic(t *testing.T) {
	ref := json.RawMessage(`{"dialect":"cisco_ios","checks":[
		{"id":"eq","type":"equivalent_outside","target":{"filter":"acl_in"},
		 "original":"ip access-list extended acl_in\n 10 permit tcp any host 192.0.2.10 eq 443\n 20 deny ip any any\n",
		 "except_space":{"src":"10.10.10.0/24","dst":"18.18.18.0/27","proto":"tcp","dport":[80,8080]}},
		{"id":"sp","type":"space","target":{"filter":"acl_in"},"space":{"src":{"not":"10.10.10.0/24"},"dst":"18.18.18.0/24"},"forbid":"permit"},
		{"id":"dead","type":"no_unreachable_lines"},
		{"id":"refs","type":"references"}]}`)
	task, err := netconfig.New().Prepare(ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	responses := []string{
		"ip access-list extended acl_in\n 5 permit tcp 10.10.10.0 0.0.0.255 18.18.18.0 0.0.0.31 eq www 8080\n 10 permit tcp any host 192.0.2.10 eq 443\n 20 deny ip any any\n",
		"ip access-list extended acl_in\n 5 permit tcp any 18.18.18.0 0.0.0.255 eq www\n 10 permit tcp any host 192.0.2.10 eq 443\n 20 deny ip any any\n",
		"ip access-list extended acl_in\n permit ip any any\n",
		"garbage",
	}
	want := make([][]byte, len(responses))
	for i, r := range responses {
		res, err := task.Score(context.Background(), verifiers.Input{Response: r})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = res.Details
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				i := (g + k) % len(responses)
				res, err := task.Score(context.Background(), verifiers.Input{Response: responses[i]})
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(res.Details, want[i]) {
					t.Errorf("details differ for response %d:\n%s\n%s", i, res.Details, want[i])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}
