#!/usr/bin/env bash
# Fails when the committed generated code differs from what
# hack/update-codegen.sh produces from the current sources.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${ROOT}"

WORK=$(mktemp -d)
trap 'rm -rf "${WORK}"' EXIT

echo ">> copying the tree to ${WORK} and regenerating there"
# git ls-files keeps untracked build output out; new files not yet added are
# included so that the check also works before a commit.
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "${WORK}/" 2>/dev/null || true
(cd "${WORK}" && hack/update-codegen.sh >/dev/null)

echo ">> comparing generated files"
stale=0
while IFS= read -r -d '' f; do
  rel=${f#"${WORK}/"}
  if ! cmp -s "${f}" "${ROOT}/${rel}"; then
    echo "stale or missing: ${rel}" >&2
    stale=1
  fi
done < <(find "${WORK}/pkg" "${WORK}/hack" -type f \( -name 'zz_generated*' -o -name 'generated.proto' -o -name 'generated.pb.go' -o -path '*/pkg/generated/*' -o -name 'api-rules-violations.list' \) -print0)
while IFS= read -r -d '' f; do
  rel=${f#"${ROOT}/"}
  if [[ ! -e "${WORK}/${rel}" ]]; then
    echo "no longer generated: ${rel}" >&2
    stale=1
  fi
done < <(find "${ROOT}/pkg" -type f \( -name 'zz_generated*' -o -name 'generated.proto' -o -name 'generated.pb.go' -o -path '*/pkg/generated/*' \) -print0)

if [[ ${stale} -ne 0 ]]; then
  echo "generated code is stale: run hack/update-codegen.sh (make codegen) and commit the result" >&2
  exit 1
fi
echo ">> generated code is up to date"
