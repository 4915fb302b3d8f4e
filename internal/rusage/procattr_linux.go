package rusage

import "syscall"

// DieWithParent is what a process started with it needs so that it gets SIGTERM when the process
// that started it dies, however that dies: a wrapper or harness killed with SIGKILL (go-plugin
// kills a provider that does not stop in time) would otherwise leave its child running, unseen
// and unmeasured, with the mock or the next workload.
//
// Linux sends the signal when the thread that started the child exits; Go ends a thread only
// when a goroutine locked to it exits, which none of the callers does.
func DieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
