// Package image assembles the OCI images of the server and the controller
// from static binaries, without a container engine: one layer holding the
// binary on an empty base, a numeric non-root user, and the version and
// source revision as OCI labels. Every timestamp is the commit's, so the
// same binary gives the same digest.
package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// User is the numeric user and group the images run as (distroless's
// "nonroot"), so that runAsNonRoot can check it without a passwd file.
const User = "65532:65532"

// Spec describes one image.
type Spec struct {
	// Binary is the static executable, placed at /<Name> and run as the
	// entrypoint.
	Binary string
	Name   string
	// Version and Revision become the OCI version and revision labels.
	Version, Revision string
	// Created stamps the image, its history and its files (the commit's
	// time, for reproducibility).
	Created time.Time
}

// Build returns the image described by spec.
func Build(spec Spec) (v1.Image, error) {
	binary, err := os.ReadFile(spec.Binary)
	if err != nil {
		return nil, err
	}
	layerData, err := layerTar(spec.Name, binary, spec.Created)
	if err != nil {
		return nil, fmt.Errorf("the layer of %s: %w", spec.Name, err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerData)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: spec.Created}, CreatedBy: "internal/image: /" + spec.Name, Comment: "static binary"},
	})
	if err != nil {
		return nil, err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	configFile, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	config := configFile.Config
	config.Entrypoint = []string{"/" + spec.Name}
	config.User = User
	config.WorkingDir = "/"
	config.Labels = map[string]string{
		"org.opencontainers.image.title":    spec.Name,
		"org.opencontainers.image.version":  spec.Version,
		"org.opencontainers.image.revision": spec.Revision,
		"org.opencontainers.image.source":   "github.com/example/extension-apiserver",
		"org.opencontainers.image.licenses": "Apache-2.0",
	}
	img, err = mutate.Config(img, config)
	if err != nil {
		return nil, err
	}
	img, err = mutate.CreatedAt(img, v1.Time{Time: spec.Created})
	if err != nil {
		return nil, err
	}
	configFile, err = img.ConfigFile()
	if err != nil {
		return nil, err
	}
	configFile.OS, configFile.Architecture = "linux", "amd64"
	return mutate.ConfigFile(img, configFile)
}

// layerTar is the one layer: the binary, owned by root and executable by
// anyone, stamped with created.
func layerTar(name string, binary []byte, created time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: path.Clean(name), Mode: 0o555, Size: int64(len(binary)), ModTime: created,
		Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(binary); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write stores the images in an OCI layout directory (what registries and
// tools such as crane, skopeo or podman take) and each as a tarball that
// docker load accepts, tagged ref:<version>; it returns the digests.
func Write(layoutDir, tarballDir, repository string, images map[string]v1.Image, version string) (map[string]v1.Hash, error) {
	if err := os.RemoveAll(layoutDir); err != nil {
		return nil, err
	}
	index, err := layout.Write(layoutDir, empty.Index)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(tarballDir, 0o755); err != nil {
		return nil, err
	}
	digests := map[string]v1.Hash{}
	names := slices.Sorted(maps.Keys(images)) // a stable index.json
	for _, imageName := range names {
		img := images[imageName]
		tag, err := name.NewTag(fmt.Sprintf("%s/%s:%s", repository, imageName, version))
		if err != nil {
			return nil, err
		}
		if err := index.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag.String()})); err != nil {
			return nil, err
		}
		if err := tarball.WriteToFile(filepath.Join(tarballDir, imageName+".tar"), tag, img); err != nil {
			return nil, err
		}
		if digests[imageName], err = img.Digest(); err != nil {
			return nil, err
		}
	}
	return digests, nil
}
