package provider

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
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

// retriesIn counts the answers in stats that make a client retry: 429 and 5xx.
func retriesIn(stats mockserver.Stats) int64 {
	var n int64
	for k, v := range stats.Requests {
		i := strings.LastIndexByte(k, ' ')
		if i < 0 {
			continue
		}
		code, err := strconv.Atoi(k[i+1:])
		if err != nil {
			continue
		}
		if code == 429 || code >= 500 {
			n += v
		}
	}
	return n
}
