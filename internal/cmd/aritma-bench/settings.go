//go:build unix

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// settings are the choices of a run that change what it measures and that the report's header
// does not show. They are saved in results.json, so that -resume can refuse to mix runs that
// differ in them.
type settings struct {
	Runs   []string `json:"runs"` // the workloads run (-runs, less what -latency 0 and -floor-only drop)
	Repeat int      `json:"repeat"`
	Pprof  bool     `json:"pprof"`         // a profiling provider in place of -bin's
	Env    []string `json:"env,omitempty"` // -env
	// GOGC and GOMEMLIMIT as they reach the CLI and the providers (the harness's environment, then
	// -env): the provider's own garbage collector settings give way to them.
	GOGC       string `json:"GOGC,omitempty"`
	GOMEMLIMIT string `json:"GOMEMLIMIT,omitempty"`
	DataSource bool   `json:"dataSource"`
	MockBench  bool   `json:"mockBench"`
	// Binaries is the SHA-256 of every binary the run executes, by role: provider (the one
	// measured, -bin's or the profiling build), noop, wrapper and mock.
	Binaries map[string]string `json:"binaries,omitempty"`
}

// newSettings records o's settings; env is the environment the CLI inherits (before -env).
func newSettings(o options, env []string) *settings {
	env = append(slices.Clone(env), o.extraEnv...)
	return &settings{
		Runs: o.kinds, Repeat: o.repeat, Pprof: o.pprofDir != "", Env: hideSecretValues(o.extraEnv),
		GOGC: lastValue(env, "GOGC"), GOMEMLIMIT: lastValue(env, "GOMEMLIMIT"),
		DataSource: o.dataSource, MockBench: o.mockBench, Binaries: map[string]string{},
	}
}

// lastValue is the value of key in env, where a later entry overrides an earlier one as it does
// for os/exec.
func lastValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// hashBinary records the SHA-256 of the binary at path under role.
func (s *settings) hashBinary(role, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s.Binaries[role] = hex.EncodeToString(h.Sum(nil))
	return nil
}

// differences lists what differs between the settings of an earlier run (prev) and s, for
// -resume. A binary only one of them ran (a floor-only run has no provider) does not differ: the
// runs reused from prev did not use it.
func (s *settings) differences(prev *settings) []string {
	if prev == nil {
		return []string{"it records no settings or binaries (an older aritma-bench made it)"}
	}
	var diffs []string
	differ := func(what, was, is string) {
		if was != is {
			diffs = append(diffs, fmt.Sprintf("%s %s then, %s now", what, was, is))
		}
	}
	roles := make([]string, 0, len(s.Binaries))
	for role := range s.Binaries {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	for _, role := range roles {
		if was, ok := prev.Binaries[role]; ok {
			differ("the "+role+" binary's SHA-256", short(was), short(s.Binaries[role]))
		}
	}
	differ("-repeat", fmt.Sprint(prev.Repeat), fmt.Sprint(s.Repeat))
	differ("-pprof", fmt.Sprint(prev.Pprof), fmt.Sprint(s.Pprof))
	differ("-env", envList(prev.Env), envList(s.Env))
	differ("GOGC", quoted(prev.GOGC), quoted(s.GOGC))
	differ("GOMEMLIMIT", quoted(prev.GOMEMLIMIT), quoted(s.GOMEMLIMIT))
	return diffs
}

func short(sum string) string { return sum[:min(len(sum), 12)] + "…" }

// hideSecretValues replaces the value of every KEY=VALUE whose key names a secret (a token, a
// secret, a password, a key) by a digest of it: -env is saved in results.json and shown by the
// messages that refuse a resume or the README, and the digest still tells two values apart.
func hideSecretValues(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		upper := strings.ToUpper(k)
		if ok && v != "" && (strings.Contains(upper, "SECRET") || strings.Contains(upper, "TOKEN") ||
			strings.Contains(upper, "PASSWORD") || strings.Contains(upper, "KEY")) {
			sum := sha256.Sum256([]byte(v))
			kv = k + "=sha256:" + hex.EncodeToString(sum[:6])
		}
		out = append(out, kv)
	}
	return out
}

