#!/usr/bin/env bash
# Fails when git tracks a build output: an executable binary (ELF, Mach-O, PE)
# or any file over 1 MB, the generated OpenAPI definitions aside.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=$((1024 * 1024))
allowed_large=(pkg/generated/openapi/zz_generated.openapi.go)

echo ">> checking tracked files for binaries and files over 1 MB"
bad=0
while IFS= read -r -d '' f; do
  [[ -f "$f" ]] || continue # deleted in the work tree, not yet committed
  magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
  case "$magic" in
    7f454c46 | cffaedfe | cefaedfe | feedfacf | feedface | 4d5a*)
      echo "binary tracked in git: $f" >&2
      bad=1
      continue
      ;;
  esac
  size=$(stat -c %s "$f")
  if ((size > limit)); then
    skip=0
    for a in "${allowed_large[@]}"; do [[ "$f" == "$a" ]] && skip=1; done
    if ((skip == 0)); then
      echo "file over 1 MB tracked in git: $f ($size bytes)" >&2
      bad=1
    fi
  fi
done < <(git ls-files -z)

if ((bad != 0)); then
  echo "remove these files from git (git rm --cached) and ignore them in .gitignore" >&2
  exit 1
fi
echo ">> no binaries or large files tracked"
