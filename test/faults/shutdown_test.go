package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/internal/localcluster"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
)

// shutdownArgs are the Deployment's shutdown settings, with a shorter delay.
var shutdownArgs = []string{"--shutdown-delay-duration=3s", "--shutdown-send-retry-after=true"}

// TestGracefulShutdownUnderLoad sends SIGTERM to a replica while writers
// use it: during the shutdown delay it keeps acknowledging writes, requests
// in flight complete, the only refusals are clean ones (429 with
// Retry-After, then a refused connection once the listener is gone), and
// every acknowledged write is stored.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	ha, replicas := startHA(t, shutdownArgs...)
	ctx := context.Background()
	target := replicas[1].StableV1().CronTabs("default")

	var mu sync.Mutex
	acked := map[string]bool{}
	// sigtermAt is when the replica got SIGTERM (unix nanoseconds, 0 before).
	var sigtermAt atomic.Int64
	ackedWhileTerminating := 0
	var failures []string
	refusals := 0
	firstAck := make(chan struct{})
	var firstAckOnce sync.Once
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
				sent := time.Now().UnixNano()
				_, err := target.Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: name},
					Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{})
				mu.Lock()
				switch {
				case err == nil:
					acked[name] = true
					// Sent a second into the 3 s delay: only the delay serves it.
					if at := sigtermAt.Load(); at != 0 && sent > at+int64(time.Second) {
						ackedWhileTerminating++
					}
					firstAckOnce.Do(func() { close(firstAck) })
				case apierrors.IsTooManyRequests(err) || strings.Contains(err.Error(), "connection refused"):
					// Never processed: after the delay the server answers 429
					// with Retry-After, and once drained it listens no more.
					refusals++
				default:
					failures = append(failures, err.Error())
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(50 * time.Millisecond) // no busy loop against a stopped server
				}
			}
		}(w)
	}
	select {
	case <-firstAck:
	case <-time.After(30 * time.Second):
		t.Fatal("no write was acknowledged before the SIGTERM")
	}
	replica := ha.Replicas[1]
	sigtermAt.Store(time.Now().UnixNano())
	if err := syscall.Kill(replica.PID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := localcluster.WaitExited(replica.PID, time.Minute)
	close(stop)
	wg.Wait()
	if !exited {
		t.Fatal("the replica did not exit within a minute of SIGTERM")
	}

	if len(failures) > 0 {
		t.Errorf("%d requests failed other than by a clean refusal during the graceful shutdown, e.g. %s", len(failures), failures[0])
	}
	if ackedWhileTerminating == 0 {
		t.Errorf("no write sent a second after the SIGTERM was acknowledged: the shutdown delay (%v) served nothing", shutdownArgs)
	}
	other := replicas[0].StableV1().CronTabs("default")
	for name := range acked {
		if _, err := other.Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("acknowledged %s is not stored: %v", name, err)
		}
	}
	t.Logf("SIGTERM under load: %d creates acknowledged (%d sent a second or more after the SIGTERM), all stored; %d cleanly refused",
		len(acked), ackedWhileTerminating, refusals)
}
