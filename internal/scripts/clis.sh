#!/usr/bin/env bash
# Prints one line per Terraform-compatible CLI the tests can drive: "<name> <path>".
# terraform is used when it is on PATH; OpenTofu always (from PATH, or built into the cache).
set -euo pipefail
cache="${1:?usage: clis.sh CACHE_DIR}"
here=$(cd "$(dirname "$0")" && pwd)

if tf=$(command -v terraform 2>/dev/null); then
  echo "terraform $tf"
fi
if tofu=$(command -v tofu 2>/dev/null); then
  echo "tofu $tofu"
elif [ "${ARITMA_SKIP_TOFU:-}" = "1" ] && [ -n "${tf:-}" ]; then
  : # a developer may skip the OpenTofu build locally; CI never sets this
else
  tofu=$("$here/provision-tofu.sh" "$cache")
  echo "tofu $tofu"
fi
