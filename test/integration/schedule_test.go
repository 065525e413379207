package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	stablev1beta1 "github.com/example/extension-apiserver/pkg/apis/stable/v1beta1"
	"github.com/example/extension-apiserver/test/integration/framework"
)

func schedulePath(version, name string) string {
	return "/apis/stable.example.com/" + version + "/namespaces/default/crontabs/" + name + "/schedule"
}

// getSchedule reads a schedule subresource into out, or returns the error.
func getSchedule(t *testing.T, client rest.Interface, version, name, count string, out any) error {
	t.Helper()
	path := schedulePath(version, name)
	request := client.Get().AbsPath(path)
	if count != "" {
		request = request.Param("count", count)
	}
	result := request.Do(context.Background())
	if err := result.Error(); err != nil {
		return err // with the Status the server sent, which Raw drops
	}
	body, _ := result.Raw()
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, body)
	}
	return nil
}

// TestScheduleSubresource: crontabs/<name>/schedule computes the next run
// times from the stored CronTab in every version, bounds count, follows
// suspend, refuses what the calendar cannot run, and stores nothing.
func TestScheduleSubresource(t *testing.T) {
	etcd := framework.StartEtcd(t)
	s := framework.StartServer(t, framework.ServerConfig{Etcd: etcd})
	cs := s.Clientset(t)
	ctx := context.Background()
	for name, spec := range map[string]stablev1.CronTabSpec{
		"quarterly": {CronSpec: "*/15 * * * *", Image: "busybox"},
		"suspended": {CronSpec: "*/15 * * * *", Image: "busybox", Suspend: ptr.To(true)},
		"minute-61": {CronSpec: "61 * * * *", Image: "busybox"},
	} {
		if _, err := cs.StableV1().CronTabs("default").Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	stored, err := cs.StableV1().CronTabs("default").Get(ctx, "quarterly", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	client := cs.StableV1().RESTClient()

	before := time.Now().UTC().Truncate(time.Second)
	var v1 stablev1.CronTabSchedule
	if err := getSchedule(t, client, "v1", "quarterly", "3", &v1); err != nil {
		t.Fatal(err)
	}
	if v1.Kind != "CronTabSchedule" || v1.APIVersion != "stable.example.com/v1" || v1.UID != stored.UID || v1.Spec.CronSpec != "*/15 * * * *" || v1.Spec.Count != 3 {
		t.Errorf("v1 schedule: %+v", v1)
	}
	computedAt := v1.Status.ComputedAt.Time
	if computedAt.Before(before) || computedAt.After(time.Now()) {
		t.Errorf("computedAt %v is not the time of the request (%v)", computedAt, before)
	}
	if len(v1.Status.NextRunTimes) != 3 {
		t.Fatalf("count=3 returned %d run times", len(v1.Status.NextRunTimes))
	}
	previous := computedAt
	for i, run := range v1.Status.NextRunTimes {
		at := run.Time
		if at.Minute()%15 != 0 || at.Second() != 0 || !at.After(previous) || at.Sub(previous) > 15*time.Minute {
			t.Errorf("run %d at %v (after %v) is not the next quarter hour", i, at, previous)
		}
		previous = at
	}

	var v1beta1 stablev1beta1.CronTabSchedule
	if err := getSchedule(t, client, "v1beta1", "quarterly", "", &v1beta1); err != nil {
		t.Fatal(err)
	}
	if v1beta1.APIVersion != "stable.example.com/v1beta1" || v1beta1.Spec.Schedule != "*/15 * * * *" || len(v1beta1.Status.NextRunTimes) != 5 {
		t.Errorf("v1beta1 schedule (default count): %+v", v1beta1)
	}

	var suspended stablev1.CronTabSchedule
	if err := getSchedule(t, client, "v1", "suspended", "", &suspended); err != nil {
		t.Fatal(err)
	}
	if !suspended.Spec.Suspend || len(suspended.Status.NextRunTimes) != 0 {
		t.Errorf("a suspended CronTab's schedule: %+v", suspended)
	}

	for count, want := range map[string]int{"101": 400, "-1": 400, "many": 400} {
		err := getSchedule(t, client, "v1", "quarterly", count, &stablev1.CronTabSchedule{})
		if status, ok := err.(apierrors.APIStatus); !ok || int(status.Status().Code) != want {
			t.Errorf("count=%s: %v, want a %d Status", count, err, want)
		}
	}
	if err := getSchedule(t, client, "v1", "absent", "", &stablev1.CronTabSchedule{}); !apierrors.IsNotFound(err) {
		t.Errorf("the schedule of a missing CronTab: %v, want 404", err)
	}
	err = getSchedule(t, client, "v1", "minute-61", "", &stablev1.CronTabSchedule{})
	if status, ok := err.(apierrors.APIStatus); !apierrors.IsInvalid(err) || !ok || status.Status().Details == nil ||
		len(status.Status().Details.Causes) != 1 || status.Status().Details.Causes[0].Field != "spec.cronSpec" {
		t.Errorf("the schedule of minute 61: %v, want 422 naming spec.cronSpec", err)
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		err := client.Verb(method).AbsPath(schedulePath("v1", "quarterly")).Body([]byte("{}")).Do(ctx).Error()
		if !apierrors.IsMethodNotSupported(err) {
			t.Errorf("%s on the schedule: %v, want 405", method, err)
		}
	}

	openapi, err := client.Get().AbsPath("/openapi/v3/apis/stable.example.com/v1").Do(ctx).Raw()
	if err != nil {
		t.Fatal(err)
	}
	type parameters []struct{ Name, In string }
	var document struct {
		Paths map[string]struct {
			Parameters parameters
			Get        struct{ Parameters parameters }
		}
	}
	if err := json.Unmarshal(openapi, &document); err != nil {
		t.Fatal(err)
	}
	route := document.Paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/schedule"]
	documented := false
	for _, p := range append(route.Parameters, route.Get.Parameters...) {
		documented = documented || p.Name == "count" && p.In == "query"
	}
	if !documented || !strings.Contains(string(openapi), "com.example.stable.v1.CronTabSchedule") {
		t.Errorf("OpenAPI v3 does not document GET .../schedule with its count parameter and CronTabSchedule")
	}

	out, stderr, err := s.Kubectl(t, "get", "--raw", schedulePath("v1", "quarterly")+"?count=2")
	if err != nil || !strings.Contains(out, `"nextRunTimes"`) {
		t.Errorf("kubectl get --raw: %v %s %s", err, out, stderr)
	}
	keys, err := etcd.Client(t).Get(ctx, "/extension-apiserver/stable.example.com/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range keys.Kvs {
		if !strings.HasPrefix(string(kv.Key), "/extension-apiserver/stable.example.com/crontabs/default/") {
			t.Errorf("stored beside the CronTabs: %s", kv.Key)
		}
	}
	if len(keys.Kvs) != 3 {
		t.Errorf("%d keys under stable.example.com, want the 3 CronTabs", len(keys.Kvs))
	}
}
