// Package proctest holds what the tests of the benchmark's process handling share: waiting for a
// process that must not outlive the one that started it. Linux only (it reads /proc).
package proctest
