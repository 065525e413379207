package testutil

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os/exec"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Manifest is one object of a rendered kustomization: its kind and its
// YAML, to decode strictly into the type it names.
type Manifest struct {
	Kind string
	YAML []byte
}

// Kustomize renders dir with the real kubectl and splits the output into
// its objects.
func Kustomize(t testing.TB, dir string) []Manifest {
	t.Helper()
	rendered, err := exec.Command("kubectl", "kustomize", dir).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	var manifests []Manifest
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(rendered)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return manifests
		} else if err != nil {
			t.Fatal(err)
		}
		var head struct{ Kind string }
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatal(err)
		}
		manifests = append(manifests, Manifest{Kind: head.Kind, YAML: doc})
	}
}
