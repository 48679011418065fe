package iso20022_test

import (
	"testing"

	"github.com/referee/referee/verifiers/iso20022"
	"github.com/referee/referee/verifiers/verifiertest"
)

func TestCases(t *testing.T) {
	verifiertest.Run(t, iso20022.New(), verifiertest.Load(t, "testdata/cases"))
}

func TestExamples(t *testing.T) {
	verifiertest.Examples(t, iso20022.New())
}
