package integration

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/example/extension-apiserver/pkg/apis/apitesting"
	"github.com/example/extension-apiserver/test/integration/framework"
)

func header(out string) []string {
	return strings.Fields(strings.SplitN(out, "\n", 2)[0])
}

// printerColumnCase is a kubectl get of one resource in one version and
// the header and a row it must print.
type printerColumnCase struct {
	args       []string
	wantHeader string
	wantRow    string
}

// TestPrinterColumns creates an object of every served kind in every
// version (apitesting.Kinds) and reads it back with kubectl get.
func TestPrinterColumns(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	ctx := context.Background()
	cs := s.Clientset(t)
	if _, err := cs.StableV1().CronTabs("default").Create(ctx, seedCronTab("my-new-cron-object"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cases := []printerColumnCase{
		{[]string{"get", "ct", "my-new-cron-object", "-o", "wide"}, "NAME SPEC REPLICAS AGE IMAGE SUSPEND", "my-awesome-cron-image false"},
	}
	dc := dynamic.NewForConfigOrDie(s.Config)
	for _, k := range apitesting.Kinds {
		for _, v := range k.Versions {
			name := "table-" + v.Version
			object := framework.NewObject(t, k.GroupVersionResource(v.Version).GroupVersion(), k.Kind, name, v.Content)
			client := framework.ResourceClient(dc, k.GroupVersionResource(v.Version), k.Namespaced, "default")
			if _, err := client.Create(ctx, object, metav1.CreateOptions{}); err != nil {
				t.Fatalf("creating %s %s: %v", k.Kind, v.Version, err)
			}
			cases = append(cases, printerColumnCase{[]string{"get", k.Resource.Resource + "." + v.Version + "." + k.Resource.Group, name},
				v.Columns, name + " " + v.Row})
		}
	}

	for _, tc := range cases {
		out, errOut, err := s.Kubectl(t, tc.args...)
		if err != nil {
			t.Fatalf("kubectl %v: %v %s", tc.args, err, errOut)
		}
		if got := strings.Join(header(out), " "); got != tc.wantHeader {
			t.Errorf("kubectl %v header = %q, want %q", tc.args, got, tc.wantHeader)
		}
		if row := strings.Join(strings.Fields(out), " "); !strings.Contains(row, tc.wantRow) {
			t.Errorf("kubectl %v = %q, want a row with %q", tc.args, out, tc.wantRow)
		}
	}

	// A watch asking for tables gets rows with the same cells.
	restClient := cs.StableV1beta1().RESTClient()
	stream, err := restClient.Get().Namespace("default").Resource("crontabs").Param("watch", "true").
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").Timeout(10 * time.Second).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var event struct {
		Type   string
		Object metav1.Table
	}
	if err := json.NewDecoder(stream).Decode(&event); err != nil {
		t.Fatalf("decoding a table watch event: %v", err)
	}
	if event.Type != "ADDED" || len(event.Object.Rows) != 1 || event.Object.Rows[0].Cells[1] != "* * * * */5" {
		t.Errorf("table watch event: %s %+v", event.Type, event.Object)
	}
	if len(event.Object.ColumnDefinitions) != 6 || event.Object.ColumnDefinitions[1].Name != "Spec" {
		t.Errorf("table watch columns: %+v", event.Object.ColumnDefinitions)
	}
}
