//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/rusage"
)

// procCost is what one CLI command cost, split between the CLI and the provider processes it
// started (as reported by rusage-wrap).
type procCost struct {
	WallSec      float64 `json:"wallSec"`
	CLICPUSec    float64 `json:"cliCpuSec"`
	CLIMaxRSSKiB int64   `json:"cliMaxRssKiB"`
	ProvCPUSec   float64 `json:"providerCpuSec"`
	ProvMaxRSS   int64   `json:"providerMaxRssKiB"`
	ProvLaunches int     `json:"providerLaunches"`
	ExitCode     int     `json:"exitCode"`
}

// cliStopGrace is how long a CLI that was told to stop (SIGINT, on a timeout or an interrupt of
// the harness) has to save its state and stop its providers before all of them are killed.
var cliStopGrace = 30 * time.Second

// runCLI runs the CLI with args in dir, for at most timeout, and measures it. The rusage the
// kernel reports for the CLI includes its reaped children (the provider wrappers and providers),
// so their CPU, read from the wrapper's records in wrapOut, is taken off; the CLI's peak RSS is
// sampled from /proc because the kernel reports the larger of the CLI's and its children's peaks.
func runCLI(ctx context.Context, timeout time.Duration, cli, dir string, env []string, wrapOut, logPath string, args ...string) (procCost, error) {
	var pc procCost
	_ = os.Remove(wrapOut)
	logFile, err := os.Create(logPath)
	if err != nil {
		return pc, err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "$ %s %s\n", cli, strings.Join(args, " "))

	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, cli, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The CLI leads a process group that its providers (and their wrappers) join. Killing the CLI
	// alone, as CommandContext does, would orphan them, still running under the next workload. A
	// SIGINT to the group is a terminal's Ctrl-C: the CLI stops and saves its state, and the
	// providers ignore it (go-plugin does) and finish the calls in flight, where a SIGTERM would
	// kill them under the CLI. The group is killed once the CLI is gone or its grace is up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = cliStopGrace
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return pc, err
	}
	var (
		wg   sync.WaitGroup
		peak int64
		stop = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if v := vmHWM(cmd.Process.Pid); v > peak {
				peak = v
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	waitErr := cmd.Wait()
	pc.WallSec = time.Since(start).Seconds()
	close(stop)
	wg.Wait()

	if waitErr != nil && cctx.Err() != nil { // Wait fails whenever Cancel was called
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // what outlived the CLI's grace
		if ctx.Err() != nil {
			return pc, fmt.Errorf("%s interrupted after %.0f s: %w; see %s", args[0], pc.WallSec, context.Cause(ctx), logPath)
		}
		return pc, fmt.Errorf("%s timed out after %s (-timeout) and was stopped; see %s:\n%s", args[0], timeout, logPath, tailFile(logPath))
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		return pc, waitErr
	}
	pc.ExitCode = cmd.ProcessState.ExitCode()
	var total float64
	var rusageMax int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		total = rusage.Seconds(ru.Utime) + rusage.Seconds(ru.Stime)
		rusageMax = ru.Maxrss
	}
	recs, err := rusage.Read(wrapOut)
	if err != nil {
		return pc, err
	}
	var childCPU float64
	for _, r := range recs {
		pc.ProvLaunches++
		pc.ProvCPUSec += r.UserSec + r.SysSec
		childCPU += r.UserSec + r.SysSec + r.WrapCPUSec
		pc.ProvMaxRSS = max(pc.ProvMaxRSS, r.MaxRSSKiB)
	}
	pc.CLICPUSec = max(total-childCPU, 0)
	// A kernel peak above every child's must be the CLI's own, and exact.
	pc.CLIMaxRSSKiB = peak
	if rusageMax > pc.ProvMaxRSS {
		pc.CLIMaxRSSKiB = max(peak, rusageMax)
	}
	return pc, nil
}

// vmHWM returns the peak resident set size of pid in KiB, 0 when it cannot be read.
func vmHWM(pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				return v
			}
		}
	}
	return 0
}

// tailLines is how much of a failed command's log its error shows.
const tailLines = 30

// tailFile returns the last tailLines lines of a log, to show why a command failed.
func tailFile(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	return strings.Join(lines, "\n")
}
