#!/usr/bin/env bash
# Builds OpenTofu from the Go module proxy into a cache directory and prints the binary's path.
# Release downloads are not reachable from every machine we run on, but the module proxy is;
# `go install` refuses OpenTofu because its go.mod has replace directives, so build inside a copy
# of the module directory instead.
set -euo pipefail

version="${TOFU_VERSION:-v1.12.6}"
cache="${1:?usage: provision-tofu.sh CACHE_DIR}"
mkdir -p "$cache"
cache=$(cd "$cache" && pwd) # the build runs in another directory
bin="$cache/tofu-$version/tofu"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# go mod download reports a failure in the JSON's "Error" field: keep the JSON to show it.
json=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@$version" 2>&1) || true
dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "provision-tofu: could not download github.com/opentofu/opentofu@$version from the Go module proxy:" >&2
  echo "$json" >&2
  exit 1
fi
cp -R "$dir" "$work/src"
chmod -R u+w "$work/src"
echo "provision-tofu: no tofu on PATH: building OpenTofu $version from the Go module proxy into $cache, once (5 to 10 minutes with a cold Go build cache on 2 cores; nothing prints meanwhile)" >&2
(cd "$work/src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$work/tofu" ./cmd/tofu)
mkdir -p "$(dirname "$bin")"
mv "$work/tofu" "$bin"
echo "$bin"