func envList(env []string) string {
	if len(env) == 0 {
		return "none"
	}
	return strings.Join(env, " ")
}

func quoted(v string) string {
	if v == "" {
		return "unset"
	}
	return fmt.Sprintf("%q", v)
}

// The defaults of a standard run, the only one whose report the README takes.
var (
	defaultNs = []int{50, 200, 1000}
	allKinds  = []string{kindFloor, kindPlugin, kindProtocol, kindProvider, kindLatency}
)

const (
	defaultLatencyMS   = 20
	defaultParallelism = 10
)

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// readmeRefusals say why rep may not replace the README's table: what it set out to measure and
// did not (a failed or missing phase, the data source, the mock's benchmarks), and where it was
// not a standard run. The README's prose and targets speak of that run only: a smoke run, a
// profiling provider or another garbage collector setting there would stand for the provider.
func (rep *report) readmeRefusals() (incomplete, nonDefault []string) {
	s := rep.Settings
	if s == nil {
		return nil, []string{"no settings recorded (an older aritma-bench made it)"}
	}
	for _, n := range rep.Ns {
		for _, kind := range s.Runs {
			for _, ph := range phaseNames {
				if _, err := rep.measuredAt(kind, n, ph); err != nil && !slices.Contains(incomplete, err.Error()) {
					incomplete = append(incomplete, err.Error())
				}
			}
		}
	}
	if s.DataSource && (slices.Contains(s.Runs, kindProvider) || slices.Contains(s.Runs, kindLatency)) {
		switch ds := rep.DataSource; {
		case ds == nil:
			incomplete = append(incomplete, "the data source workload did not run")
		case ds.Err != "":
			incomplete = append(incomplete, "the data source workload failed")
		}
	}
	if s.MockBench && len(rep.MockBench) == 0 {
		why := "no mock benchmarks"
		if rep.MockBenchErr != "" {
			why += " (" + firstLineOf(rep.MockBenchErr) + ")"
		}
		incomplete = append(incomplete, why)
	}

	if rep.Quick {
		nonDefault = append(nonDefault, "-quick")
	}
	if !slices.Equal(rep.Ns, defaultNs) {
		nonDefault = append(nonDefault, fmt.Sprintf("-n %s, not %s", joinInts(rep.Ns), joinInts(defaultNs)))
	}
	if runs := slices.Sorted(slices.Values(s.Runs)); !slices.Equal(runs, slices.Sorted(slices.Values(allKinds))) {
		nonDefault = append(nonDefault, fmt.Sprintf("only the workloads %s (-runs, -floor-only or -latency 0)", strings.Join(s.Runs, ",")))
	}
	if rep.LatencyMS != defaultLatencyMS && slices.Contains(s.Runs, kindLatency) {
		nonDefault = append(nonDefault, fmt.Sprintf("-latency %d, not %d", rep.LatencyMS, defaultLatencyMS))
	}
	if rep.Parallelism != defaultParallelism {
		nonDefault = append(nonDefault, fmt.Sprintf("-parallelism %d, not %d", rep.Parallelism, defaultParallelism))
	}
	if s.Repeat != 1 {
		nonDefault = append(nonDefault, fmt.Sprintf("-repeat %d", s.Repeat))
	}
	if s.Pprof {
		nonDefault = append(nonDefault, "-pprof (a profiling provider)")
	}
	if len(s.Env) > 0 {
		nonDefault = append(nonDefault, "-env "+envList(s.Env))
	}
	if s.GOGC != "" {
		nonDefault = append(nonDefault, "GOGC="+s.GOGC)
	}
	if s.GOMEMLIMIT != "" {
		nonDefault = append(nonDefault, "GOMEMLIMIT="+s.GOMEMLIMIT)
	}
	if !s.DataSource {
		nonDefault = append(nonDefault, "-datasource=false")
	}
	if !s.MockBench {
		nonDefault = append(nonDefault, "-mock-bench=false")
	}
	return incomplete, nonDefault
}
