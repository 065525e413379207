// Package certmanager checks the cert-manager objects of
// artifacts/deploy/cert-manager against cert-manager's own Go types. It is a
// module of its own so that cert-manager's requirements never move the
// server's dependencies.
package certmanager

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"testing"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// TestCertManagerObjectsDecodeStrictly builds the overlay and decodes each
// cert-manager object strictly into cert-manager's type: an unknown or
// misspelt field fails.
func TestCertManagerObjectsDecodeStrictly(t *testing.T) {
	built, err := exec.Command("kubectl", "kustomize", filepath.Join("..", "..", "artifacts", "deploy", "cert-manager")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v", err)
	}
	kinds := map[string]int{}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(built)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatal(err)
		}
		if head.APIVersion != cmv1.SchemeGroupVersion.String() {
			continue
		}
		kinds[head.Kind]++
		var into any
		switch head.Kind {
		case cmv1.CertificateKind:
			into = &cmv1.Certificate{}
		case cmv1.IssuerKind:
			into = &cmv1.Issuer{}
		default:
			t.Errorf("%s %s: a cert-manager kind this test does not know", head.Kind, head.Metadata.Name)
			continue
		}
		if err := yaml.UnmarshalStrict(doc, into); err != nil {
			t.Errorf("%s %s does not decode strictly into cert-manager's type: %v", head.Kind, head.Metadata.Name, err)
		}
	}
	if kinds[cmv1.CertificateKind] != 6 || kinds[cmv1.IssuerKind] != 3 {
		t.Errorf("the overlay holds %v; want 6 Certificates and 3 Issuers", kinds)
	}
}
