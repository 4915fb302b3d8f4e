package provider

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

// reportRow appends row to the reliability report named by ARITMA_RELIABILITY_REPORT, if any,
// filling in the CLI of this run.
func reportRow(t *testing.T, row reliability.Row) {
	t.Helper()
	if row.CLI == "" {
		row.CLI = testCLIName(t)
	}
	if err := reliability.AppendEnv(row); err != nil {
		t.Errorf("recording the reliability row: %v", err)
	}
}

var (
	cliNameOnce sync.Once
	cliNameVal  string
)

// testCLIName is "<terraform|tofu> <version>" of the CLI plugin-testing drives
// (TF_ACC_TERRAFORM_PATH, or terraform on PATH when that is unset).
func testCLIName(t *testing.T) string {
	t.Helper()
	cliNameOnce.Do(func() {
		path := os.Getenv("TF_ACC_TERRAFORM_PATH")
		if path == "" {
			path = "terraform"
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		name, err := reliability.CLIName(ctx, path)
		if err != nil {
			name = path
		}
		cliNameVal = name
	})
	return cliNameVal
}
