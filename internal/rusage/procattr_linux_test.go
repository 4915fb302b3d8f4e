package rusage

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/aritma/terraform-provider-aritma/internal/rusage/proctest"
)

// As the parent process (the test binary run again), start `sleep` with DieWithParent, print its
// pid and exit.
func init() {
	if os.Getenv("RUSAGE_TEST_PARENT") == "" {
		return
	}
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = DieWithParent()
	if err := cmd.Start(); err != nil {
		os.Exit(3)
	}
	os.Stdout.WriteString(strconv.Itoa(cmd.Process.Pid) + "\n")
	os.Exit(0)
}

// A child started with DieWithParent ends when its parent does, even unwaited for.
func TestDieWithParent(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep command")
	}
	parent := exec.Command(os.Args[0], "-test.run=^$")
	parent.Env = append(os.Environ(), "RUSAGE_TEST_PARENT=1")
	out, err := parent.Output()
	if err != nil {
		t.Fatalf("parent: %v", err)
	}
	line, _, _ := bufio.NewReader(strings.NewReader(string(out))).ReadLine()
	pid, err := strconv.Atoi(string(line))
	if err != nil {
		t.Fatalf("parent printed %q", out)
	}
	proctest.ExpectGone(t, pid, "the child of the killed parent")
}
