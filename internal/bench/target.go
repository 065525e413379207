// Package bench measures CRUD throughput, latency, CPU and memory of this
// server against raw etcd, a CRD of the same shape on kube-apiserver, and
// sample-apiserver, all on one etcd, in one run.
package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"
)

// Target is one scenario's way to store objects numbered 0..N-1.
type Target interface {
	Create(ctx context.Context, i int) error
	Get(ctx context.Context, i int) error
	// List reads every object and returns how many it got.
	List(ctx context.Context) (int, error)
	Update(ctx context.Context, i int) error
	Delete(ctx context.Context, i int) error
	// Stamp writes object i with a write time (unix nanoseconds) that
	// watchers read back.
	Stamp(ctx context.Context, i int, nanos int64) error
	// Watch delivers the write time of every event after it started.
	Watch(ctx context.Context) (<-chan int64, error)
}

// StampAnnotation carries the write time of an object, for watch latency.
const StampAnnotation = "bench.example.com/written-at"

const paddingAnnotation = "bench.example.com/padding"

// padding makes every object about 0.5 KB in every scenario.
var padding = strings.Repeat("x", 300)

// benchAnnotations are the annotations of every benchmark object, plus
// extra. skip-cleanup keeps our CronTabCleanup admission plugin from adding
// a finalizer no controller would remove during the run.
func benchAnnotations(extra map[string]string) map[string]string {
	all := map[string]string{paddingAnnotation: padding, "stable.example.com/skip-cleanup": "true"}
	for k, v := range extra {
		all[k] = v
	}
	return all
}

func objectName(i int) string { return fmt.Sprintf("bench-%05d", i) }

// stampsOf delivers the write time in StampAnnotation of every watched
// object, until the watch ends.
func stampsOf(w watch.Interface) <-chan int64 {
	stamps := make(chan int64, 1024)
	go func() {
		defer close(stamps)
		defer w.Stop()
		for ev := range w.ResultChan() {
			obj, err := meta.Accessor(ev.Object)
			if err != nil {
				continue // an error event
			}
			if nanos, err := strconv.ParseInt(obj.GetAnnotations()[StampAnnotation], 10, 64); err == nil {
				stamps <- nanos
			}
		}
	}()
	return stamps
}
