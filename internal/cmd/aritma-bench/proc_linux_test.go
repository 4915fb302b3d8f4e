//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/rusage/proctest"
)

// The mock gets SIGTERM when the harness dies, so a killed harness leaves no mock behind.
func TestMockDiesWithTheHarness(t *testing.T) {
	t.Parallel()
	if a := mockCommand(context.Background(), "/bin/true", "id", "secret").SysProcAttr; a == nil || a.Pdeathsig != syscall.SIGTERM {
		t.Errorf("the mock's process attributes are %+v, want Pdeathsig SIGTERM", a)
	}
}

// A CLI that runs past -timeout is stopped with what it started, and the phase says it timed out
// (it said "exited -1", and its providers ran on).
func TestRunCLITimeoutStopsTheProcessGroup(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep command")
	}
	grace := cliStopGrace
	cliStopGrace = 500 * time.Millisecond
	t.Cleanup(func() { cliStopGrace = grace })
	for name, script := range map[string]string{
		"stops on SIGINT": `sleep 30 & echo $! > child.pid; wait`,
		// The shell and its child ignore SIGINT: they are killed once the grace is up.
		"ignores SIGINT": `trap "" INT; sleep 30 & echo $! > child.pid; wait`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			start := time.Now()
			_, err := runCLI(context.Background(), 300*time.Millisecond, "sh", dir, os.Environ(),
				filepath.Join(dir, "rusage.jsonl"), filepath.Join(dir, "cli.log"), "-c", script)
			if err == nil || !strings.Contains(err.Error(), "timed out after 300ms") || strings.Contains(err.Error(), "exited") {
				t.Errorf("err = %v, want a timeout", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("runCLI returned after %s", d)
			}
			data, err := os.ReadFile(filepath.Join(dir, "child.pid"))
			if err != nil {
				t.Fatal(err)
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			proctest.ExpectGone(t, pid, "the CLI's child")
		})
	}
}
