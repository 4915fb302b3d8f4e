// Package benchenv names the environment variables through which aritma-bench steers the
// providers it builds (noopprovider, pprofprovider): the harness sets them and the providers read
// them, so a name spelt differently on one side cannot silently turn a floor or a profile off.
package benchenv

const (
	// NoopProtocol, when set, makes the no-op provider serve noop_data straight through
	// terraform-plugin-go instead of the framework (the protocol floor).
	NoopProtocol = "ARITMA_BENCH_NOOP_PROTOCOL"
	// PprofDir is the directory the profiling provider writes its profiles into.
	PprofDir = "ARITMA_BENCH_PPROF_DIR"
)
