//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly || illumos

package mockserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataFile takes an exclusive lock beside the data file for the life of the server: two mocks
// saving to one file would each replace the other's saves, losing objects both had acknowledged.
// The lock is on a file of its own, because every save replaces the data file.
func lockDataFile(path string) (*os.File, error) {
	name := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("mockserver: locking data file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("mockserver: data file %s is in use by another mock (lock %s held); stop that one, or give this one another -data file", path, name)
		}
		return nil, fmt.Errorf("mockserver: locking data file: %w", err)
	}
	return f, nil
}
