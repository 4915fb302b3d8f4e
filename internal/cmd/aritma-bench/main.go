//go:build unix

// Command aritma-bench measures the provider against two floors.
//
// For each N it generates a configuration that calls a client module N times: an
// aritma_iam_client with 2 aritma_iam_client_secret (generated values) and 2 aritma_iam_policy
// resources per instance (5N resources). The same graph is built from terraform_data (the floor:
// Terraform core with no provider process) and from noop_data, terraform_data served by a
// terraform-plugin-framework provider that does nothing (noopprovider: what any plugin provider
// costs). It runs apply, a no-change plan (refresh, -detailed-exitcode must exit 0) and destroy
// with a real CLI against the bundled mock, then the provider workload again with latency
// injected into the mock. For every command it records wall time, CPU time and peak RSS of the CLI
// and of the provider processes (through internal/cmd/rusage-wrap, installed as the provider in a
// dev_overrides directory), and the exact API calls by endpoint from the mock's /_mock/stats.
// It checks the targets of the performance issue, prints one markdown table and, from a complete
// run with the default settings only, rewrites the README's Performance section between
// <!-- bench:start --> and <!-- bench:end -->.
//
//	go run ./internal/cmd/aritma-bench -cli tofu       # N = 50,200,1000; writes README.md
//	go run ./internal/cmd/aritma-bench -quick          # N = 20, smoke test, README untouched
//	go run ./internal/cmd/aritma-bench -floor-only -quick
//
// It needs bin/terraform-provider-aritma and bin/aritma-mock (`make build`) and Go (-go), with which
// it builds the wrapper and the no-op provider as `make build` builds the provider. `make bench`
// runs it with OpenTofu: Terraform 1.11's own apply grows quadratically with the number of
// resources.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/cmd/aritma-bench/benchenv"
	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

type options struct {
	ns          []int
	quick       bool
	floorOnly   bool
	kinds       []string
	cli         string
	binDir      string
	goCmd       string
	workDir     string
	keep        bool
	latencyMS   int
	parallelism int
	repeat      int
	readme      string
	writeReadme bool
	goBench     string
	goBenchCmd  string
	mockBench   bool
	jsonOut     string
	timeout     time.Duration
	pprofDir    string
	extraEnv    []string
	resume      string
	dataSource  bool
	render      string
}

