package crontab

import (
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/example/extension-apiserver/pkg/apis/stable"
)

func TestNextRuns(t *testing.T) {
	now := time.Date(2026, 2, 27, 23, 7, 30, 0, time.FixedZone("CET", 3600))
	utc := func(month time.Month, day, hour, minute int) time.Time {
		return time.Date(2026, month, day, hour, minute, 0, 0, time.UTC)
	}
	for _, tc := range []struct {
		cronSpec string
		suspend  bool
		count    int32
		want     []time.Time
	}{
		{"*/15 * * * *", false, 3, []time.Time{utc(2, 27, 22, 15), utc(2, 27, 22, 30), utc(2, 27, 22, 45)}},
		{"0 0 1 * *", false, 2, []time.Time{utc(3, 1, 0, 0), utc(4, 1, 0, 0)}},
		{"*/15 * * * *", true, 3, nil},
		// 30 February never comes: no run times, not an error.
		{"0 0 30 2 *", false, 3, nil},
	} {
		crontab := &stable.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "n", UID: "u", ResourceVersion: "7"},
			Spec: stable.CronTabSpec{CronSpec: tc.cronSpec, Suspend: tc.suspend}}
		schedule, err := NextRuns(crontab, tc.count, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.cronSpec, err)
		}
		var got []time.Time
		for _, run := range schedule.Status.NextRunTimes {
			got = append(got, run.Time)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s (suspend %v): %v, want %v", tc.cronSpec, tc.suspend, got, tc.want)
		}
		for i := range got {
			if !got[i].Equal(tc.want[i]) || got[i].Location() != time.UTC {
				t.Errorf("%s run %d: %v, want %v", tc.cronSpec, i, got[i], tc.want[i])
			}
		}
		if schedule.Name != "c" || schedule.Namespace != "n" || schedule.UID != "u" || schedule.ResourceVersion != "7" ||
			schedule.Spec.Count != tc.count || !schedule.Status.ComputedAt.Time.Equal(now.Truncate(time.Second)) {
			t.Errorf("%s: %+v", tc.cronSpec, schedule)
		}
	}
	if _, err := NextRuns(&stable.CronTab{Spec: stable.CronTabSpec{CronSpec: "61 * * * *"}}, 1, now); !apierrors.IsInvalid(err) {
		t.Errorf("minute 61: %v, want Invalid", err)
	}
}
