package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestAccE2E_initWithAnotherProvider follows docs/index.md for a configuration that needs another
// provider beside this one (random, time): dev_overrides alone makes `init` ask the registry for
// aritma/aritma, which fails, and a configuration with other providers cannot skip init. With the
// provider laid out by `make mirror` (internal/scripts/mirror.sh) and the documented CLI
// configuration, init installs aritma/aritma from the mirror and the other provider as usual, and
// the CLI then runs the build through dev_overrides. The other provider is a stand-in served from
// the mirror too (no registry is reachable here): the no-op provider of the benchmarks.
func TestAccE2E_initWithAnotherProvider(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	mirror := filepath.Join(t.TempDir(), "mirror")
	script := exec.CommandContext(ctx, filepath.Join(moduleRoot(), "internal", "scripts", "mirror.sh"),
		filepath.Join(providerDir, "terraform-provider-aritma"), mirror)
	if out, err := script.CombinedOutput(); err != nil {
		t.Fatalf("mirror.sh: %v\n%s", err, out)
	}
	other := filepath.Join(t.TempDir(), "terraform-provider-noop")
	build := exec.CommandContext(ctx, "go", "build", "-o", other, "./internal/cmd/aritma-bench/noopprovider")
	build.Dir = moduleRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the stand-in provider: %v\n%s", err, out)
	}
	target := runtime.GOOS + "_" + runtime.GOARCH
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		d := filepath.Join(mirror, host, "aritma", "noop", "1.0.0", target)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(other)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "terraform-provider-noop_v1.0.0"), data, 0o755); err != nil { //nolint:gosec // a provider must be executable
			t.Fatal(err)
		}
	}

	w := newWorkdir(t, providerDir, mock.URL)
	// The CLI configuration of docs/index.md, with the stand-in moved from the registry (direct)
	// to the mirror.
	rc := filepath.Join(w.Dir, "cli.tfrc")
	local := `"registry.terraform.io/aritma/aritma", "registry.opentofu.org/aritma/aritma", ` +
		`"registry.terraform.io/aritma/noop", "registry.opentofu.org/aritma/noop"`
	rcText := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "aritma/aritma" = %q
  }
  filesystem_mirror {
    path    = %q
    include = [%s]
  }
  direct {
    exclude = [%s]
  }
}
`, providerDir, mirror, local, local)
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		t.Fatal(err)
	}
	w.WriteFile("main.tf", `terraform {
  required_providers {
    aritma = {
      source  = "aritma/aritma"
      version = ">= 0.1.0"
    }
    noop = {
      source = "aritma/noop"
    }
  }
}

data "aritma_iam_actions" "all" {}

resource "noop_data" "marker" {}

output "actions" {
  value = length(data.aritma_iam_actions.all.actions)
}
`)
	if stdout, stderr, err := w.Run(ctx, "init"); err != nil {
		t.Fatalf("init failed: %v\n%s\n%s", err, stdout, stderr)
	}
	lock, err := os.ReadFile(filepath.Join(w.Dir, ".terraform.lock.hcl"))
	if err != nil || !strings.Contains(string(lock), `/aritma/aritma"`) || !strings.Contains(string(lock), `/aritma/noop"`) {
		t.Fatalf("init wrote no lock of both providers (%v):\n%s", err, lock)
	}
	if _, stderr, err := w.Run(ctx, "apply", "-auto-approve"); err != nil {
		t.Fatalf("apply failed: %v\n%s", err, stderr)
	}
	out, _, err := w.Run(ctx, "output", "-raw", "actions")
	if err != nil || out == "" || out == "0" {
		t.Fatalf("output actions = %q (%v): the provider did not read the catalogue", out, err)
	}
	if _, stderr, err := w.Run(ctx, "plan", "-detailed-exitcode"); err != nil {
		t.Fatalf("the plan after the apply is not empty (exit %d):\n%s", exitCode(err), stderr)
	}
}
