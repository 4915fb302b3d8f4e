// Package reliability records what the reliability tests tried and whether the provider survived
// it, as JSON lines, and renders those lines into the README's "Reliability" section.
package reliability

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// EnvReport names the environment variable holding the JSONL file the tests append to. When it is
// unset the tests record nothing.
const EnvReport = "ARITMA_RELIABILITY_REPORT"

// Sections, in the order the README shows them.
const (
	SectionFaults     = "faults"
	SectionInterrupts = "interrupts"
	SectionBadInput   = "bad-input"
	SectionLeaks      = "leaks"
	SectionLoad       = "load"
)

// Results a row can have.
const (
	ResultSurvived = "survived"
	ResultFailed   = "failed"
)

// Row is one thing that was tried against the provider with one CLI.
type Row struct {
	Section string  `json:"section"`
	Name    string  `json:"name"`
	CLI     string  `json:"cli"`
	Result  string  `json:"result"`
	Runs    int     `json:"runs"`
	Retries int64   `json:"retries"`
	WallS   float64 `json:"wall_s"`
	Details string  `json:"details"`
}

var appendMu sync.Mutex

// Append writes row as one JSON line at the end of the file at path, creating it when needed.
// Each line goes out in a single write to a file opened with O_APPEND, so test binaries of several
// packages may append to the same file at once.
func Append(path string, row Row) error {
	b, err := json.Marshal(row)
	if err != nil {
		return fmt.Errorf("encoding reliability row: %w", err)
	}
	b = append(b, '\n')
	appendMu.Lock()
	defer appendMu.Unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("opening reliability report: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		_ = f.Close() // the write error is the one worth reporting
		return fmt.Errorf("writing reliability report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing reliability report: %w", err)
	}
	return nil
}

// AppendEnv appends row to the file named by EnvReport; it does nothing when that is unset.
func AppendEnv(row Row) error {
	path := os.Getenv(EnvReport)
	if path == "" {
		return nil
	}
	return Append(path, row)
}

// Read parses JSON lines; blank lines are skipped.
func Read(r io.Reader) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var row Row
		if err := json.Unmarshal(text, &row); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading reliability report: %w", err)
	}
	return rows, nil
}

var sectionTitles = []struct{ key, title, intro string }{
	{SectionFaults, "Fault matrix", "One configuration of 20 clients × 2 secrets (generated values) × 2 policies — " +
		"100 resources — is applied, planned again and destroyed while the mock injects one fault profile. " +
		"Survived means: the server ends with exactly what the configuration declares (counted through the " +
		"API: clients, secrets per client, policies per subject), the next plan is empty and destroy leaves " +
		"nothing. Where a create's response is lost, the apply must fail naming the object that may exist and " +
		"the exact import command; the test then does as the error advises — imports a client; deletes a secret, " +
		"whose generated value an import could not recover — and applies again, and every secret in the state " +
		"must hold its value. Runs = applies until the configuration converged."},
	{SectionInterrupts, "Interrupts and crashes", ""},
	{SectionBadInput, "Bad input", ""},
	{SectionLeaks, "Never leak", ""},
	{SectionLoad, "Load", "`apply -parallelism=50` with the real CLI and the built provider binary against a mock " +
		"that answers every request after 50 ms; then `plan -detailed-exitcode` must report no changes and " +
		"`destroy -parallelism=50` must leave nothing. Survived means no object lost or created twice, " +
		"counted through the API."},
}

// sectionRank orders known sections first, in README order, then unknown ones alphabetically.
func sectionRank(s string) int {
	for i, st := range sectionTitles {
		if st.key == s {
			return i
		}
	}
	return len(sectionTitles)
}

// latest keeps the last row for each (section, name, cli): a re-run replaces the earlier result.
func latest(rows []Row) []Row {
	type key struct{ section, name, cli string }
	idx := map[key]int{}
	var out []Row
	for _, r := range rows {
		k := key{r.Section, r.Name, r.CLI}
		if i, ok := idx[k]; ok {
			out[i] = r
			continue
		}
		idx[k] = len(out)
		out = append(out, r)
	}
	return out
}

