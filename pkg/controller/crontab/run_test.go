package crontab

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/example/extension-apiserver/internal/testutil"
)

const testIdentity = "controller-a"

var fastLease = leaseTimings{lease: 2 * time.Second, renew: time.Second, retry: 100 * time.Millisecond}

func testLock(client *fake.Clientset) *resourcelock.LeaseLock {
	return &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: "extension-apiserver", Name: "crontab-controller"},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: testIdentity},
	}
}

func holder(t *testing.T, client *fake.Clientset) string {
	t.Helper()
	lease, err := client.CoordinationV1().Leases("extension-apiserver").Get(context.Background(), "crontab-controller", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if lease.Spec.HolderIdentity == nil {
		return ""
	}
	return *lease.Spec.HolderIdentity
}

func TestRunAsLeaderFailsAndReleasesTheLeaseWhenTheControllerFails(t *testing.T) {
	client := fake.NewClientset()
	broken := errors.New("informer cannot start")
	err := runAsLeader(context.Background(), testLock(client), fastLease, func(context.Context) error {
		if got := holder(t, client); got != testIdentity {
			t.Errorf("running without holding the Lease (holder %q)", got)
		}
		return broken
	})
	if !errors.Is(err, broken) {
		t.Fatalf("runAsLeader returned %v, want the controller's error", err)
	}
	if got := holder(t, client); got != "" {
		t.Errorf("Lease still held by %q after the controller failed", got)
	}
}

func TestRunAsLeaderDrainsBeforeReleasingOnStop(t *testing.T) {
	client := fake.NewClientset()
	ctx, stop := context.WithCancel(context.Background())
	var heldWhileDraining atomic.Value
	err := runAsLeader(ctx, testLock(client), fastLease, func(runCtx context.Context) error {
		stop() // as SIGTERM would
		<-runCtx.Done()
		heldWhileDraining.Store(holder(t, client))
		return nil
	})
	if err != nil {
		t.Fatalf("runAsLeader after a stop: %v", err)
	}
	if got := heldWhileDraining.Load(); got != testIdentity {
		t.Errorf("Lease holder while the controller drained: %q, want %q", got, testIdentity)
	}
	if got := holder(t, client); got != "" {
		t.Errorf("Lease still held by %q after a stop", got)
	}
}

func TestRunAsLeaderFailsWhenTheLeaseIsLost(t *testing.T) {
	client := fake.NewClientset()
	var renewalsFail atomic.Bool
	client.PrependReactor("update", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
		if renewalsFail.Load() {
			return true, nil, errors.New("etcd unreachable")
		}
		return false, nil, nil
	})
	var stoppedByLoss atomic.Bool
	err := runAsLeader(context.Background(), testLock(client), fastLease, func(runCtx context.Context) error {
		renewalsFail.Store(true)
		<-runCtx.Done()
		stoppedByLoss.Store(true)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "lost the Lease") {
		t.Fatalf("runAsLeader returned %v, want an error naming the lost Lease", err)
	}
	if !stoppedByLoss.Load() {
		t.Error("the controller was not stopped when the Lease was lost")
	}
}

func TestRunAsLeaderWaitsForAHeldLease(t *testing.T) {
	other := "controller-b"
	now := metav1.NewMicroTime(time.Now())
	client := fake.NewClientset(&coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: "extension-apiserver", Name: "crontab-controller"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &other, LeaseDurationSeconds: ptrInt32(3600),
			AcquireTime: &now, RenewTime: &now},
	})
	var gets atomic.Int32
	client.PrependReactor("get", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
		gets.Add(1)
		return false, nil, nil
	})
	ctx, stop := context.WithCancel(context.Background())
	var ran atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- runAsLeader(ctx, testLock(client), fastLease, func(context.Context) error { ran.Store(true); return nil })
	}()
	testutil.WaitFor(t, 10*time.Second, "two tries of the held Lease", func(context.Context) (bool, error) {
		select {
		case err := <-done:
			return false, fmt.Errorf("runAsLeader returned %v while another process held the Lease", err)
		default:
			return gets.Load() >= 2, nil
		}
	})
	stop()
	if err := <-done; err != nil || ran.Load() {
		t.Errorf("stopped while waiting: err %v, ran %v; want nil and not run", err, ran.Load())
	}
	if got := holder(t, client); got != other {
		t.Errorf("Lease holder %q, want it left to %q", got, other)
	}
}

func ptrInt32(v int32) *int32 { return &v }
