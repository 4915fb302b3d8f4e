#!/usr/bin/env bash
# Validates every example directory with the locally built provider and each available CLI, so
# the examples that become the docs are known to be correct Terraform.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache="${TOOLS_DIR:-$root/.tools}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset TF_CLI_CONFIG_FILE

# Examples without a terraform block use the implicit source hashicorp/aritma; override both.
cat >"$work/cli.tfrc" <<EOT
provider_installation {
  dev_overrides {
    "aritma/aritma"    = "$root/bin"
    "hashicorp/aritma" = "$root/bin"
  }
  direct {}
}
EOT
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

# Not through < <(...), which would drop clis.sh's failure (see testacc.sh).
list=$("$root/internal/scripts/clis.sh" "$cache")
if [ -z "$list" ]; then
  echo "examples: no terraform or tofu CLI available" >&2
  exit 1
fi
status=0
while read -r cli_name cli; do
  "$cli" fmt -check -recursive "$root/examples" || { echo "examples: not $cli_name fmt-clean" >&2; status=1; }
  # The files tfplugindocs renders are standalone snippets (resource.tf and import-by-string-id.tf
  # declare the same resource); every other directory is a module and is validated whole.
  while read -r unit; do
    rel=${unit#"$root"/}
    dest="$work/$cli_name/$rel"
    mkdir -p "$dest"
    if [ -d "$unit" ]; then cp "$unit"/*.tf "$dest"/; else cp "$unit" "$dest"/; fi
    if out=$(cd "$dest" && "$cli" validate -no-color 2>&1); then
      echo "ok    $cli_name $rel"
    else
      echo "FAIL  $cli_name $rel" >&2
      echo "$out" | grep -v -i -E 'development overrides|^ - |may not match|may cause the state|^$|releases\.|configuration:' >&2
      status=1
    fi
  done < <(
    find "$root/examples" -name '*.tf' -not -path '*/.terraform/*' -printf '%h\n' | sort -u | while read -r dir; do
      case "$dir" in
        */examples/provider | */examples/resources/* | */examples/data-sources/* | */examples/ephemeral-resources/* | */examples/functions/*)
          ls "$dir"/*.tf ;;
        *) echo "$dir" ;;
      esac
    done
  )
done <<<"$list"
exit $status
