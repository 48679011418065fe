//go:build race

package citation_test

// raceEnabled stretches time bounds: the race detector slows code 5-10x.
const raceEnabled = true
