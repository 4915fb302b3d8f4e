#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 10s): the provider's scope and
# import-id parsers, and the mock's scope parser, request decoding and handlers. `go test -fuzz`
# takes one target per run, so the targets are listed per package and run one after the other.
# New crashers land in testdata/fuzz/<Target>/ of their package; commit them with the fix.
set -euo pipefail
fuzztime="${FUZZTIME:-10s}"
cd "$(dirname "$0")/../.."

status=0
ran=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  # Fuzz targets are the test functions "func FuzzXxx(f *testing.F)" of the package's test files.
  targets=$(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)\(f \*testing\.F\)' "$dir"/*_test.go 2>/dev/null |
    sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/' | sort -u || true)
  for target in $targets; do
    echo "==> $pkg $target ($fuzztime)"
    ran=$((ran + 1))
    # Minimising every new interesting input can eat a short run whole (the mock's handlers keep
    # state between inputs, so their coverage is not quite repeatable); cap it.
    if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 2s; then
      echo "fuzz: $pkg $target failed" >&2
      status=1
    fi
  done
done
if [ "$ran" -eq 0 ]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi
echo "fuzz: $ran targets run for $fuzztime each"
exit $status
