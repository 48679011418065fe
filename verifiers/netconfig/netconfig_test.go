package netconfig_test

import (
	"testing"

	"github.com/referee/referee/verifiers/netconfig"
	"github.com/referee/referee/verifiers/verifiertest"
)

func TestCases(t *testing.T) {
	verifiertest.Run(t, netconfig.New(), verifiertest.Load(t, "testdata"))
}

func TestExamples(t *testing.T) {
	verifiertest.Examples(t, netconfig.New())
}
