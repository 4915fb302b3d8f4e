#!/usr/bin/env bash
# Runs the acceptance tests once per CLI (terraform and OpenTofu), each with the environment it
# needs, and fails when no CLI is available or when any acceptance test is skipped: a green run
# must mean the tests ran.
#
# TESTACC_CLI="<name> <path>" runs them with that one CLI instead (an older Terraform, say), and
# TESTACC_ALLOWED_SKIP is an extended regular expression for the skip reasons that may pass there
# (the version gates of features the CLI lacks); every other skip still fails the run.
set -euo pipefail
cache="${TOOLS_DIR:?}"
pkgs="${TESTACC_PKGS:-./internal/...}"
run="${TESTACC_RUN:-^TestAcc}"
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.." # the package patterns are relative to the module root
# A CLI config variable naming a missing file only produces warnings in every run; drop it.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then unset TF_CLI_CONFIG_FILE; fi
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

if [ -n "${TESTACC_CLI:-}" ]; then
  clis=("$TESTACC_CLI")
else
  # Not through < <(...): that would drop clis.sh's failure (an OpenTofu build that failed) and
  # go on with terraform alone.
  list=$("$here/clis.sh" "$cache")
  mapfile -t clis <<<"$list"
fi
if [ "${#clis[@]}" -eq 0 ]; then
  echo "testacc: no terraform or tofu CLI available and none could be built" >&2
  exit 1
fi

status=0
for line in "${clis[@]}"; do
  name=${line%% *}
  bin=${line#* }
  echo "==> acceptance tests with $name ($("$bin" version | head -n 1))"
  envs=(TF_ACC=1 TF_ACC_TERRAFORM_PATH="$bin" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1)
  if [ "$name" = "tofu" ]; then
    envs+=(TF_ACC_PROVIDER_HOST=registry.opentofu.org TF_ACC_PROVIDER_NAMESPACE=hashicorp)
  fi
  log="$logdir/$name.log"
  # Full output goes to the log; the console gets results and failure details only.
  env "${envs[@]}" go test $pkgs -run "$run" -count=1 -timeout 60m -v ${TESTACC_ARGS:-} >"$log" 2>&1 || true
  grep -E '^(--- |ok|FAIL|panic)' "$log" || true
  if grep -qE '^(FAIL|--- FAIL|panic:)' "$log"; then
    echo "testacc: failures with $name; the full output follows" >&2
    cat "$log" >&2
    status=1
  fi
  # go test -v prints a test's log lines (a skip's reason among them) under its "=== RUN/CONT/NAME"
  # header, before its "--- SKIP" line; a subtest's may follow that line instead.
  skipped=$(awk -v allowed="${TESTACC_ALLOWED_SKIP:-}" '
    /^=== (RUN|CONT|NAME|PAUSE) / { cur = $3; next }
    /^ *--- SKIP: TestAcc/ { skip[$3] = 1; cur = $3; next }
    /^ *--- / { cur = ""; next }
    allowed != "" && cur != "" && $0 ~ allowed { ok[cur] = 1 }
    END { for (n in skip) if (!(n in ok)) print n }' "$log")
  if [ -n "$skipped" ]; then
    echo "testacc: acceptance tests were skipped with $name:" >&2
    echo "$skipped" >&2
    status=1
  fi
  if [ -n "${TESTACC_ALLOWED_SKIP:-}" ]; then
    # The skips listed above as not allowed are not among these.
    all=$(grep -cE -- '--- SKIP: TestAcc' "$log" || true)
    refused=$(printf '%s' "$skipped" | grep -c . || true)
    echo "testacc: $((all - refused)) tests skipped with $name for a reason matching /$TESTACC_ALLOWED_SKIP/"
  fi
  if ! grep -qE -- '--- PASS: TestAcc' "$log"; then
    echo "testacc: no acceptance test ran with $name" >&2
    status=1
  fi
done
exit $status
