#!/usr/bin/env bash
# make run: the server in standalone mode (embedded etcd, local CA, admin
# kubeconfig in .local/) and the CronTab controller beside it. Ctrl-C stops
# both. Extra arguments go to the server.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${ROOT}"
BIN=_output/bin
KUBECONFIG_PATH=.local/kubeconfig

for bin in extension-apiserver crontab-controller; do
  [[ -x "${BIN}/${bin}" ]] || { echo "run: ${BIN}/${bin} is missing; run 'make build'" >&2; exit 1; }
done

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

# The controller removes the finalizer CronTabCleanup adds, so both are on.
"${BIN}/extension-apiserver" --enable-admission-plugins=CronTabCleanup "$@" &
pids+=($!)

echo ">> waiting for the server to answer"
for _ in $(seq 1 150); do
  if [[ -f "${KUBECONFIG_PATH}" ]] && kubectl --kubeconfig "${KUBECONFIG_PATH}" get --raw /readyz >/dev/null 2>&1; then
    break
  fi
  kill -0 "${pids[0]}" 2>/dev/null || { echo "run: the server exited" >&2; exit 1; }
  sleep 0.2
done
kubectl --kubeconfig "${KUBECONFIG_PATH}" get --raw /readyz >/dev/null || { echo "run: the server is not ready" >&2; exit 1; }

echo ">> starting the CronTab controller"
"${BIN}/crontab-controller" --kubeconfig "${KUBECONFIG_PATH}" &
pids+=($!)
echo ">> ready: kubectl --kubeconfig ${KUBECONFIG_PATH} get crontabs   (Ctrl-C stops the server and the controller)"
wait -n "${pids[@]}"
