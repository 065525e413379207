package crontab

import (
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	"github.com/example/extension-apiserver/pkg/registry"
)

// ScheduleREST serves crontabs/<name>/schedule: the CronTab's next run
// times, computed from the stored object at every read and never stored.
// It is what an aggregated server can serve and a CRD cannot.
type ScheduleREST struct {
	store *registry.REST
	now   func() time.Time
}

var _ rest.GetterWithOptions = &ScheduleREST{}

// New returns an empty CronTabSchedule.
func (r *ScheduleREST) New() runtime.Object { return &stable.CronTabSchedule{} }

// Destroy is a no-op: the main resource owns the storage.
func (r *ScheduleREST) Destroy() {}

// NewGetOptions says the query parameters (count) decode into
// CronTabScheduleOptions.
func (r *ScheduleREST) NewGetOptions() (runtime.Object, bool, string) {
	return &stable.CronTabScheduleOptions{}, false, ""
}

// Get computes the schedule of a CronTab as it is stored now.
func (r *ScheduleREST) Get(ctx context.Context, name string, opts runtime.Object) (runtime.Object, error) {
	options, ok := opts.(*stable.CronTabScheduleOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unexpected options %T", opts))
	}
	count := options.Count
	if count == 0 {
		count = stable.DefaultScheduleCount
	}
	if count < 1 || count > stable.MaxScheduleCount {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("count must be from 1 to %d, not %d", stable.MaxScheduleCount, options.Count))
	}
	obj, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return NextRuns(obj.(*stable.CronTab), int32(count), r.now())
}

// NextRuns returns the next count times crontab's schedule fires after now,
// in UTC; none while it is suspended, fewer when the schedule stops firing
// (a day that never comes, such as 30 February). A schedule that matches the
// API's pattern but not the calendar (minute 61) is refused naming the field.
func NextRuns(crontab *stable.CronTab, count int32, now time.Time) (*stable.CronTabSchedule, error) {
	now = now.UTC().Truncate(time.Second)
	schedule := &stable.CronTabSchedule{
		ObjectMeta: metav1.ObjectMeta{Name: crontab.Name, Namespace: crontab.Namespace, UID: crontab.UID, ResourceVersion: crontab.ResourceVersion},
		Spec:       stable.CronTabScheduleSpec{CronSpec: crontab.Spec.CronSpec, Suspend: crontab.Spec.Suspend, Count: count},
		Status:     stable.CronTabScheduleStatus{ComputedAt: metav1.NewTime(now)},
	}
	if crontab.Spec.Suspend {
		return schedule, nil
	}
	parsed, err := cron.ParseStandard(crontab.Spec.CronSpec)
	if err != nil {
		return nil, apierrors.NewInvalid(stable.Kind("CronTab"), crontab.Name, field.ErrorList{
			field.Invalid(field.NewPath("spec", "cronSpec"), crontab.Spec.CronSpec, "the schedule has no run times: "+err.Error())})
	}
	next := now
	for range count {
		if next = parsed.Next(next); next.IsZero() {
			break
		}
		schedule.Status.NextRunTimes = append(schedule.Status.NextRunTimes, metav1.NewTime(next))
	}
	return schedule, nil
}

// ConvertToTable lists schedules by name, for clients that ask for tables.
func (r *ScheduleREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return rest.NewDefaultTableConvertor(stable.Resource("crontabs/schedule")).ConvertToTable(ctx, object, tableOptions)
}
