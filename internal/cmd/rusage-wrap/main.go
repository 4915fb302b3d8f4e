//go:build unix

// Command rusage-wrap runs another program as its child and records what the child cost.
//
// The benchmark harness (internal/cmd/aritma-bench) installs it under the name
// terraform-provider-aritma in the directory its CLI configuration's dev_overrides point at, so
// Terraform starts it as if it were the provider. It runs the real provider named by
// RUSAGE_WRAP_EXEC with the same arguments, environment and standard streams (the go-plugin
// handshake travels on stdout, so the child writes to the very same file), forwards signals, and
// when the child ends appends one JSON line to the file named by RUSAGE_WRAP_OUT: the child's wall
// time, user and system CPU time and peak resident set size, and the wrapper's own CPU time so the
// harness can take it off the CLI's total. It exits with the child's status.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/rusage"
)

// Environment variables the wrapper reads.
const (
	envExec = "RUSAGE_WRAP_EXEC" // absolute path of the program to run
	envOut  = "RUSAGE_WRAP_OUT"  // file to append the JSON line to; nothing is written when empty
)

// command is the wrapped provider's process.
func command(target string, args []string) *exec.Cmd {
	// No context: the wrapper lives exactly as long as the provider it runs; signals are forwarded.
	cmd := exec.CommandContext(context.Background(), target, args...)
	// *os.File streams are handed to the child as they are (no copying goroutines), so the
	// plugin handshake line and the gRPC stdio reach Terraform unchanged.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	// A signal cannot be forwarded from a wrapper that was killed (go-plugin kills a provider
	// that does not stop in time): the provider must not outlive it.
	cmd.SysProcAttr = rusage.DieWithParent()
	return cmd
}

func main() {
	os.Exit(run())
}

func run() int {
	target := os.Getenv(envExec)
	if target == "" {
		fmt.Fprintf(os.Stderr, "rusage-wrap: %s is not set\n", envExec)
		return 2
	}
	cmd := command(target, os.Args[1:])

	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "rusage-wrap: %v\n", err)
		return 1
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s) // the child may be gone already; nothing to do then
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	signal.Stop(sigs)

	code := 0
	if err != nil {
		code = 1
	}
	rec := rusage.Record{PID: cmd.Process.Pid, Args: os.Args[1:], Start: start.UTC().Format(time.RFC3339Nano), WallSec: wall.Seconds()}
	if st := cmd.ProcessState; st != nil {
		code = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			rec.UserSec = rusage.Seconds(ru.Utime)
			rec.SysSec = rusage.Seconds(ru.Stime)
			rec.MaxRSSKiB = ru.Maxrss // kilobytes on Linux
		}
	}
	rec.ExitCode = code
	var self syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) == nil {
		rec.WrapCPUSec = rusage.Seconds(self.Utime) + rusage.Seconds(self.Stime)
	}
	if out := os.Getenv(envOut); out != "" {
		if werr := rusage.Append(out, rec); werr != nil {
			fmt.Fprintf(os.Stderr, "rusage-wrap: %v\n", werr)
		}
	}
	return code
}
