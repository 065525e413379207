package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployComponentsBuildAndPassDryRun builds artifacts/deploy's base with
// every optional component (encryption at rest, audit, backups, wardle on an
// etcd cluster of its own with its backups) and sends the result
// to kube-apiserver as a server-side dry run: each object must be valid for
// the cluster, and each component must have changed the Deployment.
func TestDeployComponentsBuildAndPassDryRun(t *testing.T) {
	root, _ := filepath.Abs("../..")
	dir := filepath.Join(root, "artifacts", "deploy", ".components-check-"+filepath.Base(t.TempDir()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	kustomization := "resources: [../base]\ncomponents: [../encryption, ../audit, ../backup, ../separate-etcd, ../separate-etcd/backup]\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
		t.Fatal(err)
	}
	built, err := exec.Command("kubectl", "kustomize", dir).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v", err)
	}
	for _, want := range []string{"--encryption-provider-config=", "secretName: extension-apiserver-encryption",
		"--audit-policy-file=", "--audit-log-path=-", "kind: Policy", "--etcd-servers-overrides=wardle.example.com/*#https://etcd-wardle-0.etcd-wardle:2379;",
		"name: etcd-wardle\n", "name: snapshot-wardle", "value: main wardle"} {
		if !strings.Contains(string(built), want) {
			t.Errorf("the built manifests lack %q", want)
		}
	}
	manifests := filepath.Join(t.TempDir(), "built.yaml")
	if err := os.WriteFile(manifests, built, 0o644); err != nil {
		t.Fatal(err)
	}
	out := shared.kubectl(t, "apply", "--dry-run=server", "-f", manifests)
	if !strings.Contains(out, "deployment.apps/extension-apiserver") {
		t.Errorf("the dry run did not reach the Deployment:\n%s", out)
	}
}
