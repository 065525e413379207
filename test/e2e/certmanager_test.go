package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/example/extension-apiserver/internal/testutil"
)

// TestCertManagerOverlay builds artifacts/deploy/cert-manager: every object
// of a kind kube-apiserver serves here passes its server-side dry run, and
// the APIServices carry the CA injector's annotation and no hand-made
// caBundle. The cert-manager objects are checked by test/certmanager.
func TestCertManagerOverlay(t *testing.T) {
	root, _ := filepath.Abs("../..")
	var others bytes.Buffer
	kinds := map[string]int{}
	for _, m := range testutil.Kustomize(t, filepath.Join(root, "artifacts", "deploy", "cert-manager")) {
		doc := m.YAML
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name        string            `json:"name"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
			Spec struct {
				CABundle string `json:"caBundle"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatal(err)
		}
		kinds[head.Kind]++
		switch {
		case head.APIVersion == "cert-manager.io/v1":
			// Not served here: test/certmanager decodes them strictly into
			// cert-manager's own types.
		default:
			if head.Kind == "APIService" && (head.Spec.CABundle != "" ||
				head.Metadata.Annotations["cert-manager.io/inject-ca-from"] != "extension-apiserver/extension-apiserver-serving-cert") {
				t.Errorf("APIService %s: caBundle %q, annotations %v; want the CA injector's annotation and no caBundle",
					head.Metadata.Name, head.Spec.CABundle, head.Metadata.Annotations)
			}
			others.WriteString("---\n")
			others.Write(doc)
		}
	}
	if kinds["Certificate"] != 6 || kinds["Issuer"] != 3 || kinds["APIService"] != 4 {
		t.Errorf("the overlay holds %v; want 6 Certificates, 3 Issuers and 4 APIServices", kinds)
	}
	manifests := filepath.Join(t.TempDir(), "others.yaml")
	if err := os.WriteFile(manifests, others.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := shared.kubectl(t, "apply", "--dry-run=server", "-f", manifests)
	if !strings.Contains(out, "deployment.apps/extension-apiserver") || !strings.Contains(out, "statefulset.apps/etcd") {
		t.Errorf("the dry run did not reach the Deployment and the StatefulSet:\n%s", out)
	}
}
