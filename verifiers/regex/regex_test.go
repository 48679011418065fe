package regex_test

import (
	"testing"

	"github.com/referee/referee/verifiers/regex"
	"github.com/referee/referee/verifiers/verifiertest"
)

func TestCases(t *testing.T) {
	verifiertest.Run(t, regex.New(), verifiertest.Load(t, "testdata"))
}

func TestExamples(t *testing.T) {
	verifiertest.Examples(t, regex.New())
}
