package faults

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/internal/testutil"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// objectWriter writes one resource through one replica. value is the field
// the ledger tracks.
type objectWriter struct {
	create func(ctx context.Context, name, value string) error
	patch  func(ctx context.Context, name, value string) error
	remove func(ctx context.Context, name string) error
}

func cronTabWriter(cs clientset.Interface) objectWriter {
	crontabs := cs.StableV1().CronTabs("default")
	return objectWriter{
		create: func(ctx context.Context, name, image string) error {
			_, err := crontabs.Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: image, Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{})
			return err
		},
		patch: func(ctx context.Context, name, image string) error {
			_, err := crontabs.Patch(ctx, name, types.MergePatchType, fmt.Appendf(nil, `{"spec":{"image":%q}}`, image), metav1.PatchOptions{})
			return err
		},
		remove: func(ctx context.Context, name string) error {
			return crontabs.Delete(ctx, name, metav1.DeleteOptions{})
		},
	}
}

func flunderWriter(cs clientset.Interface) objectWriter {
	flunders := cs.WardleV1beta1().Flunders("default")
	return objectWriter{
		create: func(ctx context.Context, name, reference string) error {
			_, err := flunders.Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec: wardlev1beta1.FlunderSpec{FlunderReference: reference, ReferenceType: wardlev1beta1.FlunderReferenceType}}, metav1.CreateOptions{})
			return err
		},
		patch: func(ctx context.Context, name, reference string) error {
			_, err := flunders.Patch(ctx, name, types.MergePatchType, fmt.Appendf(nil, `{"spec":{"flunderReference":%q}}`, reference), metav1.PatchOptions{})
			return err
		},
		remove: func(ctx context.Context, name string) error {
			return flunders.Delete(ctx, name, metav1.DeleteOptions{})
		},
	}
}

// startWriters starts n writers that create (half of their writes), patch
// and delete objects through the replicas in turn, recording every outcome
// in l, until stop is closed. Writer w draws its operations from seed w and
// writes only its own objects (w<w>-*): two writers patching one object at
// once could be acknowledged in the other order than etcd applied them.
func startWriters(ctx context.Context, l *ledger, n int, replicas []objectWriter, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	var seq atomic.Int64
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				writer := replicas[i%len(replicas)]
				existing := l.writable(fmt.Sprintf("w%d-", w))
				switch op := rng.Intn(10); {
				case op < 5 || len(existing) == 0:
					name := fmt.Sprintf("w%d-%d", w, seq.Add(1))
					value := "v-" + name
					start := time.Now()
					l.record(name, start, writer.create(ctx, name, value), true, value)
				case op < 8:
					name := existing[rng.Intn(len(existing))]
					value := fmt.Sprintf("v-%s-%d", name, seq.Add(1))
					start := time.Now()
					l.record(name, start, writer.patch(ctx, name, value), true, value)
				default:
					name := existing[rng.Intn(len(existing))]
					start := time.Now()
					l.record(name, start, writer.remove(ctx, name), false, "")
				}
			}
		}()
	}
	return &wg
}

// load is writers and a watcher per replica running against the topology.
type load struct {
	ledger   *ledger
	watchers []*watchStats

	stop          chan struct{}
	writing       *sync.WaitGroup
	listWatchers  []listWatcher
	cancelWatches context.CancelFunc
	watching      sync.WaitGroup
}

// startLoad starts writers that write through the replicas in turn, and a
// watcher per replica that relists whenever its watch ends, as informers do.
func startLoad(t *testing.T, replicas []clientset.Interface, writers int, writer func(clientset.Interface) objectWriter,
	watched func(clientset.Interface) listWatcher) *load {
	t.Logf("writer w draws its operations from random seed w (0 to %d)", writers-1)
	ctx := context.Background()
	l := &load{ledger: newLedger(), stop: make(chan struct{})}
	var writeTo []objectWriter
	for _, cs := range replicas {
		writeTo = append(writeTo, writer(cs))
	}
	l.writing = startWriters(ctx, l.ledger, writers, writeTo, l.stop)
	watchCtx, cancel := context.WithCancel(ctx)
	l.cancelWatches = cancel
	for _, cs := range replicas {
		stats, lw := &watchStats{}, watched(cs)
		l.watchers = append(l.watchers, stats)
		l.listWatchers = append(l.listWatchers, lw)
		l.watching.Add(1)
		go func() { defer l.watching.Done(); watchObjects(watchCtx, lw, stats) }()
	}
	return l
}

// stopWriters stops the writers and waits until they have.
func (l *load) stopWriters() {
	close(l.stop)
	l.writing.Wait()
}

// waitForWatchers waits until each watcher has seen the newest object its
// replica lists: with the writers stopped, the watchers have caught up.
func (l *load) waitForWatchers(t *testing.T) {
	t.Helper()
	for i, lw := range l.listWatchers {
		testutil.WaitForNoError(t, time.Minute, fmt.Sprintf("the watcher of replica %d to see the newest object", i), func(ctx context.Context) error {
			newest, err := lw.newest(ctx)
			if err != nil {
				return err
			}
			if seen := l.watchers[i].seen(); seen < newest {
				return fmt.Errorf("seen resourceVersion %d, newest object %d", seen, newest)
			}
			return nil
		})
	}
}

// stopWatchers stops the watchers and waits until they have.
func (l *load) stopWatchers() {
	l.cancelWatches()
	l.watching.Wait()
}
