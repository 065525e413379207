package integration

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"
)

// nextEvent returns the next watch event, failing the test after 10s.
func nextEvent(t *testing.T, w watch.Interface) watch.Event {
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
