package e2e

import (
	"os"
	"testing"
)

// TestMain removes the provider binary built for this test binary once every test is done.
func TestMain(m *testing.M) {
	code := m.Run()
	removeBuild()
	os.Exit(code)
}
