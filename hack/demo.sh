#!/usr/bin/env bash
# The local demo: etcd, kube-apiserver with the aggregation layer,
# kube-controller-manager (namespace, garbage collector, quota, storage
# version migrator), and the
# extension API server behind its APIServices, all on loopback; then a
# kubectl tour through kube-apiserver.
#
#   hack/demo.sh        up, tour, down          (make demo)
#   hack/demo.sh up     up, and leave it running (make demo-up)
#   hack/demo.sh down   stop it, remove its state (make demo-down)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${ROOT}"
DIR=.local/demo
BIN=_output/bin
action=${1:-all}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
fail() { echo "demo: $*" >&2; exit 1; }

build() {
  step "building etcd, kube-apiserver and kube-controller-manager (cached in ${BIN}), the server, the controller and the local-cluster tool"
  hack/build-tools.sh etcd kube-apiserver kube-controller-manager
  go build -o "${BIN}/extension-apiserver" ./cmd/extension-apiserver
  go build -o "${BIN}/crontab-controller" ./cmd/crontab-controller
  go build -o "${BIN}/local-cluster" ./internal/cmd/local-cluster
}

up() {
  [[ -e "${DIR}/pids" ]] && fail "a demo is already running in ${DIR}; run 'make demo-down' first"
  build
  step "starting etcd, kube-apiserver, extension-apiserver, kube-controller-manager and crontab-controller; registering the APIServices"
  local start=${SECONDS}
  "${BIN}/local-cluster" up --dir "${DIR}" || fail "the cluster did not come up; logs are in ${DIR}/logs"
  echo "up in $((SECONDS - start))s; KUBECONFIG=${DIR}/kubeconfig"
}

# wait_for JSONPATH VALUE waits until the CronTab's field has the value.
wait_for() {
  for _ in $(seq 1 50); do
    [[ "$(kubectl get crontab my-new-cron-object -o jsonpath="$1")" == "$2" ]] && return 0
    sleep 0.2
  done
  fail "$1 did not become $2"
}

tour() {
  export KUBECONFIG="${DIR}/kubeconfig"
  step "every APIService is Available"
  run kubectl get apiservices v1.stable.example.com v1beta1.stable.example.com v1beta1.wardle.example.com v1alpha1.wardle.example.com
  step "discovery through kube-apiserver"
  run kubectl api-resources --api-group=stable.example.com
  run kubectl api-resources --api-group=wardle.example.com

  step "watch CronTabs in the background"
  timeout 15 kubectl get crontabs --watch-only --output-watch-events > "${DIR}/watch.log" 2>&1 &
  local watcher=$!
  sleep 1

  step "create the seed's CronTab in v1, read it in v1beta1"
  run kubectl create -f artifacts/examples/crontab-v1.yaml
  run kubectl get crontabs
  run kubectl get crontabs.v1beta1.stable.example.com my-new-cron-object -o jsonpath='{.apiVersion} schedule={.spec.schedule}{"\n"}'

  step "create a Flunder in v1alpha1, read it in v1beta1"
  run kubectl create -f artifacts/examples/flunder-v1alpha1.yaml
  run kubectl get flunders.v1beta1.wardle.example.com my-first-flunder -o jsonpath='{.apiVersion} flunderReference={.spec.flunderReference} referenceType={.spec.referenceType}{"\n"}'

  step "the controller sets the status; the CronTabCleanup admission plugin added its finalizer"
  wait_for '{.status.replicas}' 3
  run kubectl get crontab my-new-cron-object -o jsonpath='finalizers={.metadata.finalizers} status={.status}{"\n"}'

  step "scale, and status.replicas catches up"
  run kubectl scale crontab my-new-cron-object --replicas=5
  wait_for '{.status.replicas}' 5
  run kubectl get crontab my-new-cron-object -o wide

  step "an invalid object is refused, naming every bad field"
  if kubectl create -f artifacts/examples/crontab-invalid.yaml; then fail "the invalid CronTab was accepted"; fi

  step "delete: done once the controller ran its cleanup and removed its finalizer"
  run kubectl delete crontab my-new-cron-object --timeout=30s
  run kubectl get events --field-selector reason=CleanedUp -o custom-columns=REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message

  step "kube-controller-manager at work: deleting a namespace deletes its CronTabs and Flunders"
  run kubectl create namespace demo-doomed
  run kubectl create -f artifacts/examples/crontab-v1.yaml --namespace=demo-doomed
  run kubectl create -f artifacts/examples/flunder-v1beta1.yaml --namespace=demo-doomed
  run kubectl delete namespace demo-doomed --timeout=60s
  run kubectl get crontabs,flunders --namespace=demo-doomed

  step "what the watch saw"
  sleep 1
  kill "${watcher}" 2>/dev/null || true
  wait "${watcher}" 2>/dev/null || true
  cat "${DIR}/watch.log"
  grep -q "ADDED" "${DIR}/watch.log" && grep -q "MODIFIED" "${DIR}/watch.log" && grep -q "DELETED" "${DIR}/watch.log" \
    || fail "the watch did not see ADDED, MODIFIED and DELETED"
}

down() {
  [[ -x "${BIN}/local-cluster" ]] || go build -o "${BIN}/local-cluster" ./internal/cmd/local-cluster
  step "stopping the demo and removing ${DIR}"
  "${BIN}/local-cluster" down --dir "${DIR}"
}

case "${action}" in
  all)
    up
    trap down EXIT
    tour
    step "demo complete"
    ;;
  up) up ;;
  down) down ;;
  *) fail "usage: $0 [up|down]" ;;
esac
