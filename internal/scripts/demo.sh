#!/usr/bin/env bash
# make demo: start the bundled mock, apply the quickstart with a real CLI against it, show the
# result, prove a second plan is empty, destroy, and stop the mock. Credentials are generated here.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache="${TOOLS_DIR:-$root/.tools}"
work=$(mktemp -d)
# A CLI config variable naming a missing file only produces warnings; demo writes its own below.
unset TF_CLI_CONFIG_FILE
# shellcheck source=internal/scripts/common.sh
. "$root/internal/scripts/common.sh"
clear_aritma_env
mock_pid=""
cleanup() {
  stop_mock
  rm -rf "$work"
}
trap cleanup EXIT

read -r cli_name cli < <("$root/internal/scripts/clis.sh" --first "$cache")
echo "==> using $cli_name: $("$cli" version | head -n 1)"

start_mock "$root/bin/aritma-mock" "$work/mock.log" -control
url=$mock_url
echo "==> mock server at $url"

cat >"$work/cli.tfrc" <<EOT
provider_installation {
  dev_overrides {
    "aritma/aritma" = "$root/bin"
  }
  direct {}
}
EOT
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

cp -R "$root/examples/quickstart" "$work/quickstart"
cd "$work/quickstart"
echo "==> $cli_name apply"
if ! "$cli" apply -auto-approve -input=false -no-color >"$work/apply.log" 2>&1; then
  cat "$work/apply.log"
  echo "demo: apply failed" >&2
  exit 1
fi
# The dev_overrides warning is noise here; everything else of the apply is shown.
sed -n '/^Plan:\|Creation complete\|^Apply complete/p' "$work/apply.log"
echo "==> outputs"
"$cli" output -no-color
echo "==> a second plan must be empty"
"$cli" plan -detailed-exitcode -input=false -no-color >"$work/plan.log" 2>&1 || {
  code=$?
  cat "$work/plan.log"
  # -detailed-exitcode: 2 is a plan with changes, anything else an error.
  if [ "$code" -eq 2 ]; then
    echo "demo: the second plan is not empty" >&2
  else
    echo "demo: the second plan failed (exit $code)" >&2
  fi
  exit 1
}
echo "No changes."
echo "==> $cli_name destroy"
"$cli" destroy -auto-approve -input=false -no-color >"$work/destroy.log" 2>&1 || { cat "$work/destroy.log"; exit 1; }
tail -n 1 "$work/destroy.log"
echo "==> demo finished; the mock is stopped and the working directory removed"
