//go:build !unix

package e2e

import "os/exec"

// ownProcessGroup and killLeftovers have nothing to do where process groups do not exist.
func ownProcessGroup(*exec.Cmd) {}

func killLeftovers(*exec.Cmd) {}
