package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/localcluster"
)

// crdManifest is a CronTab CRD with the schema of our v1 CronTab, in its
// own group so that it does not collide with our APIService.
const crdManifest = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.crd.example.com
spec:
  group: crd.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [crdct]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [cronSpec, image]
            properties:
              cronSpec: {type: string, pattern: '^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'}
              image: {type: string}
              replicas: {type: integer, minimum: 1, maximum: 10, default: 1}
              suspend: {type: boolean, default: false}
          status:
            type: object
            properties:
              replicas: {type: integer}
              labelSelector: {type: string}
`

// ProfileOptions ask for CPU profiles of the servers during each phase.
type ProfileOptions struct {
	// Dir receives <scenario>-<op>.pprof; empty means no profiles.
	Dir     string
	Seconds int
}

// Scenarios builds every scenario on a running local cluster: raw etcd,
// this server direct and through the aggregator, the CRD, and
// sample-apiserver (started here, from binDir, on the same etcd).
func Scenarios(ctx context.Context, c *localcluster.Cluster, binDir string, profile ProfileOptions) ([]Scenario, error) {
	admin, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		return nil, err
	}
	kubePID, err := c.PID("kube-apiserver")
	if err != nil {
		return nil, err
	}
	oursPID, err := c.PID("extension-apiserver")
	if err != nil {
		return nil, err
	}
	etcdPID, err := c.PID("etcd")
	if err != nil {
		return nil, err
	}
	if err := prepareCluster(ctx, c, "bench-direct", "bench-protobuf", "bench-cbor", "bench-aggregated", "bench-crd", "bench-sample"); err != nil {
		return nil, err
	}

	direct := func(url string) *rest.Config { return directConfig(c, url) }
	samplePID, sampleURL, err := startSampleAPIServer(ctx, c, binDir)
	if err != nil {
		return nil, err
	}

	etcdClient, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	crontabs := schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}
	// The profiled servers of each scenario, and the CA of their serving
	// certificates: through the aggregator, kube-apiserver and, as the
	// backend, this server.
	type server struct{ name, url, caFile string }
	ours := server{"", c.ExtensionAPIServerURL, filepath.Join(c.ServingDir(), "serving-ca.crt")}
	kube := server{"", c.KubeAPIServerURL, filepath.Join(c.CertsDir(), "ca.crt")}
	backend := ours
	backend.name = "backend"
	profiled := map[string][]server{
		"ours-direct": {ours}, "ours-direct-protobuf": {ours}, "ours-direct-cbor": {ours},
		"ours-aggregated": {kube, backend}, "crd": {kube},
		"sample-apiserver": {{"", sampleURL, ours.caFile}},
	}
	oursClient, err := c.AdminClient(ours.caFile)
	if err != nil {
		return nil, err
	}
	var scenarios []Scenario
	add := func(name string, pids []int, target Target, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		sc := Scenario{Name: name, Target: target, PIDs: pids, EtcdPID: etcdPID}
		if name == "ours-aggregated" {
			sc.BackendPID = oursPID
		}
		if name == "ours-direct" || name == "ours-aggregated" {
			sc.Wire = &ScaleServer{URL: ours.url, Client: oursClient}
		}
		for _, server := range profiled[name] {
			if profile.Dir == "" {
				break
			}
			client, err := c.AdminClient(server.caFile)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			sc.Profilers = append(sc.Profilers, NamedProfiler{server.name, NewProfiler(server.url, client, profile.Dir, profile.Seconds)})
		}
		scenarios = append(scenarios, sc)
		return nil
	}
	oursDirect, err := NewAPITarget(direct(c.ExtensionAPIServerURL), crontabs, "CronTab", "bench-direct", CronTabSpec, "image")
	if err := add("ours-direct", []int{oursPID}, oursDirect, err); err != nil {
		return nil, err
	}
	oursProtobuf, err := NewTypedCronTabTarget(ctx, direct(c.ExtensionAPIServerURL), "bench-protobuf", "application/vnd.kubernetes.protobuf")
	if err := add("ours-direct-protobuf", []int{oursPID}, oursProtobuf, err); err != nil {
		return nil, err
	}
	oursCBOR, err := NewTypedCronTabTarget(ctx, direct(c.ExtensionAPIServerURL), "bench-cbor", "application/cbor")
	if err := add("ours-direct-cbor", []int{oursPID}, oursCBOR, err); err != nil {
		return nil, err
	}
	oursAggregated, err := NewAPITarget(admin, crontabs, "CronTab", "bench-aggregated", CronTabSpec, "image")
	if err := add("ours-aggregated", []int{kubePID, oursPID}, oursAggregated, err); err != nil {
		return nil, err
	}
	crd, err := NewAPITarget(admin, schema.GroupVersionResource{Group: "crd.example.com", Version: "v1", Resource: "crontabs"},
		"CronTab", "bench-crd", CronTabSpec, "image")
	if err := add("crd", []int{kubePID}, crd, err); err != nil {
		return nil, err
	}
	sample, err := NewAPITarget(direct(sampleURL), schema.GroupVersionResource{Group: "wardle.example.com", Version: "v1alpha1", Resource: "flunders"},
		"Flunder", "bench-sample", FlunderSpec, "reference")
	if err := add("sample-apiserver", []int{samplePID}, sample, err); err != nil {
		return nil, err
	}
	raw := Scenario{Name: "raw-etcd", Target: NewEtcdTarget(etcdClient, "/bench-raw/crontabs/"), PIDs: []int{etcdPID}}
	return append([]Scenario{raw}, scenarios...), nil
}

// prepareCluster creates the namespaces and the CronTab CRD.
func prepareCluster(ctx context.Context, c *localcluster.Cluster, namespaces ...string) error {
	for _, ns := range namespaces {
		if _, err := c.Kubectl(ctx, "create", "namespace", ns); err != nil {
			return err
		}
	}
	crdFile := filepath.Join(c.Dir, "crontab-crd.yaml")
	if err := os.WriteFile(crdFile, []byte(crdManifest), 0o644); err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, "apply", "-f", crdFile); err != nil {
		return err
	}
	_, err := c.Kubectl(ctx, "wait", "--for=condition=Established", "crd/crontabs.crd.example.com", "--timeout=60s")
	return err
}

// directConfig reaches a server at url itself: it trusts the serving CA and
// presents the admin certificate, which every server accepts through the
// cluster's client CA.
func directConfig(c *localcluster.Cluster, url string) *rest.Config {
	return &rest.Config{Host: url, TLSClientConfig: rest.TLSClientConfig{
		CAFile:   filepath.Join(c.ServingDir(), "serving-ca.crt"),
		CertFile: filepath.Join(c.CertsDir(), "admin.crt"),
		KeyFile:  filepath.Join(c.CertsDir(), "admin.key"),
	}}
}

// startSampleAPIServer runs k8s.io/sample-apiserver v0.37.2 on the
// cluster's etcd under its own prefix, with delegated authentication and
// authorization, serving the local serving certificate.
func startSampleAPIServer(ctx context.Context, c *localcluster.Cluster, binDir string) (int, string, error) {
	port, err := localcluster.FreePort()
	if err != nil {
		return 0, "", err
	}
	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	pid, err := c.Start("sample-apiserver", filepath.Join(binDir, "sample-apiserver"),
		"--etcd-servers="+c.EtcdURL, "--etcd-prefix=/sample-apiserver",
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
		"--tls-cert-file="+filepath.Join(c.ServingDir(), "serving.crt"), "--tls-private-key-file="+filepath.Join(c.ServingDir(), "serving.key"),
		"--kubeconfig="+c.AdminKubeconfig(), "--authentication-kubeconfig="+c.AdminKubeconfig(), "--authorization-kubeconfig="+c.AdminKubeconfig())
	if err != nil {
		return 0, "", err
	}
	if err := c.WaitReady(ctx, url+"/readyz", filepath.Join(c.ServingDir(), "serving-ca.crt"), pid); err != nil {
		return 0, "", fmt.Errorf("sample-apiserver: %w", err)
	}
	return pid, url, nil
}
