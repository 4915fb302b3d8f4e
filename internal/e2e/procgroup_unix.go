//go:build unix

package e2e

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a process group of its own, which the providers it launches
// join, so that killLeftovers can reach them.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killLeftovers kills what is left of the process group of cmd, which has exited. A CLI that was
// killed (it did not stop within its limit) leaves its provider processes running, orphaned, and
// they would outlive the test run; after a clean exit the group is empty and this does nothing.
func killLeftovers(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // ESRCH when nothing is left
	}
}
