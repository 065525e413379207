package integration

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	wardlev1alpha1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1alpha1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/test/integration/framework"
)

func header(out string) []string {
	return strings.Fields(strings.SplitN(out, "\n", 2)[0])
}

// printerColumnCase is a kubectl get of one resource in one version and
// the header and a row it must print.
type printerColumnCase struct {
	args       []string
	covers     schema.GroupVersionResource
	wantHeader string
	wantRow    string
}

var (
	crontabsV1      = schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}
	crontabsV1beta1 = schema.GroupVersionResource{Group: "stable.example.com", Version: "v1beta1", Resource: "crontabs"}
	flundersV1beta1 = schema.GroupVersionResource{Group: "wardle.example.com", Version: "v1beta1", Resource: "flunders"}
	flundersV1alpha = schema.GroupVersionResource{Group: "wardle.example.com", Version: "v1alpha1", Resource: "flunders"}
	fischersV1beta1 = schema.GroupVersionResource{Group: "wardle.example.com", Version: "v1beta1", Resource: "fischers"}
	fischersV1alpha = schema.GroupVersionResource{Group: "wardle.example.com", Version: "v1alpha1", Resource: "fischers"}
)

var printerColumnCases = []printerColumnCase{
	{[]string{"get", "crontabs"}, crontabsV1, "NAME SPEC REPLICAS AGE", "my-new-cron-object * * * * */5 3"},
	{[]string{"get", "crontabs.v1beta1.stable.example.com"}, crontabsV1beta1, "NAME SPEC REPLICAS AGE", "my-new-cron-object * * * * */5 3"},
	{[]string{"get", "ct", "-o", "wide"}, crontabsV1, "NAME SPEC REPLICAS AGE IMAGE SUSPEND", "my-awesome-cron-image false"},
	{[]string{"get", "flunders"}, flundersV1beta1, "NAME REFERENCE TYPE AGE", "f fish Fischer"},
	{[]string{"get", "flunders.v1alpha1.wardle.example.com"}, flundersV1alpha, "NAME REFERENCE TYPE AGE", "f fish Fischer"},
	{[]string{"get", "fischers"}, fischersV1beta1, "NAME DISALLOWED AGE", "fish 2"},
	{[]string{"get", "fischers.v1alpha1.wardle.example.com"}, fischersV1alpha, "NAME DISALLOWED AGE", "fish 2"},
}

// printerColumnCoverage is what TestPrinterColumns covers.
func printerColumnCoverage() []schema.GroupVersionResource {
	var covered []schema.GroupVersionResource
	for _, tc := range printerColumnCases {
		covered = append(covered, tc.covers)
	}
	return covered
}

func TestPrinterColumns(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	ctx := context.Background()
	cs := s.Clientset(t)
	if _, err := cs.StableV1().CronTabs("default").Create(ctx, seedCronTab("my-new-cron-object"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.WardleV1beta1().Flunders("default").Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "f"},
		Spec: wardlev1beta1.FlunderSpec{FischerReference: "fish"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.WardleV1alpha1().Fischers().Create(ctx, fischerNamed("fish", "a", "b"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range printerColumnCases {
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

func fischerNamed(name string, disallowed ...string) *wardlev1alpha1.Fischer {
	return &wardlev1alpha1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: name}, DisallowedFlunders: disallowed}
}
