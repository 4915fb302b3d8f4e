//go:build !linux

package rusage

import "syscall"

// DieWithParent has no parent-death signal to ask for outside Linux: the child outlives a parent
// that is killed (the harness is measured on Linux, where it does not).
func DieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{}
}