func main() {
	log := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		log("aritma-bench: %v", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := run
	if opts.render != "" {
		run = func(context.Context, options, func(string, ...any)) (*report, error) { return readReport(opts.render) }
	}
	rep, err := run(ctx, opts, log)
	code := finish(opts, rep, err, os.Stdout, log)
	stop()
	os.Exit(code) //nolint:gocritic // stop() ran just above; nothing else is deferred
}

// finish prints the report, rewrites the README's section when it takes the run, and returns
// the exit status: 1 when the run failed, or when it was to be written to the README and is
// incomplete (a -render of a failed run's results); a run the README leaves alone only for its
// settings is no failure.
func finish(opts options, rep *report, err error, stdout io.Writer, log func(string, ...any)) int {
	if rep != nil {
		fmt.Fprintln(stdout, rep.markdown())
	}
	if err != nil {
		log("aritma-bench: %v", err)
		if opts.writeReadme {
			log("==> the run failed: the README is left alone")
		}
		return 1
	}
	if rep == nil || !opts.writeReadme {
		return 0
	}
	incomplete, nonDefault := rep.readmeRefusals()
	if why := slices.Concat(incomplete, nonDefault); len(why) > 0 {
		log("==> the README is left alone: it takes only a complete run with the default settings; this one: %s", strings.Join(why, "; "))
		if len(incomplete) > 0 {
			return 1
		}
		return 0
	}
	if err := rewriteReadme(opts.readme, rep.markdown()); err != nil {
		log("aritma-bench: %v", err)
		return 1
	}
	log("==> wrote the Performance section of %s", opts.readme)
	return 0
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("aritma-bench", flag.ContinueOnError)
	nList := fs.String("n", joinInts(defaultNs), "comma-separated numbers of clients N (each workload has 5N resources)")
	fs.BoolVar(&o.quick, "quick", false, "smoke test: N = 20 (unless -n is given); the README is left alone")
	fs.BoolVar(&o.floorOnly, "floor-only", false, "run only the floors (terraform_data, and the no-op providers if -runs has them): no mock, no aritma provider")
	kinds := fs.String("runs", strings.Join(allKinds, ","), "workloads to run: floor (terraform_data), plugin (noop_data of a framework provider that does nothing), protocol (the same noop_data served without the framework), provider (aritma, no latency), latency (aritma with -latency)")
	fs.StringVar(&o.cli, "cli", "terraform", "Terraform-compatible CLI to drive: terraform, tofu, or a path (make bench passes OpenTofu)")
	fs.StringVar(&o.binDir, "bin", "bin", "directory holding terraform-provider-aritma and aritma-mock")
	fs.StringVar(&o.goCmd, "go", "go", "the Go command that built -bin's provider, to build the no-op provider, the wrapper and the profiling provider with (make bench passes its $(GO))")
	fs.StringVar(&o.workDir, "work", ".bench", "directory for working directories, logs and results.json")
	fs.BoolVar(&o.keep, "keep", false, "keep the generated working directories and logs (a failed run keeps them anyway)")
	fs.IntVar(&o.latencyMS, "latency", defaultLatencyMS, "latency in ms the mock adds to every request in the latency run (0 = skip that run)")
	fs.IntVar(&o.parallelism, "parallelism", defaultParallelism, "the CLI's -parallelism")
	fs.IntVar(&o.repeat, "repeat", 1, "run every workload this many times and keep the fastest run of each phase")
	fs.StringVar(&o.readme, "readme", "README.md", "README whose <!-- bench:start -->/<!-- bench:end --> section is rewritten, only from a complete run with the default settings (no -quick, -n, -runs, -latency, -parallelism, -repeat, -pprof, -env, GOGC or GOMEMLIMIT)")
	noReadme := fs.Bool("no-readme", false, "do not rewrite the README")
	fs.StringVar(&o.goBench, "gobench", "", "file holding go test -bench output to take the mock's throughput from (default: run the mock's benchmarks)")
	fs.StringVar(&o.goBenchCmd, "gobench-cmd", "", "the command that wrote -gobench's file, for the report to name")
	fs.BoolVar(&o.mockBench, "mock-bench", true, "report the mock's throughput from its Go benchmarks")
	fs.StringVar(&o.jsonOut, "json", "", "write the raw results as JSON to this file (default: <work>/results.json)")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Hour, "timeout of each CLI command")
	fs.StringVar(&o.resume, "resume", "", "results.json of an interrupted run: reuse its completed workloads instead of running them again")
	fs.StringVar(&o.render, "render", "", "run nothing: render the report from this results.json, and the README section if the README takes that run (see -readme)")
	fs.BoolVar(&o.dataSource, "datasource", true, "also time one plan reading 10,000 subjects through aritma_iam_subjects, counting its list pages")
	fs.StringVar(&o.pprofDir, "pprof", "", "write a CPU and a heap profile of every provider process into this directory (builds a profiling provider)")
	fs.Func("env", "KEY=VALUE to add to the CLI's (and so the provider's) environment, for experiments; repeatable", func(v string) error {
		if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
			return fmt.Errorf("%q is not KEY=VALUE", v)
		}
		o.extraEnv = append(o.extraEnv, v)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick && !set["n"] {
		*nList = "20"
	}
	for f := range strings.SplitSeq(*nList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-n: %q is not a positive number", f)
		}
		o.ns = append(o.ns, n)
	}
	slices.Sort(o.ns)
	o.ns = slices.Compact(o.ns)
	for k := range strings.SplitSeq(*kinds, ",") {
		k = strings.TrimSpace(k)
		if !slices.Contains(allKinds, k) {
			return o, fmt.Errorf("-runs: unknown workload %q (floor, plugin, protocol, provider, latency)", k)
		}
		if k == kindLatency && o.latencyMS <= 0 {
			continue
		}
		if o.floorOnly && k != kindFloor && k != kindPlugin && k != kindProtocol {
			continue
		}
		o.kinds = append(o.kinds, k)
	}
	o.floorOnly = !slices.Contains(o.kinds, kindProvider) && !slices.Contains(o.kinds, kindLatency)
	o.writeReadme = !*noReadme && !o.quick
	if o.repeat < 1 {
		o.repeat = 1
	}
	if o.pprofDir != "" {
		abs, err := filepath.Abs(o.pprofDir)
		if err != nil {
			return o, err
		}
		o.pprofDir = abs
	}
	if o.jsonOut == "" {
		o.jsonOut = filepath.Join(o.workDir, "results.json")
	}
	return o, nil
}

