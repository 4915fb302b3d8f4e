#!/usr/bin/env bash
# make demo: start the bundled mock, apply the quickstart with a real CLI against it, show the
# result, prove a second plan is empty, destroy, and stop the mock. Credentials are generated here.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache="${TOOLS_DIR:-$root/.tools}"
work=$(mktemp -d)
# A CLI config variable naming a missing file only produces warnings; demo writes its own below.
unset TF_CLI_CONFIG_FILE
mock_pid=""
cleanup() {
  [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

read -r cli_name cli < <("$root/internal/scripts/clis.sh" --first "$cache")
echo "==> using $cli_name: $("$cli" version | head -n 1)"

export ARITMA_MOCK_ADMIN_CLIENT_ID="demo-admin"
ARITMA_MOCK_ADMIN_CLIENT_SECRET=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
export ARITMA_MOCK_ADMIN_CLIENT_SECRET

"$root/bin/aritma-mock" -listen 127.0.0.1:0 -control >"$work/mock.log" 2>&1 &
mock_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -soE 'http://127\.0\.0\.1:[0-9]+' "$work/mock.log" | head -n 1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "demo: the mock server did not start:" >&2
  cat "$work/mock.log" >&2
  exit 1
fi
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
export ARITMA_ENDPOINT="$url" ARITMA_TOKEN_URL="$url/connect/token"
export ARITMA_CLIENT_ID="$ARITMA_MOCK_ADMIN_CLIENT_ID" ARITMA_CLIENT_SECRET="$ARITMA_MOCK_ADMIN_CLIENT_SECRET"

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
