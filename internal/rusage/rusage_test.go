package rusage

import (
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
)

func TestAppendRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	if recs, err := Read(path); err != nil || recs != nil {
		t.Fatalf("no file: %v, %v", recs, err)
	}
	want := []Record{
		{PID: 1, Args: []string{"-debug"}, Start: "2026-11-25T00:00:00Z", WallSec: 1.5, UserSec: 1, SysSec: 0.25, MaxRSSKiB: 40960, WrapCPUSec: 0.01},
		{PID: 2, ExitCode: 130},
	}
	for _, r := range want {
		if err := Append(path, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestSeconds(t *testing.T) {
	if got := Seconds(syscall.Timeval{Sec: 2, Usec: 250000}); got != 2.25 {
		t.Errorf("Seconds = %v, want 2.25", got)
	}
}
