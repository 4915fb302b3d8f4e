//go:build !unix

package mockserver

import "time"

// processCPU is not measured on this platform; benchmarks then skip the
// per-CPU-second metric.
func processCPU() time.Duration { return 0 }
