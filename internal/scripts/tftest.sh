#!/usr/bin/env bash
# make tftest: run the native tests (`<cli> test`) of every example module that has a tests/
# folder, against a fresh bundled mock server, once per CLI from clis.sh. Expects bin/ to hold
# the provider and the mock (make tftest builds them first); builds nothing itself.
# Credentials are generated here; the provider reads them from ARITMA_* environment variables and
# the CLI finds the provider through dev_overrides.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache="${TOOLS_DIR:-$root/.tools}"
bin_dir="${ARITMA_BIN_DIR:-$root/bin}"
work=$(mktemp -d)
# shellcheck source=internal/scripts/common.sh
. "$root/internal/scripts/common.sh"
clear_aritma_env
mock_pid=""
cleanup() {
  stop_mock
  rm -rf "$work"
}
trap cleanup EXIT

for f in "$bin_dir/terraform-provider-aritma" "$bin_dir/aritma-mock"; do
  if [ ! -x "$f" ]; then
    echo "tftest: $f is missing; run make tftest (it builds bin/ first)" >&2
    exit 1
  fi
done

# Not through < <(...), which would drop clis.sh's failure (see testacc.sh).
list=$("$root/internal/scripts/clis.sh" "$cache")
mapfile -t clis <<<"$list"
if [ "${#clis[@]}" -eq 0 ]; then
  echo "tftest: no terraform or tofu CLI available" >&2
  exit 1
fi

modules=()
for dir in "$root"/examples/modules/*/; do
  if compgen -G "$dir/tests/*.tftest.hcl" >/dev/null; then
    modules+=("${dir%/}")
  fi
done
if [ "${#modules[@]}" -eq 0 ]; then
  echo "tftest: no example module has tests/*.tftest.hcl" >&2
  exit 1
fi

cat >"$work/cli.tfrc" <<EOT
provider_installation {
  dev_overrides {
    "aritma/aritma" = "$bin_dir"
  }
  direct {}
}
EOT

export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
status=0
for line in "${clis[@]}"; do
  name=${line%% *}
  cli=${line#* }
  for module in "${modules[@]}"; do
    rel=${module#"$root"/}
    echo "==> $name test in $rel ($("$cli" version | head -n 1))"
    start_mock "$bin_dir/aritma-mock" "$work/mock.log"
    # A copy, so the CLI's working files never land in the repository.
    copy="$work/$name-$(basename "$module")"
    rm -rf "$copy"
    cp -R "$module" "$copy"
    log="$work/$name-$(basename "$module").log"
    # `init` would ask the registry for the dev-overridden provider, so install only the modules
    # the module or its tests call (helper modules in run blocks), and only when there are any.
    prep=(true)
    if grep -qsE '^[[:space:]]*source[[:space:]]*=' "$copy"/*.tf "$copy"/tests/*.tftest.hcl; then
      prep=("$cli" get -no-color)
    fi
    if (cd "$copy" && "${prep[@]}" && "$cli" test -no-color) >"$log" 2>&1; then
      grep -vE 'Provider development overrides are in effect|^ *- aritma/aritma in |The behavior may therefore not match|published releases\.|^\s*$|^[│╷╵]' "$log" || true
    else
      cat "$log"
      echo "tftest: $name test failed in $rel" >&2
      status=1
    fi
    stop_mock
    # Each test file must destroy what it made: a run that leaves objects behind passes
    # otherwise, and against a real tenant the objects (clients with working secrets and
    # grants) would pile up. The mock says what it holds when it stops.
    if ! grep -q 'holding 0 clients, 0 secrets, 0 policies and 0 groups' "$work/mock.log"; then
      echo "tftest: $name test in $rel left objects behind: $(grep -o 'holding .*' "$work/mock.log" || echo 'the mock did not say what it holds')" >&2
      status=1
    fi
  done
done
exit $status