// Render turns rows into markdown: one table per section, rows sorted by name, then CLI.
func Render(rows []Row) string {
	rows = latest(rows)
	slices.SortStableFunc(rows, func(a, b Row) int {
		if d := sectionRank(a.Section) - sectionRank(b.Section); d != 0 {
			return d
		}
		if c := strings.Compare(a.Section, b.Section); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.CLI, b.CLI)
	})
	var b strings.Builder
	survived, failed := 0, 0
	for _, r := range rows {
		if r.Result == ResultSurvived {
			survived++
		} else {
			failed++
		}
	}
	clis := map[string]bool{}
	for _, r := range rows {
		clis[r.CLI] = true
	}
	cliNames := make([]string, 0, len(clis))
	for c := range clis {
		cliNames = append(cliNames, c)
	}
	slices.Sort(cliNames)
	fmt.Fprintf(&b, "Generated by `make reliability` from the records the tests write as they run, not typed by "+
		"hand: %d checks survived, %d failed, with %s. Retries are the 429 and 5xx answers the mock gave "+
		"(each one retried or reported by the provider); wall time covers the whole row, CLI runs included.\n",
		survived, failed, strings.Join(cliNames, " and "))
	section := ""
	for _, r := range rows {
		if r.Section != section {
			section = r.Section
			title, intro := section, ""
			for _, st := range sectionTitles {
				if st.key == section {
					title, intro = st.title, st.intro
				}
			}
			fmt.Fprintf(&b, "\n### %s\n\n", title)
			if intro != "" {
				fmt.Fprintf(&b, "%s\n\n", intro)
			}
			b.WriteString("| what was tried | CLI | result | runs | retries | wall time | details |\n")
			b.WriteString("|---|---|---|---:|---:|---:|---|\n")
		}
		result := "✅ survived"
		if r.Result != ResultSurvived {
			result = "❌ " + cell(r.Result)
		}
		// A row that did not time itself (a bad-input row is one step of a shared test case) says
		// so, rather than claiming no time at all.
		wall := "–"
		if r.WallS > 0 {
			wall = fmt.Sprintf("%.1f s", r.WallS)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s | %s |\n",
			cell(r.Name), cell(r.CLI), result, r.Runs, r.Retries, wall, cell(r.Details))
	}
	return b.String()
}

// cell keeps a value inside one markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.TrimSpace(s)
}

// Markers delimit the generated part of the README.
const (
	StartMarker = "<!-- reliability:start -->"
	EndMarker   = "<!-- reliability:end -->"
)

// ErrNoMarkers is returned when the document lacks the start and end markers.
var ErrNoMarkers = errors.New("reliability markers not found (or out of order)")

// Splice replaces what lies between the markers in doc with body and leaves the rest untouched.
func Splice(doc, body string) (string, error) {
	start := strings.Index(doc, StartMarker)
	end := strings.Index(doc, EndMarker)
	if start < 0 || end < 0 || end < start {
		return "", ErrNoMarkers
	}
	head := doc[:start+len(StartMarker)]
	tail := doc[end:]
	return head + "\n" + strings.TrimRight(body, "\n") + "\n" + tail, nil
}

// CompareVersions compares dotted release versions ("1.5.7", "1.12.0-rc1" as 1.12.0) by their
// numbers, the way a CLI version is gated: -1, 0 or +1.
func CompareVersions(a, b string) int {
	parse := func(v string) []int {
		v, _, _ = strings.Cut(v, "-")
		var n []int
		for f := range strings.SplitSeq(v, ".") {
			i, _ := strconv.Atoi(f)
			n = append(n, i)
		}
		return n
	}
	return slices.Compare(parse(a), parse(b))
}

// CLIName is "<terraform|tofu> <version>" of the CLI binary at path, for the cli column.
func CLIName(ctx context.Context, path string) (string, error) {
	cmd := exec.CommandContext(ctx, path, "version")
	// A CLI config naming a missing file only adds warnings; version needs no config at all.
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=", "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %w", path, err)
	}
	// First line: "Terraform v1.11.4" or "OpenTofu v1.12.6".
	first, _, _ := strings.Cut(string(out), "\n")
	fields := strings.Fields(first)
	if len(fields) < 2 {
		return "", fmt.Errorf("%s version: unexpected output %q", path, first)
	}
	name := strings.ToLower(fields[0])
	if name == "opentofu" {
		name = "tofu"
	}
	return name + " " + strings.TrimPrefix(fields[1], "v"), nil
}
