package integration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/internal/testutil"
	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/controller/crontab"
	"github.com/example/extension-apiserver/test/integration/framework"
)

type countingCleaner struct {
	mu    sync.Mutex
	count map[string]int
}

func (c *countingCleaner) Cleanup(_ context.Context, ct *stablev1.CronTab) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count[ct.Name]++
	return nil
}

func (c *countingCleaner) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.count {
		out[k] = v
	}
	return out
}

// startController runs the controller in process until the returned stop
// is called (or the test ends); stop waits for it to finish.
func startController(t *testing.T, s *framework.Server, cleaner crontab.Cleaner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- crontab.Run(ctx, crontab.Options{Config: s.Config, Workers: 2, LeaderElect: "auto", Resync: time.Minute, Cleaner: cleaner})
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("controller: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor waits up to 15 s for condition, which may fail while it waits.
func waitFor(t *testing.T, what string, condition func() (bool, error)) {
	t.Helper()
	testutil.WaitForNoError(t, 15*time.Second, what, func(context.Context) error {
		switch ok, err := condition(); {
		case ok:
			return nil
		case err != nil:
			return err
		default:
			return errors.New("not yet")
		}
	})
}

func TestCronTabController(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{Args: []string{"--enable-admission-plugins=CronTabCleanup"}})
	crontabs := s.Clientset(t).StableV1().CronTabs("default")
	ctx := context.Background()
	cleaner := &countingCleaner{count: map[string]int{}}
	stop := startController(t, s, cleaner)

	statusIs := func(name string, replicas int32) func() (bool, error) {
		return func() (bool, error) {
			ct, err := crontabs.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return ct.Status.Replicas == replicas && ct.Status.ObservedGeneration == ct.Generation &&
				ct.Status.LabelSelector == crontab.SelectorLabel+"="+name, nil
		}
	}
	gone := func(name string) func() (bool, error) {
		return func() (bool, error) {
			_, err := crontabs.Get(ctx, name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), err
		}
	}

	for i := 0; i < 3; i++ {
		ct, err := crontabs.Create(ctx, seedCronTab(fmt.Sprintf("ct-%d", i)), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(ct.Finalizers, crontabcleanup.Finalizer) {
			t.Fatalf("CronTabCleanup did not add its finalizer: %v", ct.Finalizers)
		}
	}
	waitFor(t, "status follows spec", statusIs("ct-0", 3))

	// kubectl scale, then status catches up.
	if _, errOut, err := s.Kubectl(t, "scale", "crontab", "ct-0", "--replicas=7"); err != nil {
		t.Fatalf("kubectl scale: %v %s", err, errOut)
	}
	waitFor(t, "status follows a scale", statusIs("ct-0", 7))
	scale, err := crontabs.GetScale(ctx, "ct-0", metav1.GetOptions{})
	if err != nil || scale.Status.Replicas != 7 || scale.Status.Selector != crontab.SelectorLabel+"=ct-0" {
		t.Errorf("scale status %+v %v", scale.Status, err)
	}

	// Suspend: no replicas, Ready False.
	ct, _ := crontabs.Get(ctx, "ct-1", metav1.GetOptions{})
	ct.Spec.Suspend = ptr.To(true)
	if _, err := crontabs.Update(ctx, ct, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a suspended CronTab has no replicas", statusIs("ct-1", 0))

	// Delete: the controller cleans up and removes its finalizer.
	if err := crontabs.Delete(ctx, "ct-2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "deletion completes", gone("ct-2"))

	// Stop the controller; meanwhile scale one CronTab and delete another.
	stop()
	ct, _ = crontabs.Get(ctx, "ct-0", metav1.GetOptions{})
	ct.Spec.Replicas = ptr.To[int32](2)
	if _, err := crontabs.Update(ctx, ct, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := crontabs.Delete(ctx, "ct-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// stop() returned once the controller had exited, so nothing can remove
	// the finalizer now: ct-1 waits, marked for deletion, until one runs.
	pending, err := crontabs.Get(ctx, "ct-1", metav1.GetOptions{})
	if err != nil || pending.DeletionTimestamp == nil || !slices.Contains(pending.Finalizers, crontabcleanup.Finalizer) {
		t.Fatalf("without the controller, ct-1 should wait with its finalizer: %v %+v", err, pending)
	}

	// A new controller resumes.
	startController(t, s, cleaner)
	waitFor(t, "status catches up after a restart", statusIs("ct-0", 2))
	waitFor(t, "pending deletion completes after a restart", gone("ct-1"))
	if got := cleaner.snapshot(); got["ct-1"] != 1 || got["ct-2"] != 1 || got["ct-0"] != 0 {
		t.Errorf("cleanups %v, want exactly one each for ct-1 and ct-2", got)
	}
}
