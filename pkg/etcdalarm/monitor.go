// Package etcdalarm makes etcd's alarms visible in the server: a raised
// NOSPACE alarm turns writes into a 507 Status that names it, a gauge, a log
// line and a failing check on the server's /storagez endpoint, while reads,
// watches and deletes, which etcd still serves, keep the server ready.
package etcdalarm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"
)

// Alarm types etcd raises; each has a gauge series from the start, so that
// alerts see 0 rather than no data.
var alarmTypes = []etcdserverpb.AlarmType{etcdserverpb.AlarmType_NOSPACE, etcdserverpb.AlarmType_CORRUPT}

var (
	alarmGauge = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Name:           "extension_apiserver_etcd_alarm",
		Help:           "1 while an etcd cluster of the server (main, or override-<n> of --etcd-servers-overrides) has an alarm of this type raised on any member (NOSPACE: writes refused; CORRUPT: a member's data diverged), else 0.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"cluster", "alarm"})
	registerMetrics sync.Once
)

// AlarmLister is the part of etcd's maintenance API the monitor uses.
type AlarmLister interface {
	AlarmList(ctx context.Context) (*clientv3.AlarmResponse, error)
}

// Monitor tracks one etcd cluster's raised alarms by polling it, and learns
// of a NOSPACE alarm at once from a write it refused.
type Monitor struct {
	// cluster names the cluster in the gauge, the logs and /storagez.
	cluster  string
	client   AlarmLister
	interval time.Duration

	mu sync.Mutex
	// raised maps an alarm type to the members (hex ids) that raised it;
	// a refused write records it under "unknown" until the next poll.
	raised map[etcdserverpb.AlarmType][]string
	since  map[etcdserverpb.AlarmType]time.Time
}

// NewMonitor polls the cluster's client every interval once Run is called.
func NewMonitor(cluster string, client AlarmLister, interval time.Duration) *Monitor {
	registerMetrics.Do(func() { legacyregistry.MustRegister(alarmGauge) })
	for _, a := range alarmTypes {
		alarmGauge.WithLabelValues(cluster, a.String()).Set(0)
	}
	return &Monitor{cluster: cluster, client: client, interval: interval,
		raised: map[etcdserverpb.AlarmType][]string{}, since: map[etcdserverpb.AlarmType]time.Time{}}
}

// Run polls etcd's alarm list until ctx is done.
func (m *Monitor) Run(ctx context.Context) {
	wait.UntilWithContext(ctx, m.poll, m.interval)
}

func (m *Monitor) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, m.interval)
	defer cancel()
	resp, err := m.client.AlarmList(ctx)
	if err != nil {
		klog.V(2).InfoS("Listing etcd alarms failed; keeping the last known state", "cluster", m.cluster, "err", err)
		return
	}
	now := map[etcdserverpb.AlarmType][]string{}
	for _, a := range resp.Alarms {
		now[a.Alarm] = append(now[a.Alarm], fmt.Sprintf("%x", a.MemberID))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range alarmTypes {
		m.set(a, now[a])
	}
}

// set records the members that have alarm a raised; m.mu is held.
func (m *Monitor) set(a etcdserverpb.AlarmType, members []string) {
	slices.Sort(members)
	was := m.raised[a]
	switch {
	case len(members) > 0 && len(was) == 0:
		m.since[a] = time.Now()
		klog.ErrorS(nil, "etcd raised an alarm", "cluster", m.cluster, "alarm", a.String(), "members", members, "meaning", meaning(a))
	case len(members) == 0 && len(was) > 0:
		klog.InfoS("etcd alarm cleared", "cluster", m.cluster, "alarm", a.String(), "raisedFor", time.Since(m.since[a]).Round(time.Millisecond))
		delete(m.since, a)
	}
	if len(members) == 0 {
		delete(m.raised, a)
		alarmGauge.WithLabelValues(m.cluster, a.String()).Set(0)
		return
	}
	m.raised[a] = members
	alarmGauge.WithLabelValues(m.cluster, a.String()).Set(1)
}

// observeNoSpace records a write etcd refused for lack of space, before the
// next poll names the members.
func (m *Monitor) observeNoSpace() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.raised[etcdserverpb.AlarmType_NOSPACE]) == 0 {
		m.set(etcdserverpb.AlarmType_NOSPACE, []string{"unknown"})
	}
}

// Raised describes each raised alarm: its type, members, cluster, since
// when and what it means.
func (m *Monitor) Raised() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var problems []string
	for _, a := range alarmTypes {
		if members := m.raised[a]; len(members) > 0 {
			problems = append(problems, fmt.Sprintf("%s alarm raised on member(s) %s of etcd cluster %s since %s: %s",
				a, strings.Join(members, ","), m.cluster, m.since[a].UTC().Format(time.RFC3339), meaning(a)))
		}
	}
	return problems
}

func meaning(a etcdserverpb.AlarmType) string {
	switch a {
	case etcdserverpb.AlarmType_NOSPACE:
		return "etcd's database reached its space quota; writes are refused until space is freed (compact, defragment) and the alarm disarmed, see docs/operations.md#space-quota-and-the-nospace-alarm"
	case etcdserverpb.AlarmType_CORRUPT:
		return "a member's data diverged from the others; see docs/operations.md#restore"
	}
	return a.String()
}
