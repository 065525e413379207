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
// Afterwards the cluster's own certificate and caBundle are put back.
func TestCertManagerIssuesTheServingCertificate(t *testing.T) {
	root, _ := filepath.Abs("../..")
	crds, _ := filepath.Glob(filepath.Join(root, "_output", "cert-manager", "crds", "*.yaml"))
	if len(crds) != 4 {
		t.Fatalf("found %d cert-manager CRDs in _output/cert-manager/crds, want 4: run hack/build-tools.sh", len(crds))
	}
	for _, crd := range crds {
		kubectl(t, "apply", "--server-side", "-f", crd)
	}
	kubectl(t, "wait", "--for=condition=Established", "--timeout=60s", "crd/certificates.cert-manager.io",
		"crd/certificaterequests.cert-manager.io", "crd/issuers.cert-manager.io", "crd/clusterissuers.cert-manager.io")
	stopInjector := startCertManager(t, filepath.Join(root, "_output", "bin"))
	start := time.Now()

	overlay := filepath.Join(root, "artifacts", "deploy", "cert-manager")
	kubectl(t, "apply", "-f", filepath.Join(overlay, "issuers.yaml"), "-f", filepath.Join(overlay, "certificates.yaml"))
	kubectl(t, "wait", "--for=condition=Ready", "--timeout=120s", "-n", localcluster.ServiceNamespace, "certificate", "--all")
	t.Logf("every Certificate Ready %s after cert-manager started", time.Since(start).Round(100*time.Millisecond))
	issued := secretData(t, servingCertificate)
	leaf, caPEM := checkIssued(t, issued)

	restore := takeOverServing(t)
	t.Cleanup(func() { stopInjector(); restore() })
	for _, name := range localcluster.APIServices {
		kubectl(t, "patch", "apiservice", name, "--type=merge", "-p",
			`{"metadata":{"annotations":{"cert-manager.io/inject-ca-from":"`+localcluster.ServiceNamespace+"/"+servingCertificate+`"}},"spec":{"caBundle":null}}`)
	}
	writeServing(t, issued["tls.crt"], issued["tls.key"])
	start = time.Now()

	testutil.WaitFor(t, 2*time.Minute, "the injected caBundle and Available APIServices", func(ctx context.Context) (bool, error) {
		for _, name := range localcluster.APIServices {
			caBundle, available := apiServiceTrust(t, name)
			if !bytes.Equal(caBundle, caPEM) || available != "True" {
				return false, nil
			}
		}
		return true, nil
	})
	testutil.WaitFor(t, 90*time.Second, "the server to serve the issued certificate", func(context.Context) (bool, error) {
		return servedCertificate(t).SerialNumber.Cmp(leaf.SerialNumber) == 0, nil
	})
	t.Logf("caBundle injected, APIServices Available and the issued certificate served %s after the switch", time.Since(start).Round(100*time.Millisecond))
	kubectl(t, "get", "crontabs.stable.example.com", "-A") // through the aggregator, trusting cert-manager's CA
}

// startCertManager starts the controller and the CA injector; the returned
// function stops the injector (the controller stops with the test).
func startCertManager(t *testing.T, binDir string) (stopInjector func()) {
	t.Helper()
	stops := map[string]func(){}
	for _, name := range []string{"cert-manager-controller", "cert-manager-cainjector"} {
		ctx, cancel := context.WithCancel(context.Background())
		logPath := filepath.Join(t.TempDir(), name+".log")
		logFile, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, filepath.Join(binDir, name), "--kubeconfig", cluster.AdminKubeconfig())
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
func secretData(t *testing.T, name string) map[string][]byte {
	t.Helper()
	var encoded map[string]string
	if err := json.Unmarshal([]byte(kubectl(t, "get", "secret", name, "-n", localcluster.ServiceNamespace, "-o", "jsonpath={.data}")), &encoded); err != nil {
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
func checkIssued(t *testing.T, issued map[string][]byte) (*x509.Certificate, []byte) {
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
	if caSecret := secretData(t, "extension-apiserver-serving-ca"); !bytes.Equal(caSecret["tls.crt"], issued["ca.crt"]) {
		t.Error("the serving certificate's ca.crt is not the serving CA cert-manager issued")
	}
	svc := localcluster.ServiceName + "." + localcluster.ServiceNamespace + ".svc"
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: svc, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("the issued serving certificate does not verify for %s: %v", svc, err)
	}
	return leaf, issued["ca.crt"]
}

func apiServiceTrust(t *testing.T, name string) (caBundle []byte, available string) {
	t.Helper()
	var apiservice map[string]any
	if err := json.Unmarshal([]byte(kubectl(t, "get", "apiservice", name, "-o", "json")), &apiservice); err != nil {
		t.Fatal(err)
	}
	spec, _ := apiservice["spec"].(map[string]any)
	encoded, _ := spec["caBundle"].(string)
	caBundle, _ = base64.StdEncoding.DecodeString(encoded)
	return caBundle, availableStatus(apiservice)
}

// takeOverServing returns what puts back the cluster's serving certificate
// and the APIServices' caBundle, and waits until they are Available on it.
// The caBundle goes back only once the old certificate is served again, so
// that no availability check in between fails and the next test starts
// with the APIServices steadily Available.
func takeOverServing(t *testing.T) func() {
	t.Helper()
	original := servedCertificate(t)
	crt, errCrt := os.ReadFile(filepath.Join(cluster.ServingDir(), "serving.crt"))
	key, errKey := os.ReadFile(filepath.Join(cluster.ServingDir(), "serving.key"))
	if errCrt != nil || errKey != nil {
		t.Fatal(errCrt, errKey)
	}
	caBundles := map[string][]byte{}
	for _, name := range localcluster.APIServices {
		caBundles[name], _ = apiServiceTrust(t, name)
	}
	return func() {
		writeServing(t, crt, key)
		testutil.WaitFor(t, 90*time.Second, "the server to serve its own certificate again", func(context.Context) (bool, error) {
			return servedCertificate(t).SerialNumber.Cmp(original.SerialNumber) == 0, nil
		})
		for name, caBundle := range caBundles {
			kubectl(t, "patch", "apiservice", name, "--type=merge", "-p",
				`{"metadata":{"annotations":{"cert-manager.io/inject-ca-from":null}},"spec":{"caBundle":"`+base64.StdEncoding.EncodeToString(caBundle)+`"}}`)
		}
		testutil.WaitFor(t, 2*time.Minute, "the APIServices Available on the cluster's own certificate again", func(context.Context) (bool, error) {
			for name, want := range caBundles {
				if caBundle, available := apiServiceTrust(t, name); !bytes.Equal(caBundle, want) || available != "True" {
					return false, nil
				}
			}
			return true, nil
		})
	}
}

// writeServing replaces the server's certificate and key files, each with a
// rename so that the server never reads half a file.
func writeServing(t *testing.T, crt, key []byte) {
	t.Helper()
	for name, data := range map[string][]byte{"serving.key": key, "serving.crt": crt} {
		path := filepath.Join(cluster.ServingDir(), name)
		if err := os.WriteFile(path+".new", data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			t.Fatal(err)
		}
	}
}
