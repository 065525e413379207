// Command image-build assembles the OCI images of the server and the
// controller from static binaries (internal/image), without a container engine:
// an OCI layout directory and a tarball per image for docker load. make
// image builds the binaries and runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/example/extension-apiserver/internal/image"
)

func main() {
	binDir := flag.String("bin-dir", "_output/image/bin", "the static binaries extension-apiserver and crontab-controller")
	out := flag.String("out", "_output/image", "where the layout (oci/) and the tarballs (tar/) go")
	repository := flag.String("repository", "example.com", "registry and path the images are tagged under")
	version := flag.String("version", "dev", "the image tag and the version label")
	revision := flag.String("revision", "unknown", "the source revision label")
	created := flag.String("created", "0", "creation time, unix seconds (the commit's, for reproducibility)")
	flag.Parse()
	seconds, err := strconv.ParseInt(*created, 10, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "image-build: -created %q: %v\n", *created, err)
		os.Exit(2)
	}
	images := map[string]v1.Image{}
	for _, name := range []string{"extension-apiserver", "crontab-controller"} {
		img, err := image.Build(image.Spec{Binary: filepath.Join(*binDir, name), Name: name, Version: *version, Revision: *revision,
			Created: time.Unix(seconds, 0).UTC()})
		if err != nil {
			fmt.Fprintf(os.Stderr, "image-build: %s: %v\n", name, err)
			os.Exit(1)
		}
		images[name] = img
	}
	digests, err := image.Write(filepath.Join(*out, "oci"), filepath.Join(*out, "tar"), *repository, images, *version)
	if err != nil {
		fmt.Fprintf(os.Stderr, "image-build: %v\n", err)
		os.Exit(1)
	}
	for name, digest := range digests {
		fmt.Printf("%s/%s:%s %s (%s)\n", *repository, name, *version, digest, filepath.Join(*out, "tar", name+".tar"))
	}
	fmt.Printf("OCI layout: %s\n", filepath.Join(*out, "oci"))
}
