//go:build unix

package main

import (
	"syscall"
	"testing"
)

// The provider gets SIGTERM when the wrapper dies, so a killed wrapper leaves no provider behind.
func TestProviderDiesWithTheWrapper(t *testing.T) {
	t.Parallel()
	if a := command("/bin/true", nil).SysProcAttr; a == nil || a.Pdeathsig != syscall.SIGTERM {
		t.Errorf("the provider's process attributes are %+v, want Pdeathsig SIGTERM", a)
	}
}
