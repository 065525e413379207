package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/test/integration/framework"
)

func (c *testCluster) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.Kubectl(context.Background(), args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryAPIServiceIsAvailable(t *testing.T) {
	for _, name := range localcluster.APIServices {
		out := shared.kubectl(t, "get", "apiservice", name, "-o", "jsonpath={.status.conditions[?(@.type=='Available')].status} {.spec.insecureSkipTLSVerify} {.spec.caBundle}")
		fields := strings.Fields(out)
		if len(fields) != 2 || fields[0] != "True" || len(fields[1]) < 100 {
			t.Errorf("apiservice %s: %q, want Available=True, no insecureSkipTLSVerify, a caBundle", name, out)
		}
	}
}

func TestCRUDThroughTheAggregator(t *testing.T) {
	config, err := clientcmd.BuildConfigFromFlags("", shared.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	framework.RunCRUD(t, config, shared.namespace(t))
}

func TestDiscoveryThroughTheAggregator(t *testing.T) {
	out := shared.kubectl(t, "api-resources", "-o", "name")
	for _, want := range []string{"crontabs.stable.example.com", "flunders.wardle.example.com", "fischers.wardle.example.com"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl api-resources lacks %s", want)
		}
	}
	var groups struct {
		Groups []struct {
			Name             string
			PreferredVersion struct{ Version string }
			Versions         []struct{ Version string }
		}
	}
	if err := json.Unmarshal([]byte(shared.kubectl(t, "get", "--raw", "/apis")), &groups); err != nil {
		t.Fatal(err)
	}
	preferred := map[string]string{}
	for _, g := range groups.Groups {
		preferred[g.Name] = g.PreferredVersion.Version
	}
	if preferred["stable.example.com"] != "v1" || preferred["wardle.example.com"] != "v1beta1" {
		t.Errorf("preferred versions through kube-apiserver: %v", preferred)
	}
	if got := shared.kubectl(t, "explain", "crontab.spec.cronSpec"); !strings.Contains(got, "five-field cron schedule") {
		t.Errorf("kubectl explain through kube-apiserver: %s", got)
	}
}

// TestDeployManifestsRender checks the real-cluster kustomization with the
// certificate tool's output: a TLS Secret, and the caBundle in every
// APIService.
func TestDeployManifestsRender(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "../../artifacts/deploy", dir)
	if err := localcluster.WriteServingCerts(filepath.Join(dir, "generated"), localcluster.ServiceNamespace, localcluster.ServiceName); err != nil {
		t.Fatal(err)
	}
	if err := localcluster.WriteEtcdCerts(filepath.Join(dir, "generated"), localcluster.ServiceNamespace); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("kubectl", "kustomize", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	rendered := string(out)
	if strings.Count(rendered, "caBundle: ") != 4 || strings.Contains(rendered, "insecureSkipTLSVerify") {
		t.Errorf("want a caBundle in 4 APIServices and no insecureSkipTLSVerify:\n%s", rendered)
	}
	if !strings.Contains(rendered, "type: kubernetes.io/tls") || !strings.Contains(rendered, "name: extension-apiserver-serving-cert") {
		t.Errorf("the serving certificate Secret is missing")
	}
	// etcd speaks mutual TLS to the server and between members, nothing in the clear.
	for _, want := range []string{"name: etcd-server-cert", "name: etcd-client-cert", "--client-cert-auth=true", "--peer-client-cert-auth=true",
		"--etcd-servers=https://etcd-0.etcd:2379", "--etcd-certfile=", "https://etcd-0.etcd:2380"} {
		if !strings.Contains(rendered, want) {
			t.Errorf("the rendered deployment lacks %q", want)
		}
	}
	if strings.Contains(rendered, "http://etcd-") || strings.Contains(rendered, "=http://0.0.0.0:2379") {
		t.Errorf("etcd is still reachable in the clear")
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if rel == "generated" {
			return filepath.SkipDir
		}
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
