#!/usr/bin/env bash
# The runbook's etcd operations (docs/operations.md), with etcd's own tools
# (etcdctl, etcdutl from make tools), against the server's etcd in any mode:
#
#   hack/etcd-ops.sh [TARGET] COMMAND [ARGS]
#
# TARGET (default --standalone .local):
#   --standalone DIR   the embedded etcd of a server run with --local-dir DIR
#                      (make run), over its mutual TLS
#   --ha DIR           the HA topology's 3 members (make ha-up: .local/ha)
#   --ha DIR --group G the 3 members of group G's own cluster (make ha-up
#                      ARGS=--separate-groups=G)
#   --demo DIR         the demo's etcd (make demo-up: .local/demo)
#   --endpoints URLS --cacert F --cert F --key F   any other etcd
# COMMAND:
#   backup [OUT_DIR]       a snapshot into OUT_DIR (default _output/backup),
#                          kept only once verified: etcdutl snapshot status
#                          (hash, revision, keys) and a trial restore
#   restore SNAPSHOT       standalone only: replace DIR/data with the snapshot,
#                          the revision bumped and old revisions marked
#                          compacted; refuses while the server runs
#   status                 each member's revision, size, leader, and alarms
#   defrag                 defragment each member in turn, checking its health
#   recover-space          after a NOSPACE alarm: compact, defragment, disarm
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="${ETCD_TOOLS_DIR:-${ROOT}/_output/bin}"
# Bigger than any number of writes a snapshot can be behind by, so that no
# resourceVersion served before the restore is served again after it.
BUMP_REVISION="${BUMP_REVISION:-1000000000}"

die() { echo "etcd-ops: $*" >&2; exit 1; }
say() { echo ">> $*"; }

for tool in etcdctl etcdutl; do
  [[ -x "${BIN}/${tool}" ]] || die "${BIN}/${tool} is missing; run 'make tools' (or hack/build-tools.sh etcdctl etcdutl)"
done

target=standalone
target_dir="${ROOT}/.local"
endpoints="" cacert="" cert="" key="" group=""
while [[ $# -gt 0 && "$1" == --* ]]; do
  case "$1" in
    --standalone|--ha|--demo) target=${1#--}; target_dir=$2; shift 2 ;;
    --group) group=$2; shift 2 ;;
    --endpoints) target=flags; endpoints=$2; shift 2 ;;
    --cacert) cacert=$2; shift 2 ;;
    --cert) cert=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    *) die "unknown option $1 (see the top of $0)" ;;
  esac
done
[[ $# -ge 1 ]] || die "no command; one of backup, restore, status, defrag, recover-space (see the top of $0)"
command=$1; shift
[[ -z "${group}" || "${target}" == ha ]] || die "--group names a separate group's cluster of the HA topology: use it with --ha"

endpoint_file() {
  [[ -f "$1" ]] || die "$1 is missing: is the ${target} etcd running? ($2)"
  tr -d '[:space:]' < "$1"
}
# connect points etcdctl at the target's etcd; restore needs none.
connect() {
  case "${target}" in
    standalone)
      endpoints=$(endpoint_file "${target_dir}/embedded-etcd-endpoint" "make run writes it while the server runs")
      cacert="${target_dir}/pki/ca.crt" cert="${target_dir}/pki/etcd-client.crt" key="${target_dir}/pki/etcd-client.key" ;;
    ha)
      endpoints=$(endpoint_file "${target_dir}/etcd-endpoints${group:+-${group}}" "make ha-up${group:+ ARGS=--separate-groups=${group}}")
      cacert="${target_dir}/etcd-pki/etcd-ca.crt" cert="${target_dir}/etcd-pki/etcd-client.crt" key="${target_dir}/etcd-pki/etcd-client.key" ;;
    demo)
      endpoints=$(endpoint_file "${target_dir}/etcd-endpoints" "make demo-up") ;;
  esac
  # etcdctl reads these for every command below.
  export ETCDCTL_ENDPOINTS="${endpoints}" ETCDCTL_CACERT="${cacert}" ETCDCTL_CERT="${cert}" ETCDCTL_KEY="${key}"
  [[ -n "${cacert}" ]] || unset ETCDCTL_CACERT ETCDCTL_CERT ETCDCTL_KEY
}
etcdctl() { "${BIN}/etcdctl" --command-timeout="${ETCD_COMMAND_TIMEOUT:-60s}" "$@"; }
etcdutl() { "${BIN}/etcdutl" "$@"; }
# on MEMBER ARGS: etcdctl against one member (etcdctl refuses a flag that
# shadows its environment).
on() { ETCDCTL_ENDPOINTS=$1 etcdctl "${@:2}"; }

