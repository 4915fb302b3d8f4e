//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || illumos)

package mockserver

import "os"

// lockDataFile does not lock where the syscall package has no flock (Windows, Solaris, AIX): one
// mock per data file is then up to the user.
func lockDataFile(string) (*os.File, error) { return nil, nil }
