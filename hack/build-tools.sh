#!/usr/bin/env bash
# Builds the etcd, etcdctl, etcdutl, kube-apiserver and kube-controller-manager
# binaries the demo, the runbook and the e2e tests run, from the Go module
# proxy, into _output/bin. A
# binary that is already there is kept (delete it, or pass --force, to
# rebuild).
#
#   hack/build-tools.sh [--force] [etcd] [etcdctl] [etcdutl] [kube-apiserver] [kube-controller-manager] [sample-apiserver] [cert-manager]
# (with no names: etcd, etcdctl, etcdutl, kube-apiserver, kube-controller-manager and
# cert-manager; make bench also builds sample-apiserver v0.37.2, the
# benchmark's baseline). cert-manager is its controller and CA injector,
# started from cert-manager's library by the mains in test/certmanager/cmd
# (its release mains are not served by the module proxy), and its CRDs, in
# _output/cert-manager/crds; the e2e test of the cert-manager overlay runs them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="${ROOT}/_output/bin"
KUBERNETES_VERSION=v1.37.2
STAGING_VERSION=v0.37.2
ETCD_VERSION=v3.7.3

force=false
targets=()
for arg in "$@"; do
  case "${arg}" in
    --force) force=true ;;
    etcd|etcdctl|etcdutl|kube-apiserver|kube-controller-manager|sample-apiserver|cert-manager) targets+=("${arg}") ;;
    *) echo "usage: $0 [--force] [etcd] [etcdctl] [etcdutl] [kube-apiserver] [kube-controller-manager] [sample-apiserver] [cert-manager]" >&2; exit 2 ;;
  esac
done
[[ ${#targets[@]} -eq 0 ]] && targets=(etcd etcdctl etcdutl kube-apiserver kube-controller-manager cert-manager)

command -v go >/dev/null || { echo "error: go is not on PATH" >&2; exit 1; }
mkdir -p "${BIN}"

up_to_date() {
  local bin=$1 version=$2
  [[ "${force}" == false && -x "${BIN}/${bin}" && -f "${BIN}/${bin}.version" && "$(cat "${BIN}/${bin}.version")" == "${version}" ]]
}

# build_main NAME VERSION MODULE PACKAGE: builds PACKAGE, the main package
# of MODULE at VERSION, from a one-requirement tools module.
build_main() {
  local name=$1 version=$2 module=$3 package=$4
  if up_to_date "${name}" "${version}"; then
    echo ">> ${name} ${version}: cached in ${BIN}/${name}"
    return
  fi
  echo ">> building ${name} ${version} (${package})"
  local work="${ROOT}/_output/tools/${name}"
  mkdir -p "${work}"
  cat > "${work}/go.mod" <<MOD
module extension-apiserver-tools/${name}

go 1.26

require ${module} ${version}
MOD
  cat > "${work}/tools.go" <<GO
//go:build tools

package tools

import _ "${package}"
GO
  (cd "${work}" && go mod tidy && go build -o "${BIN}/${name}" "${package}") \
    || { echo "error: building ${name} ${version} failed (is the Go module proxy reachable?)" >&2; exit 1; }
  echo "${version}" > "${BIN}/${name}.version"
  echo ">> built ${BIN}/${name}"
}

# build_kubernetes NAME: builds k8s.io/kubernetes/cmd/NAME (kube-apiserver,
# kube-controller-manager) at KUBERNETES_VERSION.
build_kubernetes() {
  local name=$1
  if up_to_date "${name}" "${KUBERNETES_VERSION}"; then
    echo ">> ${name} ${KUBERNETES_VERSION}: cached in ${BIN}/${name}"
    return
  fi
  echo ">> building ${name} ${KUBERNETES_VERSION} (about 5 minutes on 2 cores when nothing is cached)"
  local work="${ROOT}/_output/tools/kubernetes"
  mkdir -p "${work}"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces
  # them with directories of its own repository; point each at its release.
  local kube_mod
  kube_mod=$(cd "${work}" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@${KUBERNETES_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [[ -f "${kube_mod}" ]] || { echo "error: could not download the go.mod of k8s.io/kubernetes@${KUBERNETES_VERSION}" >&2; exit 1; }
  local staging
  staging=$(grep -E '=> \./staging/' "${kube_mod}" | awk '{print $1}')
  {
    echo "module extension-apiserver-tools/kubernetes"
    echo
    echo "go 1.26"
    echo
    echo "require k8s.io/kubernetes ${KUBERNETES_VERSION}"
    echo
    echo "replace ("
    for m in ${staging}; do echo "	${m} => ${m} ${STAGING_VERSION}"; done
    echo ")"
  } > "${work}/go.mod"
  cat > "${work}/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
  echo ">>   resolving modules ($(echo "${staging}" | wc -w) staging modules replaced by ${STAGING_VERSION})"
  (cd "${work}" && go mod tidy) || { echo "error: resolving k8s.io/kubernetes ${KUBERNETES_VERSION} modules failed" >&2; exit 1; }
  echo ">>   compiling"
  local start=${SECONDS}
  (cd "${work}" && go build -o "${BIN}/${name}" "k8s.io/kubernetes/cmd/${name}") \
    || { echo "error: building ${name} ${KUBERNETES_VERSION} failed" >&2; exit 1; }
  echo "${KUBERNETES_VERSION}" > "${BIN}/${name}.version"
  echo ">> built ${BIN}/${name} in $((SECONDS - start))s"
}

# build_cert_manager: the mains are this repository's code, so they are
# always rebuilt (in seconds once the build cache holds cert-manager).
build_cert_manager() {
  local module="${ROOT}/test/certmanager"
  echo ">> building cert-manager-controller and cert-manager-cainjector (test/certmanager/cmd; a few minutes when nothing is cached)"
  local name
  for name in cert-manager-controller cert-manager-cainjector; do
    (cd "${module}" && go build -o "${BIN}/${name}" "./cmd/${name}") \
      || { echo "error: building ${name} failed (is the Go module proxy reachable?)" >&2; exit 1; }
  done
  local source crds="${ROOT}/_output/cert-manager/crds"
  source=$(cd "${module}" && go list -m -f '{{.Dir}}' github.com/cert-manager/cert-manager)
  [[ -d "${source}/deploy/crds" ]] || { echo "error: no deploy/crds in ${source}" >&2; exit 1; }
  mkdir -p "${crds}"
  cp "${source}"/deploy/crds/cert-manager.io_*.yaml "${crds}/"
  echo ">> built ${BIN}/cert-manager-controller and cert-manager-cainjector; CRDs in ${crds}"
}

for t in "${targets[@]}"; do
  case "${t}" in
    etcd) build_main etcd "${ETCD_VERSION}" go.etcd.io/etcd/server/v3 go.etcd.io/etcd/server/v3 ;;
    etcdctl|etcdutl) build_main "${t}" "${ETCD_VERSION}" "go.etcd.io/etcd/${t}/v3" "go.etcd.io/etcd/${t}/v3" ;;
    kube-apiserver|kube-controller-manager) build_kubernetes "${t}" ;;
    sample-apiserver) build_main sample-apiserver "${STAGING_VERSION}" k8s.io/sample-apiserver k8s.io/sample-apiserver ;;
    cert-manager) build_cert_manager ;;
  esac
done
