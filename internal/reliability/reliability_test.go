package reliability

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppendRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "r.jsonl")
	rows := []Row{
		{Section: SectionFaults, Name: "a", CLI: "terraform 1.11.4", Result: ResultSurvived, Runs: 1, Retries: 3, WallS: 1.5},
		{Section: SectionLoad, Name: "b|c", CLI: "tofu 1.12.6", Result: ResultFailed, Details: "line\nbreak"},
	}
	for _, r := range rows {
		if err := Append(path, r); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != rows[0] || got[1] != rows[1] {
		t.Fatalf("read back %+v, want %+v", got, rows)
	}
}

func TestAppendEnvUnset(t *testing.T) {
	t.Setenv(EnvReport, "")
	if err := AppendEnv(Row{Name: "x"}); err != nil {
		t.Fatalf("AppendEnv without a report file: %v", err)
	}
}

func TestReadRejectsGarbage(t *testing.T) {
	t.Parallel()
	if _, err := Read(strings.NewReader("{\"name\":\"ok\"}\n\nnot json\n")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("want an error naming line 3, got %v", err)
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	out := Render([]Row{
		{Section: SectionLoad, Name: "load", CLI: "tofu 1.12.6", Result: ResultSurvived, Runs: 1, WallS: 20},
		{Section: SectionFaults, Name: "z", CLI: "terraform 1.11.4", Result: ResultFailed, Details: "first"},
		{Section: SectionFaults, Name: "a|b", CLI: "terraform 1.11.4", Result: ResultSurvived, Runs: 2, Retries: 7, WallS: 12.345, Details: "x\ny"},
		// A re-run replaces the earlier row of the same section, name and CLI.
		{Section: SectionFaults, Name: "z", CLI: "terraform 1.11.4", Result: ResultSurvived, Details: "second"},
		{Section: "custom", Name: "c", CLI: "tofu 1.12.6", Result: ResultSurvived},
	})
	for _, want := range []string{
		"4 checks survived, 0 failed, with terraform 1.11.4 and tofu 1.12.6",
		"| a\\|b | terraform 1.11.4 | ✅ survived | 2 | 7 | 12.3 s | x y |",
		"| z | terraform 1.11.4 | ✅ survived | 0 | 0 | – | second |",
		"### Fault matrix",
		"### Load",
		"### custom",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("render lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "first") {
		t.Errorf("the replaced row is still rendered:\n%s", out)
	}
	if f, l, c := strings.Index(out, "### Fault matrix"), strings.Index(out, "### Load"), strings.Index(out, "### custom"); f > l || l > c {
		t.Errorf("sections out of order:\n%s", out)
	}
	if strings.Index(out, "| a\\|b |") > strings.Index(out, "| z |") {
		t.Errorf("rows not sorted by name:\n%s", out)
	}
}

func TestSplice(t *testing.T) {
	t.Parallel()
	doc := "# T\n\n## Reliability\n\n" + StartMarker + "\nold\n" + EndMarker + "\n\n## After\n"
	got, err := Splice(doc, "new table\n\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# T\n\n## Reliability\n\n" + StartMarker + "\nnew table\n" + EndMarker + "\n\n## After\n"
	if got != want {
		t.Fatalf("Splice:\n%q\nwant\n%q", got, want)
	}
	if _, err := Splice("no markers", "x"); !errors.Is(err, ErrNoMarkers) {
		t.Fatalf("want ErrNoMarkers, got %v", err)
	}
	if _, err := Splice(EndMarker+StartMarker, "x"); !errors.Is(err, ErrNoMarkers) {
		t.Fatalf("markers out of order: want ErrNoMarkers, got %v", err)
	}
}

func TestPrivateStateText(t *testing.T) {
	t.Parallel()
	inner := `{"created_at":"` + base64.StdEncoding.EncodeToString([]byte(`"2026-11-26T00:00:00Z"`)) + `","wo":"` +
		base64.StdEncoding.EncodeToString([]byte("s3cr3t-write-only")) + `"}`
	state := `{"resources":[{"instances":[{"attributes":{},"private":"` + base64.StdEncoding.EncodeToString([]byte(inner)) +
		`"},{"attributes":{}}]}]}`
	text, err := PrivateStateText([]byte(state))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"s3cr3t-write-only", `created_at="2026-11-26T00:00:00Z"`} {
		if !strings.Contains(text, want) {
			t.Errorf("private state text %q lacks %q", text, want)
		}
	}
	if _, err := PrivateStateText([]byte("not json")); err == nil {
		t.Error("no error for a state that is not JSON")
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.5.7", "1.11.0", -1}, {"1.11.4", "1.11.0", 1}, {"1.11.0", "1.11.0", 0},
		{"1.12.6", "1.11.0", 1}, {"1.11.0-rc1", "1.11.0", 0}, {"2.0", "1.99.9", 1},
	} {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
