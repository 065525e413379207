// Package testutil holds what the tests share to wait for an observable
// instead of sleeping: every wait polls a condition through
// k8s.io/apimachinery's wait package and fails the test naming what it
// waited for and the last error seen.
package testutil

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// PollInterval is how often a condition is checked.
const PollInterval = 100 * time.Millisecond

// WaitFor polls condition until it returns true and fails the test if it
// has not within timeout, or if it returns an error. what names the
// observable, for the failure message.
func WaitFor(t testing.TB, timeout time.Duration, what string, condition func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := Poll(context.Background(), timeout, condition); err != nil {
		t.Fatalf("waiting %s for %s: %v", timeout, what, err)
	}
}

// WaitForNoError polls f until it returns nil and fails the test with f's
// last error if it has not within timeout.
func WaitForNoError(t testing.TB, timeout time.Duration, what string, f func(ctx context.Context) error) {
	t.Helper()
	if err := PollNoError(context.Background(), timeout, f); err != nil {
		t.Fatalf("waiting %s for %s: %v", timeout, what, err)
	}
}

// Poll is WaitFor for code that is not a test (test helpers returning an
// error): nil once condition holds, else the time-out or condition's error.
func Poll(ctx context.Context, timeout time.Duration, condition func(ctx context.Context) (bool, error)) error {
	return PollEvery(ctx, PollInterval, timeout, condition)
}

// PollEvery is Poll at another interval, for a test that samples what it
// sees while it waits (an availability check during a rollout).
func PollEvery(ctx context.Context, interval, timeout time.Duration, condition func(ctx context.Context) (bool, error)) error {
	return wait.PollUntilContextTimeout(ctx, interval, timeout, true, condition)
}

// PollNoError waits until f returns nil; on time-out the error names f's last
// error, which says more than "context deadline exceeded".
func PollNoError(ctx context.Context, timeout time.Duration, f func(ctx context.Context) error) error {
	var last error
	err := Poll(ctx, timeout, func(ctx context.Context) (bool, error) {
		last = f(ctx)
		return last == nil, nil
	})
	if err != nil && last != nil {
		return last
	}
	return err
}
