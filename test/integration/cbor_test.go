package integration

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	"k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/rest"
	featuregatetesting "k8s.io/component-base/featuregate/testing"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	stablev1beta1 "github.com/example/extension-apiserver/pkg/apis/stable/v1beta1"
	"github.com/example/extension-apiserver/pkg/apiserver"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// selfDescribedCBOR is the tag (55799) Kubernetes puts in front of every
// CBOR object it writes, on the wire and in etcd.
var selfDescribedCBOR = []byte{0xd9, 0xd9, 0xf7}

// TestCBOR serves CronTabs as CBOR behind the apiserver's
// CBORServingAndStorage feature gate: a CBOR body is accepted and a CBOR
// answer comes back in the version asked for. (k8s.io/apiserver v0.37.2
// does not offer CBOR as a --storage-media-type; etcd keeps protobuf.)
func TestCBOR(t *testing.T) {
	// The test servers run in this process and share its feature gates
	// (--feature-gates would set them for every later test too); this sets
	// the gate for this test only.
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.CBORServingAndStorage, true)
	s := framework.StartServer(t, framework.ServerConfig{})
	client, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	codec := cbor.NewSerializer(apiserver.Scheme, apiserver.Scheme)
	ctx := context.Background()
	send := func(method, path string, body runtime.Object) []byte {
		t.Helper()
		var buf bytes.Buffer
		if body != nil {
			if err := codec.Encode(body, &buf); err != nil {
				t.Fatal(err)
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, s.Config.Host+path, &buf)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/cbor")
		req.Header.Set("Accept", "application/cbor")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 || resp.Header.Get("Content-Type") != "application/cbor" || !bytes.HasPrefix(data, selfDescribedCBOR) {
			t.Fatalf("%s %s: %s, Content-Type %q, body %q", method, path, resp.Status, resp.Header.Get("Content-Type"), data)
		}
		return data
	}

	crontab := seedCronTab("cbor")
	crontab.TypeMeta = metav1.TypeMeta{APIVersion: "stable.example.com/v1", Kind: "CronTab"}
	created := &stablev1.CronTab{}
	if _, _, err := codec.Decode(send(http.MethodPost, "/apis/stable.example.com/v1/namespaces/default/crontabs", crontab), nil, created); err != nil {
		t.Fatal(err)
	}
	if created.Spec.CronSpec != crontab.Spec.CronSpec || created.UID == "" || *created.Spec.Suspend {
		t.Errorf("created over CBOR: %+v", created)
	}
	beta := &stablev1beta1.CronTab{}
	if _, _, err := codec.Decode(send(http.MethodGet, "/apis/stable.example.com/v1beta1/namespaces/default/crontabs/cbor", nil), nil, beta); err != nil {
		t.Fatal(err)
	}
	if beta.APIVersion != "stable.example.com/v1beta1" || beta.Spec.Schedule != crontab.Spec.CronSpec {
		t.Errorf("read in v1beta1 over CBOR: %+v", beta)
	}
	list := &stablev1.CronTabList{}
	if _, _, err := codec.Decode(send(http.MethodGet, "/apis/stable.example.com/v1/namespaces/default/crontabs", nil), nil, list); err != nil || len(list.Items) != 1 {
		t.Fatalf("list over CBOR: %v, %d items", err, len(list.Items))
	}
	// A JSON client reads what was written in CBOR.
	if got, err := s.Clientset(t).StableV1().CronTabs("default").Get(ctx, "cbor", metav1.GetOptions{}); err != nil || got.Spec.Image != crontab.Spec.Image {
		t.Errorf("JSON read of an object written in CBOR: %v", err)
	}
}
