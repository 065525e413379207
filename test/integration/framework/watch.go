package framework

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"
)

// NextEvent returns the next watch event, failing the test after 10s.
func NextEvent(t testing.TB, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event within 10s")
	}
	return watch.Event{}
}
