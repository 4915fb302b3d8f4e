#!/usr/bin/env bash
# make mirror: lay the provider build out as a filesystem mirror (for Terraform's and OpenTofu's
# registry hosts), so that `terraform init` finds aritma/aritma locally while it installs a
# configuration's other providers from their registry. With dev_overrides beside the mirror (see
# docs/index.md), the CLI then runs the build in bin/ itself, rebuilt or not: the mirror only has
# to let init through once.
#
# Usage: mirror.sh PROVIDER_BINARY MIRROR_DIR [VERSION]
# VERSION (default 0.1.0) must meet the configuration's version constraint (a pre-release such as
# 0.1.0-dev meets none but its own).
set -euo pipefail
binary=$1
dir=$2
version=${3:-0.1.0}
[[ -x $binary ]] || { echo "mirror.sh: no provider build at $binary (make build)" >&2; exit 1; }
target="$(go env GOOS)_$(go env GOARCH)"
for host in registry.terraform.io registry.opentofu.org; do
	d="$dir/$host/aritma/aritma/$version/$target"
	mkdir -p "$d"
	cp "$binary" "$d/terraform-provider-aritma_v$version"
done
echo "provider mirror for aritma/aritma $version ($target): $dir"
