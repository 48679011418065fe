package metrics

import "testing"

func TestTasksOverrunningReadsTheEngineAtScrape(t *testing.T) {
	m := New()
	n := 0
	m.TasksOverrunning(func() int { return n })
	for _, want := range []int{0, 3} {
		n = want
		mfs, err := m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := -1.0
		for _, mf := range mfs {
			if mf.GetName() == "referee_tasks_overrunning" {
				got = mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		if got != float64(want) {
			t.Errorf("referee_tasks_overrunning = %v, want %d", got, want)
		}
	}
}
