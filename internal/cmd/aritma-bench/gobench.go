//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

const mockPkg = "github.com/aritma/terraform-provider-aritma/internal/mockserver"

// mockThroughput returns the mock's benchmark results and the command that ran them: parsed from
// file (the output of a `go test -bench` run over several packages, as `make bench` saves it, made
// by fileCmd) or, when file is empty, from a run of the mock's benchmarks.
func mockThroughput(ctx context.Context, goCmd, file, fileCmd string, log func(string, ...any)) ([]benchLine, string, error) {
	var out []byte
	command := fileCmd
	if file != "" {
		if command == "" {
			command = "go test -bench (output read from " + file + ")"
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, command, err
		}
		out = data
	} else {
		args := []string{"test", "-run", "^$", "-bench", ".", "-benchtime", "2s", "-count", "1", "./internal/mockserver"}
		command = goCmd + " test -run '^$' -bench . -benchtime 2s -count 1 ./internal/mockserver"
		log("==> %s", command)
		data, err := exec.CommandContext(ctx, goCmd, args...).CombinedOutput()
		if err != nil {
			return nil, command, fmt.Errorf("%s: %w\n%s", command, err, data)
		}
		out = data
	}
	lines := parseGoBench(string(out), mockPkg)
	if len(lines) == 0 {
		return nil, command, fmt.Errorf("no benchmark of %s in the output", mockPkg)
	}
	return lines, command, nil
}

// parseGoBench reads the benchmark lines of pkg from `go test -bench` output. A line's req/s
// metric is used when the benchmark reports one, else 1e9 / ns/op.
func parseGoBench(out, pkg string) []benchLine {
	var lines []benchLine
	cur := ""
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "pkg: "); ok {
			cur = strings.TrimSpace(rest)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") || (pkg != "" && cur != "" && cur != pkg) {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue // a benchmark's log line, not its result
		}
		bl := benchLine{Name: trimProcs(f[0])}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				bl.NsPerOp = v
			case "req/s":
				bl.ReqPerSec = v
			}
		}
		if bl.ReqPerSec == 0 && bl.NsPerOp > 0 {
			bl.ReqPerSec = 1e9 / bl.NsPerOp
		}
		if bl.ReqPerSec > 0 {
			lines = append(lines, bl)
		}
	}
	return lines
}

// trimProcs drops the -GOMAXPROCS suffix of a benchmark name.
func trimProcs(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			return name[:i]
		}
	}
	return name
}

// buildProfilingProvider builds ./internal/cmd/aritma-bench/pprofprovider into the work
// directory and returns its path; the wrapper then runs it instead of bin/terraform-provider-aritma.
func buildProfilingProvider(ctx context.Context, goCmd, root, work, pprofDir string) (string, error) {
	if err := os.MkdirAll(pprofDir, 0o755); err != nil {
		return "", err
	}
	out := work + "/pprof-provider"
	return out, goBuild(ctx, goCmd, root, out, "./internal/cmd/aritma-bench/pprofprovider")
}

// buildNoopProvider builds the provider of the plugin floor (see noopprovider) into work.
func buildNoopProvider(ctx context.Context, goCmd, root, work string) (string, error) {
	out := work + "/noop-provider"
	return out, goBuild(ctx, goCmd, root, out, "./internal/cmd/aritma-bench/noopprovider")
}

// buildLDFlags are the linker flags of `make build` (the GNUmakefile's LDFLAGS, less the version
// stamp): the floors, the wrapper and the profiling provider are built as the measured provider
// is, so the floors' binaries differ from it only in what they serve.
const buildLDFlags = "-s -w"

// goBuildArgs are the arguments of `go` that build the package pkg into out.
func goBuildArgs(out, pkg string) []string {
	return []string{"build", "-trimpath", "-ldflags", buildLDFlags, "-o", out, pkg}
}

// goBuild builds the package pkg of the module at root into out with the Go command goCmd, the
// one that built the measured provider (make bench passes its $(GO)).
func goBuild(ctx context.Context, goCmd, root, out, pkg string) error {
	cmd := exec.CommandContext(ctx, goCmd, goBuildArgs(out, pkg)...)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s: %w\n%s", pkg, err, msg)
	}
	return nil
}
