#!/usr/bin/env bash
# Regenerates docs/ with tfplugindocs. tfplugindocs reads the provider's schema through a binary
# named terraform; where there is none (a machine with OpenTofu only), the schema comes from tofu
# and is handed over with --providers-schema, keyed under the address tfplugindocs looks up.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${TOOLS_DIR:?}" "${TFPLUGINDOCS_VERSION:?}"
docs=("${GO:-go}" run "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs@$TFPLUGINDOCS_VERSION" generate --provider-name aritma)
# A CLI configuration that is not there makes the CLI warn on every run; it is not needed here.
[ -f "${TF_CLI_CONFIG_FILE:-}" ] || unset TF_CLI_CONFIG_FILE

# ARITMA_DOCS_CLI=tofu takes the OpenTofu path even where terraform is installed, to check it.
if [ "${ARITMA_DOCS_CLI:-}" != "tofu" ] && command -v terraform >/dev/null 2>&1; then
  exec "${docs[@]}"
fi

tofu=$(internal/scripts/clis.sh "$TOOLS_DIR" | awk '$1 == "tofu" { print $2 }')
[ -n "$tofu" ] || {
  echo "generate-docs: no terraform and no OpenTofu (is ARITMA_SKIP_TOFU set?)" >&2
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"${GO:-go}" build -o "$work/plugins/terraform-provider-aritma" .
cat >"$work/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "hashicorp/aritma" = "$work/plugins"
  }
  direct {}
}
EOF
mkdir "$work/config"
cat >"$work/config/main.tf" <<'EOF'
terraform {
  required_providers {
    aritma = {
      source = "hashicorp/aritma"
    }
  }
}
EOF
(cd "$work/config" && TF_CLI_CONFIG_FILE="$work/cli.tfrc" "$tofu" providers schema -json) |
  sed 's#"registry.opentofu.org/hashicorp/aritma"#"registry.terraform.io/hashicorp/aritma"#' >"$work/schema.json"
grep -q '"registry.terraform.io/hashicorp/aritma"' "$work/schema.json" || {
  echo "generate-docs: no schema of hashicorp/aritma from $tofu" >&2
  exit 1
}
"${docs[@]}" --providers-schema "$work/schema.json"