func run(ctx context.Context, o options, log func(string, ...any)) (rep *report, err error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	binDir, err := filepath.Abs(o.binDir)
	if err != nil {
		return nil, err
	}
	cli, err := exec.LookPath(o.cli)
	if err != nil {
		return nil, fmt.Errorf("CLI %q: %w; give its path (make bench finds or builds it with "+
			"internal/scripts/clis.sh, OpenTofu into .tools/tofu-<version>/ or $TOOLS_DIR), such as -cli .tools/tofu-v1.12.6/tofu", o.cli, err)
	}
	if err := os.MkdirAll(o.workDir, 0o755); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(o.workDir, "run-")
	if err != nil {
		return nil, err
	}
	work, _ = filepath.Abs(work)
	if o.keep {
		log("==> keeping %s", work)
	}
	defer func() { err = finishWork(work, o.keep, err) }()

	cliVersion, err := reliability.CLIName(ctx, cli) // "terraform 1.11.4", "tofu 1.12.6"
	if err != nil {
		return nil, err
	}
	rep = &report{
		Started:     time.Now().UTC(),
		CLI:         filepath.Base(cli),
		CLIVersion:  cliVersion,
		Workload:    workloadFormat,
		GoVersion:   runtime.Version(),
		CPUs:        runtime.NumCPU(),
		Ns:          o.ns,
		Parallelism: o.parallelism,
		LatencyMS:   o.latencyMS,
		Quick:       o.quick,
		FloorOnly:   o.floorOnly,
		Settings:    newSettings(o, os.Environ()),
	}
	rep.LoadAvg = loadAvg()
	log("==> %s, %s, %d CPUs, load %s", rep.CLIVersion, rep.GoVersion, rep.CPUs, rep.LoadAvg)

	// The mock's own throughput first, while nothing else of ours is running.
	if o.mockBench {
		lines, command, err := mockThroughput(ctx, o.goCmd, o.goBench, o.goBenchCmd, log)
		rep.MockBenchCmd = command
		if err != nil {
			log("==> mock benchmarks unavailable: %v", err)
			rep.MockBenchErr = err.Error()
		}
		rep.MockBench = lines
	}

	h := &harness{opts: o, cli: cli, work: work, log: log}
	if slices.Contains(o.kinds, kindPlugin) || slices.Contains(o.kinds, kindProtocol) {
		if h.noopBin, err = buildNoopProvider(ctx, o.goCmd, root, work); err != nil {
			return rep, err
		}
	}
	if !o.floorOnly {
		provider := filepath.Join(binDir, "terraform-provider-aritma")
		if _, err := os.Stat(provider); err != nil {
			return rep, fmt.Errorf("%s: %w (run `make build`, or use -floor-only)", provider, err)
		}
		if o.pprofDir != "" {
			if provider, err = buildProfilingProvider(ctx, o.goCmd, root, work, o.pprofDir); err != nil {
				return rep, err
			}
		}
		if err := h.installWrapper(ctx, root, provider); err != nil {
			return rep, err
		}
		if err := rep.Settings.hashBinary("mock", filepath.Join(binDir, "aritma-mock")); err != nil {
			return rep, fmt.Errorf("%w (run `make build`)", err)
		}
		h.mock, err = startMock(ctx, filepath.Join(binDir, "aritma-mock"), filepath.Join(work, "mock.log"))
		if err != nil {
			return rep, err
		}
		defer h.mock.stop()
		log("==> mock at %s", h.mock.url)
	} else if err := h.installWrapper(ctx, root, ""); err != nil {
		return rep, err
	}

	for role, path := range map[string]string{"provider": h.providerBin, "noop": h.noopBin, "wrapper": h.wrapBin} {
		if path == "" {
			continue
		}
		if err := rep.Settings.hashBinary(role, path); err != nil {
			return rep, err
		}
	}
	done, prevDS, err := completedRuns(o.resume, rep)
	if err != nil {
		return rep, err
	}
	var runErr error
	for _, n := range o.ns {
		for _, kind := range o.kinds {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if prev, ok := done[runKey{kind, n}]; ok {
				log("==> %-8s N=%-5d reused from %s (measured %s)", kind, n, o.resume, prev.Started.Format(time.TimeOnly))
				prev.Resumed = true
				rep.Runs = append(rep.Runs, prev)
				continue
			}
			res, err := h.workload(ctx, kind, n)
			rep.Runs = append(rep.Runs, res)
			if err != nil {
				log("==> %s N=%d: %v", kind, n, err)
				runErr = errors.Join(runErr, fmt.Errorf("%s N=%d: %w", kind, n, err))
			}
			// Saved after every workload, so an interrupted run can be resumed (-resume).
			if err := writeJSON(o.jsonOut, rep); err != nil {
				log("==> %v", err)
			}
		}
	}
	switch {
	case o.floorOnly || !o.dataSource:
	case prevDS != nil:
		log("==> data source workload reused from %s", o.resume)
		rep.DataSource = prevDS
	default:
		ds, err := h.dataSourceWorkload(ctx)
		rep.DataSource = ds
		if err != nil {
			log("==> data source: %v", err)
			runErr = errors.Join(runErr, fmt.Errorf("data source: %w", err))
		}
		if err := writeJSON(o.jsonOut, rep); err != nil {
			log("==> %v", err)
		}
	}
	return rep, runErr
}

