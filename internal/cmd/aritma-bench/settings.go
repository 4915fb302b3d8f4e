package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
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
		Runs: o.kinds, Repeat: o.repeat, Pprof: o.pprofDir != "", Env: o.extraEnv,
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
