package operations

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/cache"

	"github.com/example/extension-apiserver/pkg/generated/informers/externalversions"

	"github.com/example/extension-apiserver/internal/testutil"
)

// TestInformersStreamTheirInitialList: an informer of the generated
// clients (as the CronTab controller runs them) gets its initial list as a
// watch stream (WatchList, sendInitialEvents), never a LIST, so a storm of
// starting informers does not hold whole lists in the server's memory. The
// server's own metrics tell which it served.
func TestInformersStreamTheirInitialList(t *testing.T) {
	s := startStandalone(t, "")
	for i := range 5 {
		testutil.CreateCronTab(t, s.client, fmt.Sprintf("streamed-%d", i), "image")
	}
	stop := make(chan struct{})
	defer close(stop)
	factory := externalversions.NewSharedInformerFactory(s.client, 0)
	informer := factory.Stable().V1().CronTabs().Informer()
	factory.Start(stop)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) || len(informer.GetStore().List()) != 5 {
		t.Fatalf("the informer did not sync the 5 CronTabs")
	}
	_, body, err := s.get(ctx, "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	streamed, listed := false, false
	for _, line := range strings.Split(body, "\n") {
		if !strings.Contains(line, `resource="crontabs"`) {
			continue
		}
		streamed = streamed || strings.HasPrefix(line, "apiserver_watch_list_duration_seconds_count{") && strings.HasSuffix(line, " 1")
		listed = listed || strings.HasPrefix(line, "apiserver_request_total{") && strings.Contains(line, `verb="LIST"`)
	}
	if !streamed || listed {
		t.Errorf("the informer's initial list: streamed %v, LIST requests %v; want one stream and no LIST", streamed, listed)
	}
}