// finishWork removes the run's work directory unless -keep asks for it or the run failed: the
// errors of a failed run name logs in it ("see …/apply.log"), which must still be there to see.
func finishWork(work string, keep bool, err error) error {
	switch {
	case err != nil:
		return errors.Join(err, fmt.Errorf("the run failed, so its work directory %s is kept for the logs named above (remove it when done)", work))
	case !keep:
		_ = os.RemoveAll(work)
	}
	return nil
}

// readReport loads the results.json of an earlier run.
func readReport(path string) (*report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rep, nil
}

type runKey struct {
	kind string
	n    int
}

// completedRuns reads the workloads of an earlier results.json that finished without an error.
// A run of another CLI, parallelism, latency or workload format would not compare, so it is refused.
func completedRuns(path string, now *report) (map[runKey]runResult, *dataSourceResult, error) {
	done := map[runKey]runResult{}
	if path == "" {
		return done, nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var prev report
	if err := json.Unmarshal(data, &prev); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if prev.Workload != workloadFormat || prev.CLIVersion != now.CLIVersion || prev.Parallelism != now.Parallelism || prev.LatencyMS != now.LatencyMS {
		return nil, nil, fmt.Errorf("-resume %s: it ran workload format %q with %s, -parallelism=%d, -latency=%d; this run is %q with %s, -parallelism=%d, -latency=%d",
			path, prev.Workload, prev.CLIVersion, prev.Parallelism, prev.LatencyMS, now.Workload, now.CLIVersion, now.Parallelism, now.LatencyMS)
	}
	// Another build of any binary, or another garbage collector or profiler, measures something
	// else: the table would compare numbers of two different programs as one run's.
	if diffs := now.Settings.differences(prev.Settings); len(diffs) > 0 {
		return nil, nil, fmt.Errorf("-resume %s: it was made with other binaries or settings: %s; run without -resume",
			path, strings.Join(diffs, "; "))
	}
	for _, r := range prev.Runs {
		ok := len(r.Phases) == 3
		for _, p := range r.Phases {
			ok = ok && p.Err == ""
		}
		if ok {
			done[runKey{r.Kind, r.N}] = r
		}
	}
	ds := prev.DataSource
	if ds != nil && ds.Err != "" {
		ds = nil
	}
	return done, ds, nil
}

// harness holds what every workload run shares.
type harness struct {
	opts        options
	cli         string
	work        string
	wrapDir     string
	cliRC       string
	providerBin string
	wrapBin     string
	noopBin     string
	mock        *mockProc
	log         func(string, ...any)
	sequence    int
}

// installWrapper builds rusage-wrap as <work>/plugins/terraform-provider-aritma (and -noop, the
// same program) and writes the CLI configuration whose dev_overrides point there. provider is the
// real binary it runs for the aritma workloads, h.noopBin for the plugin and protocol floors.
func (h *harness) installWrapper(ctx context.Context, root, provider string) error {
	h.wrapDir = filepath.Join(h.work, "plugins")
	h.cliRC = filepath.Join(h.work, "cli.tfrc")
	if err := os.MkdirAll(h.wrapDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(h.cliRC, []byte(cliConfig(h.wrapDir)), 0o644); err != nil {
		return err
	}
	h.providerBin = provider
	if provider == "" && h.noopBin == "" {
		return nil
	}
	out := filepath.Join(h.wrapDir, "terraform-provider-aritma")
	if err := goBuild(ctx, h.opts.goCmd, root, out, "./internal/cmd/rusage-wrap"); err != nil {
		return err
	}
	h.wrapBin = out
	return os.Symlink(out, filepath.Join(h.wrapDir, "terraform-provider-noop"))
}

// env is the environment of a CLI command of a workload of kind.
func (h *harness) env(kind, wrapOut string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		// The machine's own CLI settings, logs and credentials must not leak into the runs.
		if strings.HasPrefix(k, "TF_") || strings.HasPrefix(k, "ARITMA_") || strings.HasPrefix(k, "RUSAGE_WRAP_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"TF_CLI_CONFIG_FILE="+h.cliRC,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"RUSAGE_WRAP_EXEC="+h.wrappedBin(kind),
		"RUSAGE_WRAP_OUT="+wrapOut,
	)
	if h.mock != nil {
		env = append(env,
			"ARITMA_ENDPOINT="+h.mock.url,
			"ARITMA_TOKEN_URL="+h.mock.url+"/connect/token",
			"ARITMA_CLIENT_ID="+h.mock.clientID,
			"ARITMA_CLIENT_SECRET="+h.mock.clientSecret,
		)
	}
	if h.opts.pprofDir != "" {
		env = append(env, benchenv.PprofDir+"="+h.opts.pprofDir)
	}
	if kind == kindProtocol {
		env = append(env, benchenv.NoopProtocol+"=1")
	}
	return append(env, h.opts.extraEnv...)
}

// wrappedBin is the provider binary rusage-wrap runs for a workload of kind.
func (h *harness) wrappedBin(kind string) string {
	if kind == kindPlugin || kind == kindProtocol {
		return h.noopBin
	}
	return h.providerBin
}

// workload runs apply, plan and destroy of one kind at one N, opts.repeat times, and keeps the
// fastest run of each phase.
func (h *harness) workload(ctx context.Context, kind string, n int) (runResult, error) {
	res := runResult{Kind: kind, N: n, Resources: 5 * n, Started: time.Now().UTC()}
	if kind == kindLatency {
		res.LatencyMS = h.opts.latencyMS
	}
	var errs error
	for range h.opts.repeat {
		phases, err := h.workloadOnce(ctx, kind, n)
		errs = errors.Join(errs, err)
		for _, p := range phases {
			i := slices.IndexFunc(res.Phases, func(q phaseResult) bool { return q.Phase == p.Phase })
			switch {
			case i < 0:
				res.Phases = append(res.Phases, p)
			case p.Err == "" && (res.Phases[i].Err != "" || p.WallSec < res.Phases[i].WallSec):
				res.Phases[i] = p
			}
		}
	}
	return res, errs
}

func (h *harness) workloadOnce(ctx context.Context, kind string, n int) ([]phaseResult, error) {
	h.sequence++
	dir := filepath.Join(h.work, fmt.Sprintf("%02d-%s-%d", h.sequence, kind, n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for name, content := range workloadFiles(kind, n) {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	// `get` installs the local client module (it records where it is); unlike `init` it installs
	// no providers, so the dev override stays the only way the CLI finds ours.
	if err := h.getModules(ctx, kind, dir); err != nil {
		return nil, err
	}
	if h.mock != nil {
		if err := h.mock.reset(ctx); err != nil {
			return nil, err
		}
	}
	if h.mock != nil {
		latency := 0
		if kind == kindLatency {
			latency = h.opts.latencyMS
		}
		if err := h.mock.setLatency(ctx, latency); err != nil {
			return nil, err
		}
		defer func() { _ = h.mock.setLatency(context.WithoutCancel(ctx), 0) }()
	}

	par := "-parallelism=" + strconv.Itoa(h.opts.parallelism)
	steps := []struct {
		phase string
		args  []string
	}{
		{"apply", []string{"apply", "-auto-approve", "-input=false", "-no-color", par}},
		{"plan", []string{"plan", "-detailed-exitcode", "-input=false", "-no-color", par}},
		{"destroy", []string{"destroy", "-auto-approve", "-input=false", "-no-color", par}},
	}
	var phases []phaseResult
	var errs error
	applied := false
	for _, st := range steps {
		if st.phase == "plan" && !applied {
			continue // nothing to refresh; still destroy whatever a failed apply created
		}
		h.log("==> %-8s N=%-5d %-7s ...", kind, n, st.phase)
		p, err := h.phase(ctx, kind, dir, st.phase, st.args)
		if err != nil {
			errs = errors.Join(errs, fmt.Errorf("%s: %w", st.phase, err))
			p.Err = err.Error()
		}
		h.log("    wall %.2fs  cli cpu %.2fs rss %dMB  provider cpu %.2fs rss %dMB (%d launches)  api calls %d",
			p.WallSec, p.CLICPUSec, p.CLIMaxRSSKiB/1024, p.ProvCPUSec, p.ProvMaxRSS/1024, p.ProvLaunches, p.Total)
		phases = append(phases, p)
		if st.phase == "apply" {
			applied = p.ExitCode == 0
		}
	}
	return phases, errs
}

// getModules runs `get` in dir.
func (h *harness) getModules(ctx context.Context, kind, dir string) error {
	logPath, wrapOut := filepath.Join(dir, "get.log"), filepath.Join(dir, "get.rusage.jsonl")
	cost, err := runCLI(ctx, h.opts.timeout, h.cli, dir, h.env(kind, wrapOut), wrapOut, logPath, "get", "-no-color")
	if err == nil && cost.ExitCode != 0 {
		err = fmt.Errorf("exited %d; see %s:\n%s", cost.ExitCode, logPath, tailFile(logPath))
	}
	if err != nil {
		return fmt.Errorf("installing the client module: %w", err)
	}
	return nil
}

// phase runs one CLI command with fresh mock counters and collects what it cost.
func (h *harness) phase(ctx context.Context, kind, dir, phase string, args []string) (phaseResult, error) {
	p := phaseResult{Phase: phase}
	var mockCPU0 float64
	if h.mock != nil {
		if err := h.mock.resetStats(ctx); err != nil {
			return p, err
		}
		mockCPU0 = h.mock.cpuSeconds()
	}
	wrapOut := filepath.Join(dir, phase+".rusage.jsonl")
	logPath := filepath.Join(dir, phase+".log")
	cost, err := runCLI(ctx, h.opts.timeout, h.cli, dir, h.env(kind, wrapOut), wrapOut, logPath, args...)
	p.procCost = cost
	if err != nil {
		return p, err
	}
	if h.mock != nil {
		p.MockCPUSec = h.mock.cpuSeconds() - mockCPU0
		st, err := h.mock.stats(ctx)
		if err != nil {
			return p, err
		}
		p.Requests, p.Total = st.Requests, st.Total
	}
	switch {
	case phase == "plan" && cost.ExitCode == 2:
		return p, fmt.Errorf("the plan after apply is not empty (exit 2); see %s:\n%s", logPath, tailFile(logPath))
	case cost.ExitCode != 0:
		return p, fmt.Errorf("%s exited %d; see %s:\n%s", args[0], cost.ExitCode, logPath, tailFile(logPath))
	}
	return p, nil
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
