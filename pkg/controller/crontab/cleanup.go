package crontab

import (
	"context"

	"k8s.io/klog/v2"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
)

// LogCleaner is the default cleanup: a CronTab owns nothing outside its
// object yet, so cleaning up is recording that the schedule ended.
type LogCleaner struct{}

// Cleanup logs the end of a CronTab's schedule.
func (LogCleaner) Cleanup(ctx context.Context, ct *stablev1.CronTab) error {
	klog.FromContext(ctx).Info("Cleaned up CronTab", "crontab", klog.KObj(ct), "schedule", ct.Spec.CronSpec, "image", ct.Spec.Image)
	return nil
}
