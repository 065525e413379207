package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// TestScheduleThroughTheAggregator: the computed schedule subresource is
// reachable through kube-apiserver with kubectl, and RBAC decides who reads
// it: the deployment's view role grants it.
func TestScheduleThroughTheAggregator(t *testing.T) {
	namespace := shared.namespace(t)
	ctx := context.Background()
	crontabs := shared.adminClientset(t).StableV1().CronTabs(namespace)
	if _, err := crontabs.Create(ctx, crontabWith("nightly", "busybox", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = crontabs.Delete(context.Background(), "nightly", metav1.DeleteOptions{}) })
	// A patch: the CronTab controller writes the status meanwhile.
	if _, err := crontabs.Patch(ctx, "nightly", types.MergePatchType, []byte(`{"spec":{"cronSpec":"0 3 * * *"}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}

	path := "/apis/stable.example.com/v1/namespaces/" + namespace + "/crontabs/nightly/schedule"
	var schedule stablev1.CronTabSchedule
	if err := json.Unmarshal([]byte(shared.kubectl(t, "get", "--raw", path+"?count=2")), &schedule); err != nil {
		t.Fatal(err)
	}
	if len(schedule.Status.NextRunTimes) != 2 {
		t.Fatalf("kubectl get --raw %s?count=2: %+v", path, schedule)
	}
	first, second := schedule.Status.NextRunTimes[0].Time, schedule.Status.NextRunTimes[1].Time
	if first.Hour() != 3 || first.Minute() != 0 || second.Sub(first) != 24*time.Hour {
		t.Errorf("the next runs of 0 3 * * *: %v, %v", first, second)
	}

	getSchedule := func(user string) error {
		return clientset.NewForConfigOrDie(shared.userConfig(t, user)).StableV1().RESTClient().Get().AbsPath(path).Do(ctx).Error()
	}
	if err := getSchedule("erin"); !apierrors.IsForbidden(err) {
		t.Errorf("a user without RBAC permission: %v, want 403", err)
	}
	shared.kubectl(t, "create", "rolebinding", "erin-view", "--namespace="+namespace, "--clusterrole=extension-apiserver:view", "--user=erin")
	t.Cleanup(func() {
		_, _ = shared.Kubectl(context.Background(), "delete", "rolebinding", "erin-view", "--namespace="+namespace)
	})
	// RBAC changes reach the authorizer through its informers.
	if err := eventually(t, func() error { return getSchedule("erin") }); err != nil {
		t.Errorf("a user with the view role: %v", err)
	}
}
