#!/usr/bin/env bash
# Prints one line per Terraform-compatible CLI the tests can drive: "<name> <path>".
# terraform is used when it is on PATH; OpenTofu always (from PATH, or built into the cache).
# With --first it prints only the first of them, and builds OpenTofu only when there is no other:
# a caller that needs one CLI must not start a build it does not wait for.
set -euo pipefail
first=0
if [ "${1:-}" = "--first" ]; then
  first=1
  shift
fi
cache="${1:?usage: clis.sh [--first] CACHE_DIR}"
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd) # the acceptance tests need absolute CLI paths

# absolute: a CLI found through a relative PATH entry is run from other directories.
absolute() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }

if tf=$(command -v terraform 2>/dev/null); then
  tf=$(absolute "$tf")
  echo "terraform $tf"
  [ "$first" = 1 ] && exit 0
fi
if tofu=$(command -v tofu 2>/dev/null); then
  tofu=$(absolute "$tofu")
  echo "tofu $tofu"
elif [ "${ARITMA_SKIP_TOFU:-}" = "1" ] && [ -n "${tf:-}" ]; then
  : # a developer may skip the OpenTofu build locally; CI never sets this
else
  tofu=$("$here/provision-tofu.sh" "$cache")
  echo "tofu $tofu"
fi
