package rusage

import "syscall"

// Seconds is a rusage time (user or system CPU) in seconds.
func Seconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}
