#!/usr/bin/env bash
# Builds the OCI images of the server and the controller without a container
# engine: static binaries (CGO_ENABLED=0) on an empty base, run as a numeric
# non-root user, labelled with the version and the source revision, stamped
# with the commit's time so that the same tree gives the same digests.
# Output: _output/image/oci (an OCI layout) and _output/image/tar/*.tar
# (docker load -i ..., or crane push / skopeo copy to a registry).
set -euo pipefail
cd "$(dirname "$0")/.."

out=_output/image
repository=${REPOSITORY:-example.com}
if ! revision=$(git rev-parse HEAD 2>/dev/null); then
  echo "build-image: not a git checkout; the revision label needs one" >&2
  exit 1
fi
version=${VERSION:-$(git describe --tags --always --dirty)}
created=$(git log -1 --format=%ct)

echo ">> building static binaries into $out/bin"
mkdir -p "$out/bin"
CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$out/bin/" ./cmd/extension-apiserver ./cmd/crontab-controller
echo ">> assembling the images ($repository/...:$version, revision $revision)"
go run ./internal/cmd/image-build -bin-dir "$out/bin" -out "$out" -repository "$repository" -version "$version" \
  -revision "$revision" -created "$created"
