package bench

import (
	"context"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/localcluster"
)

const protobufContentType = "application/vnd.kubernetes.protobuf"

// ScaleServers prepares the scale run on a running local cluster: this
// server (read in JSON and in protobuf), the CronTab CRD on kube-apiserver
// and sample-apiserver (started here on the same etcd), each reached
// directly. objectBytes sizes the objects (0: about 0.5 KB).
func ScaleServers(ctx context.Context, c *localcluster.Cluster, binDir string, objectBytes int) ([]ScaleServer, error) {
	if err := prepareCluster(ctx, c, "scale-ours", "scale-crd", "scale-sample"); err != nil {
		return nil, err
	}
	_, sampleURL, err := startSampleAPIServer(ctx, c, binDir)
	if err != nil {
		return nil, err
	}
	admin, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		return nil, err
	}
	servingCA := filepath.Join(c.ServingDir(), "serving-ca.crt")
	fast := func(config *rest.Config, contentType string) *rest.Config {
		config = rest.CopyConfig(config)
		config.QPS, config.Burst = 1e6, 1e6
		config.WarningHandler = rest.NoWarnings{}
		config.ContentType, config.AcceptContentTypes = contentType, contentType
		return config
	}
	type spec struct {
		process, url, caFile, namespace, etcdPrefix, kind string
		resource                                          schema.GroupVersionResource
		object                                            func(int) map[string]any
		field                                             string
		config                                            *rest.Config
		clients                                           []ScaleClient
	}
	crontabs := schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}
	ours := directConfig(c, c.ExtensionAPIServerURL)
	specs := []spec{
		{process: localcluster.ServiceName, url: c.ExtensionAPIServerURL, caFile: servingCA, namespace: "scale-ours",
			etcdPrefix: "/extension-apiserver/stable.example.com/crontabs/scale-ours/", kind: "CronTab", resource: crontabs,
			object: CronTabSpec, field: "image", config: ours, clients: []ScaleClient{
				{Scenario: "ours", Config: fast(ours, "application/json"), Typed: true},
				{Scenario: "ours-protobuf", Config: fast(ours, protobufContentType), Typed: true},
			}},
		{process: "kube-apiserver", url: c.KubeAPIServerURL, caFile: filepath.Join(c.CertsDir(), "ca.crt"), namespace: "scale-crd",
			etcdPrefix: "/registry/crd.example.com/crontabs/scale-crd/", kind: "CronTab",
			resource: schema.GroupVersionResource{Group: "crd.example.com", Version: "v1", Resource: "crontabs"},
			object:   CronTabSpec, field: "image", config: admin, clients: []ScaleClient{{Scenario: "crd", Config: fast(admin, "application/json")}}},
		{process: "sample-apiserver", url: sampleURL, caFile: servingCA, namespace: "scale-sample",
			etcdPrefix: "/sample-apiserver/wardle.example.com/flunders/scale-sample/", kind: "Flunder",
			resource: schema.GroupVersionResource{Group: "wardle.example.com", Version: "v1alpha1", Resource: "flunders"},
			object:   FlunderSpec, field: "reference", config: directConfig(c, sampleURL),
			clients: []ScaleClient{{Scenario: "sample-apiserver", Config: fast(directConfig(c, sampleURL), "application/json")}}},
	}
	var servers []ScaleServer
	for _, sp := range specs {
		client, err := c.AdminClient(sp.caFile)
		if err != nil {
			return nil, err
		}
		writer, err := NewAPITarget(sp.config, sp.resource, sp.kind, sp.namespace, sp.object, sp.field)
		if err != nil {
			return nil, err
		}
		if objectBytes > 0 {
			// Everything but the padding takes about 200 bytes.
			writer.padding = strings.Repeat("x", max(objectBytes-200, 0))
		}
		servers = append(servers, ScaleServer{Process: sp.process, URL: sp.url, Client: client, Resource: sp.resource,
			Namespace: sp.namespace, EtcdPrefix: sp.etcdPrefix, Writer: writer, Clients: sp.clients})
	}
	return servers, nil
}
