package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	"github.com/example/extension-apiserver/internal/testutil"
)

// TestFlowSchemasClassifyThisServersRequests: through kube-apiserver,
// requests to this server's groups are classified by the FlowSchemas
// artifacts/deploy ships, as the X-Kubernetes-PF-FlowSchema-UID header
// shows: a tenant's requests in a namespace by the users' schema, its lists
// across namespaces by the cluster-lists schema, the CronTab controller's
// and kube-controller-manager's by the controllers' schema.
func TestFlowSchemasClassifyThisServersRequests(t *testing.T) {
	ns := shared.namespace(t)
	flowSchemas := shared.kubeClientset(t).FlowcontrolV1().FlowSchemas()
	uid := func(name string) types.UID {
		fs, err := flowSchemas.Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("FlowSchema %s: %v", name, err)
		}
		return fs.UID
	}
	tenant := testObjectName(t, "apf-tenant")
	cases := []struct {
		who, user string
		groups    []string
		path      string
		schema    string
	}{
		{"a tenant, in its namespace", tenant, nil, "/apis/stable.example.com/v1/namespaces/" + ns + "/crontabs", "extension-apiserver-users"},
		{"a tenant, across namespaces", tenant, nil, "/apis/stable.example.com/v1/crontabs", "extension-apiserver-cluster-lists"},
		{"a tenant, a cluster-scoped kind", tenant, nil, "/apis/wardle.example.com/v1beta1/fischers", "extension-apiserver-cluster-lists"},
		{"the CronTab controller", "system:serviceaccount:extension-apiserver:crontab-controller",
			[]string{"system:serviceaccounts", "system:serviceaccounts:extension-apiserver"}, "/apis/stable.example.com/v1/crontabs", "extension-apiserver-controllers"},
		{"kube-controller-manager's garbage collector", "system:serviceaccount:kube-system:generic-garbage-collector",
			[]string{"system:serviceaccounts", "system:serviceaccounts:kube-system"}, "/apis/wardle.example.com/v1beta1/namespaces/" + ns + "/flunders", "extension-apiserver-controllers"},
	}
	for _, c := range cases {
		want := uid(c.schema)
		client, err := rest.HTTPClientFor(shared.userConfig(t, c.user, c.groups...))
		if err != nil {
			t.Fatal(err)
		}
		host := shared.userConfig(t, c.user).Host
		// kube-apiserver reads FlowSchemas through an informer: wait for it.
		testutil.WaitForNoError(t, time.Minute, fmt.Sprintf("%s to be classified by %s", c.who, c.schema), func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, host+c.path, nil)
			if err != nil {
				return err
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got := resp.Header.Get("X-Kubernetes-PF-FlowSchema-UID"); got != string(want) {
				return fmt.Errorf("GET %s answered %d with FlowSchema UID %q; %s is %s", c.path, resp.StatusCode, got, c.schema, want)
			}
			return nil
		})
	}
}
