package stringmatch_test

import (
	"testing"

	"github.com/referee/referee/verifiers/stringmatch"
	"github.com/referee/referee/verifiers/verifiertest"
)

func TestCases(t *testing.T) {
	verifiertest.Run(t, stringmatch.New(), verifiertest.Load(t, "testdata"))
}

func TestExamples(t *testing.T) {
	verifiertest.Examples(t, stringmatch.New())
}
