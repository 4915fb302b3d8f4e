// Command aritma-report renders the reliability tests' JSON lines (ARITMA_RELIABILITY_REPORT) into
// the README's "Reliability" section, between <!-- reliability:start --> and
// <!-- reliability:end -->, and leaves the rest of the README alone.
//
//	go run ./internal/cmd/aritma-report -in reliability.jsonl -readme README.md
//	go run ./internal/cmd/aritma-report -in reliability.jsonl -readme ""   # print only
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/reliability"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "aritma-report:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("aritma-report", flag.ContinueOnError)
	in := fs.String("in", os.Getenv(reliability.EnvReport), "JSON lines written by the reliability tests")
	readme := fs.String("readme", "README.md", "README to rewrite between the reliability markers; empty prints the section")
	at := fs.String("at", "", "what was tested, e.g. the commit (make reliability passes git describe); named in the section so a stale table shows")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("no report: set -in or " + reliability.EnvReport)
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	rows, err := reliability.Read(f)
	_ = f.Close() // read-only; a close error changes nothing
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s holds no rows: did the reliability tests run?", *in)
	}
	body := reliability.Render(rows)
	if *at != "" {
		body = fmt.Sprintf("Recorded %s at `%s`. ", time.Now().UTC().Format("2006-01-02"), *at) + body
	}
	if *readme == "" {
		_, err := io.WriteString(stdout, body)
		return err
	}
	doc, err := os.ReadFile(*readme)
	if err != nil {
		return err
	}
	out, err := reliability.Splice(string(doc), body)
	if err != nil {
		return fmt.Errorf("%s: %w", *readme, err)
	}
	if err := os.WriteFile(*readme, []byte(out), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: reliability section rewritten from %d rows\n", *readme, len(rows))
	return nil
}
