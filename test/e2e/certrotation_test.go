package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/testutil"
)

// TestServingCertificateRotation replaces the serving certificate files
// under the running server, as cert-manager or a Secret update does: the
// server serves the new certificate within a minute, without a restart,
// and kube-apiserver keeps every APIService Available meanwhile.
func TestServingCertificateRotation(t *testing.T) {
	c := ownCluster(t)
	before := c.servedCertificate(t)
	if err := localcluster.WriteServingCerts(c.ServingDir(), localcluster.ServiceNamespace, localcluster.ServiceName); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(c.ServingDir(), "serving.crt"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	issued, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if issued.SerialNumber.Cmp(before.SerialNumber) == 0 {
		t.Fatal("the new certificate has the old serial number")
	}

	// Watch the APIServices' availability for the whole rotation.
	config, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	apiservices := dynamic.NewForConfigOrDie(config).Resource(schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"})
	ctx, stop := context.WithCancel(context.Background())
	var mu sync.Mutex
	var unavailable []string
	checks := 0
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			for _, name := range localcluster.APIServices {
				obj, err := apiservices.Get(ctx, name, metav1.GetOptions{})
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				checks++
				if err != nil {
					unavailable = append(unavailable, name+": "+err.Error())
				} else if status := availableStatus(obj.Object); status != "True" {
					unavailable = append(unavailable, name+": Available="+status)
				}
				mu.Unlock()
			}
			time.Sleep(250 * time.Millisecond) // spaces out the checks: a monitor for the whole rotation, not a wait
		}
	}()

	start := time.Now()
	testutil.WaitFor(t, 90*time.Second, "the server to serve the new certificate", func(context.Context) (bool, error) {
		return c.servedCertificate(t).SerialNumber.Cmp(issued.SerialNumber) == 0, nil
	})
	t.Logf("the new certificate served after %s", time.Since(start).Round(100*time.Millisecond))
	c.kubectl(t, "get", "crontabs.stable.example.com", "-A") // a request through the aggregator on the new certificate
	stop()
	wg.Wait()
	if len(unavailable) > 0 || checks == 0 {
		t.Errorf("in %d checks of the APIServices during the rotation, %d found one not Available: %v", checks, len(unavailable), unavailable)
	}
}

// servedCertificate is the leaf certificate the server presents now.
func (c *testCluster) servedCertificate(t *testing.T) *x509.Certificate {
	t.Helper()
	u, err := url.Parse(c.ExtensionAPIServerURL)
	if err != nil {
		t.Fatal(err)
	}
	// Only the certificate is read here; its chain is checked by kube-apiserver.
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

func availableStatus(apiservice map[string]any) string {
	status, _ := apiservice["status"].(map[string]any)
	conditions, _ := status["conditions"].([]any)
	for _, c := range conditions {
		if c, ok := c.(map[string]any); ok && c["type"] == "Available" {
			s, _ := c["status"].(string)
			return s
		}
	}
	return "missing"
}
