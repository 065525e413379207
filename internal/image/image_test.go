package image

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestImagesRunAndAreReproducible builds both images from static binaries
// twice, checks that the digests agree, that the tarball docker load reads
// holds the layout's image (the same image ID), that the configuration runs a
// numeric non-root user with the labels, and runs each entrypoint with
// --help inside the unpacked root filesystem (a chroot when running as root).
func TestImagesRunAndAreReproducible(t *testing.T) {
	root, _ := filepath.Abs("../..")
	bin := t.TempDir()
	build := exec.Command("go", "build", "-ldflags=-s", "-o", bin+"/", "./cmd/extension-apiserver", "./cmd/crontab-controller")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as make image builds them
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the binaries: %v\n%s", err, out)
	}
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	build2 := func() map[string]v1.Image {
		images := map[string]v1.Image{}
		for _, name := range []string{"extension-apiserver", "crontab-controller"} {
			img, err := Build(Spec{Binary: filepath.Join(bin, name), Name: name, Version: "v1.2.3", Revision: "0123abcd", Created: created})
			if err != nil {
				t.Fatal(err)
			}
			images[name] = img
		}
		return images
	}
	out := t.TempDir()
	first, err := Write(filepath.Join(out, "oci"), filepath.Join(out, "tar"), "example.com", build2(), "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	second, err := Write(filepath.Join(out, "oci2"), filepath.Join(out, "tar2"), "example.com", build2(), "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	index, err := layout.ImageIndexFromPath(filepath.Join(out, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	for name, digest := range first {
		if second[name] != digest {
			t.Errorf("%s: built twice, digests %s and %s", name, digest, second[name])
		}
		fromLayout, err := index.Image(digest)
		if err != nil {
			t.Errorf("%s: not in the OCI layout: %v", name, err)
			continue
		}
		loaded, err := tarball.ImageFromPath(filepath.Join(out, "tar", name+".tar"), nil)
		if err != nil {
			t.Fatal(err)
		}
		// docker load keeps the configuration as it is (its digest is the
		// image ID) and rewrites the manifest in its own format.
		wantID, _ := fromLayout.ConfigName()
		if id, _ := loaded.ConfigName(); id != wantID {
			t.Errorf("%s: the tarball holds image %s, the layout %s", name, id, wantID)
		}
		config, err := fromLayout.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if config.Config.User != User || !strings.HasPrefix(config.Config.User, "65532") {
			t.Errorf("%s: user %q, want the numeric non-root %s", name, config.Config.User, User)
		}
		labels := config.Config.Labels
		if labels["org.opencontainers.image.version"] != "v1.2.3" || labels["org.opencontainers.image.revision"] != "0123abcd" {
			t.Errorf("%s: labels %v", name, labels)
		}
		if len(config.Config.Entrypoint) != 1 || config.Config.Entrypoint[0] != "/"+name || config.OS != "linux" {
			t.Errorf("%s: entrypoint %v, os %s", name, config.Config.Entrypoint, config.OS)
		}
		runHelp(t, name, fromLayout)
	}
}

// runHelp unpacks img and runs its entrypoint with --help as the image's
// user, inside the unpacked root when the test may chroot.
func runHelp(t *testing.T, name string, img v1.Image) {
	t.Helper()
	rootfs := t.TempDir()
	if err := unpack(mutate.Extract(img), rootfs); err != nil {
		t.Fatalf("%s: unpacking: %v", name, err)
	}
	config, _ := img.ConfigFile()
	entrypoint := config.Config.Entrypoint[0]
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command(entrypoint, "--help")
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: rootfs, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
	} else {
		t.Logf("%s: not root, so no chroot: running the unpacked entrypoint in place", name)
		cmd = exec.Command(filepath.Join(rootfs, entrypoint), "--help")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s --help in the image: %v\n%s", name, err, out)
	}
	if !strings.Contains(string(out), "Usage") {
		t.Errorf("%s --help printed no usage:\n%.500s", name, out)
	}
}

func unpack(r io.ReadCloser, dir string) error {
	defer r.Close()
	tr := tar.NewReader(r)
	for {
		header, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.Clean("/"+header.Name))
		switch header.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(header.Mode))
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				_ = f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		default:
			return errors.New("unexpected entry " + header.Name)
		}
	}
}
