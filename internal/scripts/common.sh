# Sourced by the scripts that run the provider against a mock they start (demo.sh, tftest.sh).

# clear_aritma_env unsets the caller's own ARITMA_* settings: a developer's token for a real
# tenant, a timeout or a mock flag must not steer a run against a mock these scripts configure.
# The scripts' own switches stay.
clear_aritma_env() {
  local v
  for v in "${!ARITMA_@}"; do
    case "$v" in
      ARITMA_SKIP_TOFU | ARITMA_BIN_DIR) ;;
      *) unset "$v" ;;
    esac
  done
}

# start_mock MOCK_BIN LOG [FLAG...] starts a mock on a free port with fresh admin credentials
# (ARITMA_MOCK_ADMIN_CLIENT_ID/_SECRET, exported), sets mock_pid and mock_url, and exports the
# provider's ARITMA_* settings for it. It exits the script when the mock does not come up.
start_mock() {
  local bin="$1" log="$2"
  shift 2
  ARITMA_MOCK_ADMIN_CLIENT_ID="admin-$RANDOM$RANDOM"
  ARITMA_MOCK_ADMIN_CLIENT_SECRET=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
  export ARITMA_MOCK_ADMIN_CLIENT_ID ARITMA_MOCK_ADMIN_CLIENT_SECRET
  "$bin" -listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
  mock_pid=$!
  mock_url=""
  for _ in $(seq 1 100); do
    mock_url=$(grep -soE 'http://127\.0\.0\.1:[0-9]+' "$log" | head -n 1 || true)
    [ -n "$mock_url" ] && break
    kill -0 "$mock_pid" 2>/dev/null || break # it exited: no use waiting out the 10 s
    sleep 0.1
  done
  if [ -z "$mock_url" ]; then
    echo "$(basename "$0"): the mock server did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  export ARITMA_ENDPOINT="$mock_url" ARITMA_TOKEN_URL="$mock_url/connect/token"
  export ARITMA_CLIENT_ID="$ARITMA_MOCK_ADMIN_CLIENT_ID" ARITMA_CLIENT_SECRET="$ARITMA_MOCK_ADMIN_CLIENT_SECRET"
}

# stop_mock stops the mock start_mock started, if any, whatever state it is in.
stop_mock() {
  if [ -n "${mock_pid:-}" ]; then
    kill "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
    mock_pid=""
  fi
}
