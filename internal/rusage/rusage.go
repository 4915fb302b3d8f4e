// Package rusage is the record internal/cmd/rusage-wrap writes for every process it runs and
// internal/cmd/aritma-bench reads back: one JSON line per process, appended to a file; and what
// else the two share about the processes they start (Seconds, DieWithParent).
package rusage

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Record is what one run of a wrapped program cost.
type Record struct {
	PID        int      `json:"pid"`
	Args       []string `json:"args,omitempty"`
	Start      string   `json:"start"`
	WallSec    float64  `json:"wallSec"`
	UserSec    float64  `json:"userSec"`
	SysSec     float64  `json:"sysSec"`
	MaxRSSKiB  int64    `json:"maxRssKiB"`
	ExitCode   int      `json:"exitCode"`
	WrapCPUSec float64  `json:"wrapCpuSec"` // the wrapper's own CPU time, to take off its parent's
}

// Append writes rec as one line to the file at path; O_APPEND keeps the lines of concurrent
// wrappers whole.
func Append(path string, rec Record) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// Read returns the records in the file at path; none when there is no such file (no process ran).
func Read(path string) ([]Record, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var recs []Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		recs = append(recs, r)
	}
	return recs, sc.Err()
}
