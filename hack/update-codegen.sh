#!/usr/bin/env bash
# Regenerates every generated file (deepcopy, conversion, defaults, openapi,
# clientset, applyconfigurations, listers, informers) with the code-generator
# and kube-openapi versions pinned in go.mod, taken from the Go module cache.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${ROOT}"
MODULE=$(go list -m)

echo ">> downloading code-generator (version from go.mod)"
go mod download k8s.io/code-generator k8s.io/kube-openapi
CODEGEN_PKG=$(go list -m -f '{{.Dir}}' k8s.io/code-generator)
if [[ ! -f "${CODEGEN_PKG}/kube_codegen.sh" ]]; then
  echo "error: kube_codegen.sh not found in ${CODEGEN_PKG}" >&2
  exit 1
fi

# Generators go to a project-local, git-ignored bin dir, not the user's GOBIN.
export GOBIN="${ROOT}/_output/codegen-bin"
mkdir -p "${GOBIN}"
# shellcheck source=/dev/null
source "${CODEGEN_PKG}/kube_codegen.sh"

BOILERPLATE="${ROOT}/hack/boilerplate.go.txt"

echo ">> deepcopy, defaulter, conversion"
kube::codegen::gen_helpers --boilerplate "${BOILERPLATE}" "${ROOT}/pkg/apis"

echo ">> openapi (with autoscaling/v1 for the scale subresource)"
kube::codegen::gen_openapi \
  --output-dir "${ROOT}/pkg/generated/openapi" \
  --output-pkg "${MODULE}/pkg/generated/openapi" \
  --output-model-name-file zz_generated.model_name.go \
  --extra-pkgs k8s.io/api/autoscaling/v1 \
  --report-filename "${ROOT}/hack/api-rules-violations.list" \
  --update-report \
  --boilerplate "${BOILERPLATE}" \
  "${ROOT}/pkg/apis"

echo ">> clientset, applyconfigurations, listers, informers"
kube::codegen::gen_client \
  --with-watch \
  --with-applyconfig \
  --applyconfig-openapi-schema <(go run "${MODULE}/pkg/generated/openapi/cmd/models-schema") \
  --output-dir "${ROOT}/pkg/generated" \
  --output-pkg "${MODULE}/pkg/generated" \
  --boilerplate "${BOILERPLATE}" \
  "${ROOT}/pkg/apis"

echo ">> done"
