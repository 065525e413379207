package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
)

// TestGracefulShutdownUnderLoad sends SIGTERM to a replica while writers
// use it: requests in flight complete, none is cut off with a reset, and
// every acknowledged write is stored.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	ha, replicas := startHA(t)
	ctx := context.Background()
	target := replicas[1].StableV1().CronTabs("default")

	var mu sync.Mutex
	acked := map[string]bool{}
	var cutOff []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("sd-%d-%d", w, i)
				_, err := target.Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: name},
					Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{})
				mu.Lock()
				switch {
				case err == nil:
					acked[name] = true
				case strings.Contains(err.Error(), "connection refused"):
					// After the drain the listener is gone: refusing new
					// connections is what a stopped server does.
				case strings.Contains(err.Error(), "reset") || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "INTERNAL_ERROR"):
					cutOff = append(cutOff, err.Error())
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}(w)
	}
	time.Sleep(2 * time.Second)
	replica := ha.Replicas[1]
	if err := syscall.Kill(replica.PID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if syscall.Kill(replica.PID, 0) != nil {
			break
		}
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	if len(cutOff) > 0 {
		t.Errorf("%d requests were cut off during the graceful shutdown, e.g. %s", len(cutOff), cutOff[0])
	}
	other := replicas[0].StableV1().CronTabs("default")
	for name := range acked {
		if _, err := other.Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("acknowledged %s is not stored: %v", name, err)
		}
	}
	t.Logf("SIGTERM under load: %d creates acknowledged, all stored; %d cut off", len(acked), len(cutOff))
}
