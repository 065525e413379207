#!/usr/bin/env bash
# Regenerates every generated file (deepcopy, conversion, defaults, API
# lifecycle, protobuf, openapi,
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

echo ">> prerelease lifecycle (deprecation warnings of the packages tagged +k8s:prerelease-lifecycle-gen=true)"
(cd "${CODEGEN_PKG}" && go install ./cmd/prerelease-lifecycle-gen)
find "${ROOT}/pkg/apis" -name zz_generated.prerelease-lifecycle.go -delete
mapfile -t LIFECYCLE_PACKAGES < <(grep -rl --include doc.go '^// +k8s:prerelease-lifecycle-gen=true' "${ROOT}/pkg/apis" | xargs -n1 dirname | sed "s|^${ROOT}|${MODULE}|" | LC_ALL=C sort)
if [[ ${#LIFECYCLE_PACKAGES[@]} -gt 0 ]]; then
  "${GOBIN}/prerelease-lifecycle-gen" \
    --output-file zz_generated.prerelease-lifecycle.go \
    --go-header-file "${BOILERPLATE}" \
    "${LIFECYCLE_PACKAGES[@]}"
fi

echo ">> protobuf (go-to-protobuf and protoc)"
if ! command -v protoc >/dev/null 2>&1 && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo ">> protoc is missing: installing Debian's protobuf-compiler"
  apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null
fi
if ! command -v protoc >/dev/null 2>&1; then
  echo "error: protoc is missing; install Debian's protobuf-compiler (sudo apt-get install protobuf-compiler)" >&2
  exit 1
fi
(cd "${CODEGEN_PKG}" && go install ./cmd/go-to-protobuf ./cmd/go-to-protobuf/protoc-gen-gogo)
go install "golang.org/x/tools/cmd/goimports@$(go list -m -f '{{.Version}}' golang.org/x/tools)"
go mod download github.com/gogo/protobuf
# go-to-protobuf works in a GOPATH-shaped tree: this module, apimachinery's
# .proto files and gogo.proto at their import paths.
PROTO_ROOT=$(mktemp -d)
trap 'rm -rf "${PROTO_ROOT}"' EXIT
mkdir -p "${PROTO_ROOT}/src/$(dirname "${MODULE}")" "${PROTO_ROOT}/src/k8s.io" "${PROTO_ROOT}/src/github.com/gogo"
ln -s "${ROOT}" "${PROTO_ROOT}/src/${MODULE}"
ln -s "$(go list -m -f '{{.Dir}}' k8s.io/apimachinery)" "${PROTO_ROOT}/src/k8s.io/apimachinery"
ln -s "$(go list -m -f '{{.Dir}}' github.com/gogo/protobuf)" "${PROTO_ROOT}/src/github.com/gogo/protobuf"
PROTO_PACKAGES=(pkg/apis/stable/v1 pkg/apis/stable/v1beta1 pkg/apis/wardle/v1alpha1 pkg/apis/wardle/v1beta1)
(
  cd "${PROTO_ROOT}/src/${MODULE}"
  PATH="${GOBIN}:${PATH}" go-to-protobuf \
    --go-header-file "${BOILERPLATE}" \
    --output-dir "${PROTO_ROOT}/src" \
    --proto-import "${PROTO_ROOT}/src" \
    --packages "$(printf "${MODULE}/%s," "${PROTO_PACKAGES[@]}" | sed 's/,$//')" \
    --apimachinery-packages=-k8s.io/apimachinery/pkg/util/intstr,-k8s.io/apimachinery/pkg/api/resource,-k8s.io/apimachinery/pkg/runtime/schema,-k8s.io/apimachinery/pkg/runtime,-k8s.io/apimachinery/pkg/apis/meta/v1 \
    2> >(grep -v '^[0-9/]* [0-9:]* protoc -I' >&2)
)

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