# healthy_endpoint: the first member that answers; a snapshot is taken from
# one member.
healthy_endpoint() {
  local ep
  for ep in ${endpoints//,/ }; do
    if on "${ep}" endpoint health >/dev/null 2>&1; then echo "${ep}"; return; fi
  done
  die "no etcd member answers at ${endpoints}"
}

# verify FILE: the snapshot opens, hashes and counts (status), and restores.
verify() {
  local file=$1 scratch
  etcdutl snapshot status "${file}" -w table || die "${file} is not a readable snapshot"
  scratch=$(mktemp -d)
  etcdutl snapshot restore "${file}" --data-dir "${scratch}/member-data" >/dev/null 2>&1 \
    || { rm -rf "${scratch}"; die "${file} does not restore (integrity check failed)"; }
  rm -rf "${scratch}"
}

backup() {
  local out=${1:-${ROOT}/_output/backup} ep name start
  mkdir -p "${out}"
  ep=$(healthy_endpoint)
  name="etcd${group:+-${group}}-$(date -u +%Y%m%dT%H%M%SZ).db"
  start=$(date +%s%N)
  say "snapshot of ${ep} (${target}${group:+, the ${group} cluster})"
  # etcdctl writes <file>.part and renames it only once the snapshot is whole.
  on "${ep}" snapshot save "${out}/.unverified-${name}" >"${out}/.snapshot.log" 2>&1 \
    || { cat "${out}/.snapshot.log" >&2; die "the snapshot failed"; }
  say "verifying"
  verify "${out}/.unverified-${name}"
  mv "${out}/.unverified-${name}" "${out}/${name}"
  rm -f "${out}/.snapshot.log"
  say "backup: ${out}/${name} ($(stat -c %s "${out}/${name}") bytes, $((($(date +%s%N) - start) / 1000000)) ms)"
}

restore_standalone() {
  local snapshot=$1 data_dir=${DATA_DIR:-${target_dir}/data} staged before db
  [[ "${target}" == standalone ]] || die "restore here is for standalone mode; for the HA topology run local-cluster ha-restore, for a cluster see docs/operations.md#restore"
  [[ -f "${snapshot}" ]] || die "no snapshot at ${snapshot}"
  db="${data_dir}/member/snap/db"
  # The running etcd holds an exclusive lock on its database file.
  if [[ -f "${db}" ]] && ! flock -n "${db}" true; then
    die "the server is running on ${data_dir} (its etcd holds ${db}); stop it first (Ctrl-C in make run), then restore"
  fi
  verify "${snapshot}"
  staged="${data_dir}.restoring"
  rm -rf "${staged}"
  say "restoring ${snapshot} into ${data_dir}, revision bumped by ${BUMP_REVISION}, old revisions marked compacted"
  etcdutl snapshot restore "${snapshot}" --name standalone --initial-cluster standalone=http://127.0.0.1:2380 \
    --initial-advertise-peer-urls http://127.0.0.1:2380 --data-dir "${staged}" \
    --bump-revision "${BUMP_REVISION}" --mark-compacted >"${staged}.log" 2>&1 \
    || { cat "${staged}.log" >&2; die "etcdutl snapshot restore failed"; }
  rm -f "${staged}.log"
  if [[ -d "${data_dir}" ]]; then
    before="${data_dir}.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
    mv "${data_dir}" "${before}"
    say "the data it replaces is kept in ${before}"
  fi
  mv "${staged}" "${data_dir}"
  say "restored; the next make run serves the snapshot's objects"
}

status() {
  etcdctl endpoint status --cluster -w table
  say "alarms (none listed: none raised)"
  etcdctl alarm list
}

# defrag: one member at a time, so the others serve while it is blocked.
defrag() {
  local ep start
  for ep in ${endpoints//,/ }; do
    start=$(date +%s%N)
    on "${ep}" defrag
    # Answers again (health would also fail on a raised alarm).
    on "${ep}" endpoint status >/dev/null
    say "${ep} defragmented in $((($(date +%s%N) - start) / 1000000)) ms"
  done
}

recover_space() {
  local revision
  revision=$(etcdctl endpoint status -w json | grep -o '"revision":[0-9]*' | head -1 | cut -d: -f2)
  [[ -n "${revision}" ]] || die "could not read etcd's revision"
  say "compacting to revision ${revision}"
  etcdctl compaction --physical "${revision}" 2>&1 | grep -v 'required revision has been compacted' || true
  defrag
  say "disarming the alarms"
  etcdctl alarm disarm >/dev/null
  status
  say "writes resume now; if the database in use is still near the quota, delete objects or raise --quota-backend-bytes (docs/operations.md#space-quota-and-the-nospace-alarm)"
}

case "${command}" in
  backup) connect; backup "$@" ;;
  restore) [[ $# -eq 1 ]] || die "usage: restore SNAPSHOT"; restore_standalone "$1" ;;
  status) connect; status ;;
  defrag) connect; defrag ;;
  recover-space) connect; recover_space ;;
  *) die "unknown command ${command}; one of backup, restore, status, defrag, recover-space" ;;
esac
