package e2e

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/testutil"
)

const servingCertificate = "extension-apiserver-serving-cert"

// TestCertManagerIssuesTheServingCertificate runs cert-manager's controllers
// and CA injector (built by hack/build-tools.sh from cert-manager's library)
// against the cluster and applies the issuers and certificates of
// artifacts/deploy/cert-manager: every Certificate becomes Ready, the
// injector fills the APIServices' caBundle from the serving Certificate's
// CA, and once the server serves the issued certificate (the Secret's files,
// as the kubelet would update them) the APIServices are Available on it.
func TestCertManagerIssuesTheServingCertificate(t *testing.T) {
	c := ownCluster(t)
	root, _ := filepath.Abs("../..")
	crds, _ := filepath.Glob(filepath.Join(root, "_output", "cert-manager", "crds", "*.yaml"))
	if len(crds) != 4 {
		t.Fatalf("found %d cert-manager CRDs in _output/cert-manager/crds, want 4: run hack/build-tools.sh", len(crds))
	}
	for _, crd := range crds {
		c.kubectl(t, "apply", "--server-side", "-f", crd)
	}
	c.kubectl(t, "wait", "--for=condition=Established", "--timeout=60s", "crd/certificates.cert-manager.io",
		"crd/certificaterequests.cert-manager.io", "crd/issuers.cert-manager.io", "crd/clusterissuers.cert-manager.io")
	stopInjector := c.startCertManager(t, filepath.Join(root, "_output", "bin"))
	start := time.Now()

	overlay := filepath.Join(root, "artifacts", "deploy", "cert-manager")
	c.kubectl(t, "apply", "-f", filepath.Join(overlay, "issuers.yaml"), "-f", filepath.Join(overlay, "certificates.yaml"))
	c.kubectl(t, "wait", "--for=condition=Ready", "--timeout=120s", "-n", localcluster.ServiceNamespace, "certificate", "--all")
	t.Logf("every Certificate Ready %s after cert-manager started", time.Since(start).Round(100*time.Millisecond))
	issued := c.secretData(t, servingCertificate)
	leaf, caPEM := c.checkIssued(t, issued)

	t.Cleanup(stopInjector)
	for _, name := range localcluster.APIServices {
		c.kubectl(t, "patch", "apiservice", name, "--type=merge", "-p",
			`{"metadata":{"annotations":{"cert-manager.io/inject-ca-from":"`+localcluster.ServiceNamespace+"/"+servingCertificate+`"}},"spec":{"caBundle":null}}`)
	}
	c.writeServing(t, issued["tls.crt"], issued["tls.key"])
	start = time.Now()

	testutil.WaitFor(t, 2*time.Minute, "the injected caBundle and Available APIServices", func(ctx context.Context) (bool, error) {
		for _, name := range localcluster.APIServices {
			caBundle, available := c.apiServiceTrust(t, name)
			if !bytes.Equal(caBundle, caPEM) || available != "True" {
				return false, nil
			}
		}
		return true, nil
	})
	testutil.WaitFor(t, 90*time.Second, "the server to serve the issued certificate", func(context.Context) (bool, error) {
		return c.servedCertificate(t).SerialNumber.Cmp(leaf.SerialNumber) == 0, nil
	})
	t.Logf("caBundle injected, APIServices Available and the issued certificate served %s after the switch", time.Since(start).Round(100*time.Millisecond))
	c.kubectl(t, "get", "crontabs.stable.example.com", "-A") // through the aggregator, trusting cert-manager's CA
}

// startCertManager starts the controller and the CA injector; the returned
// function stops the injector (the controller stops with the test).
func (c *testCluster) startCertManager(t *testing.T, binDir string) (stopInjector func()) {
	t.Helper()
	stops := map[string]func(){}
	for _, name := range []string{"cert-manager-controller", "cert-manager-cainjector"} {
		ctx, cancel := context.WithCancel(context.Background())
		logPath := filepath.Join(t.TempDir(), name+".log")
		logFile, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, filepath.Join(binDir, name), "--kubeconfig", c.AdminKubeconfig())
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatalf("%s: %v (built by hack/build-tools.sh)", name, err)
		}
		stop := func() {
			cancel()
			_ = cmd.Wait()
			logFile.Close()
		}
		stops[name] = stop
		t.Cleanup(func() {
			stop()
			if t.Failed() {
				if log, err := os.ReadFile(logPath); err == nil {
					t.Logf("%s log (last 3000 bytes):\n%s", name, log[max(0, len(log)-3000):])
				}
			}
		})
	}
	return stops["cert-manager-cainjector"]
}

// secretData is the decoded data of a Secret of the Service's namespace.
func (c *testCluster) secretData(t *testing.T, name string) map[string][]byte {
	t.Helper()
	var encoded map[string]string
	if err := json.Unmarshal([]byte(c.kubectl(t, "get", "secret", name, "-n", localcluster.ServiceNamespace, "-o", "jsonpath={.data}")), &encoded); err != nil {
		t.Fatal(err)
	}
	data := map[string][]byte{}
	for k, v := range encoded {
		decoded, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			t.Fatal(err)
		}
		data[k] = decoded
	}
	return data
}

// checkIssued checks that the serving Secret holds a certificate for the
// Service's name, signed by the serving CA cert-manager issued, and returns
// it and the CA.
func (c *testCluster) checkIssued(t *testing.T, issued map[string][]byte) (*x509.Certificate, []byte) {
	t.Helper()
	block, _ := pem.Decode(issued["tls.crt"])
	if block == nil {
		t.Fatalf("the Secret %s holds no certificate, only %v", servingCertificate, slices.Sorted(maps.Keys(issued)))
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(issued["ca.crt"]) {
		t.Fatal("the Secret's ca.crt holds no certificate")
	}
	if caSecret := c.secretData(t, "extension-apiserver-serving-ca"); !bytes.Equal(caSecret["tls.crt"], issued["ca.crt"]) {
		t.Error("the serving certificate's ca.crt is not the serving CA cert-manager issued")
	}
	svc := localcluster.ServiceName + "." + localcluster.ServiceNamespace + ".svc"
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: svc, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("the issued serving certificate does not verify for %s: %v", svc, err)
	}
	return leaf, issued["ca.crt"]
}

func (c *testCluster) apiServiceTrust(t *testing.T, name string) (caBundle []byte, available string) {
	t.Helper()
	var apiservice map[string]any
	if err := json.Unmarshal([]byte(c.kubectl(t, "get", "apiservice", name, "-o", "json")), &apiservice); err != nil {
		t.Fatal(err)
	}
	spec, _ := apiservice["spec"].(map[string]any)
	encoded, _ := spec["caBundle"].(string)
	caBundle, _ = base64.StdEncoding.DecodeString(encoded)
	return caBundle, availableStatus(apiservice)
}

// writeServing replaces the server's certificate and key files, each with a
// rename so that the server never reads half a file.
func (c *testCluster) writeServing(t *testing.T, crt, key []byte) {
	t.Helper()
	for name, data := range map[string][]byte{"serving.key": key, "serving.crt": crt} {
		path := filepath.Join(c.ServingDir(), name)
		if err := os.WriteFile(path+".new", data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			t.Fatal(err)
		}
	}
}
