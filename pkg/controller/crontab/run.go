package crontab

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/generated/clientset/versioned/scheme"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

// Options configure a controller process.
type Options struct {
	Config  *rest.Config
	Workers int
	// LeaderElect is "auto" (on when a cluster serves coordination.k8s.io),
	// "true" or "false".
	LeaderElect          string
	LeaderElectNamespace string
	LeaderElectName      string
	Resync               time.Duration
	// Cleaner runs the cleanup before the finalizer goes; LogCleaner if nil.
	Cleaner Cleaner
}

// Run runs the controller until ctx is done: against a cluster with leader
// election and Events, against the standalone server without either.
func Run(ctx context.Context, o Options) error {
	logger := klog.FromContext(ctx)
	client, err := clientset.NewForConfig(o.Config)
	if err != nil {
		return err
	}
	kube, err := kubernetes.NewForConfig(o.Config)
	if err != nil {
		return err
	}
	groups, err := servedGroups(kube)
	if err != nil {
		return fmt.Errorf("discovery of %s: %w", o.Config.Host, err)
	}
	if !groups.Has(stablev1.GroupName) {
		return fmt.Errorf("%s does not serve %s", o.Config.Host, stablev1.GroupName)
	}
	inCluster := groups.Has("coordination.k8s.io") && groups.Has("events.k8s.io")

	var recorder EventRecorder = logRecorder{}
	if inCluster {
		broadcaster := events.NewBroadcaster(&events.EventSinkImpl{Interface: kube.EventsV1()})
		broadcaster.StartRecordingToSink(ctx.Done())
		defer broadcaster.Shutdown()
		recorder = eventsRecorder{recorder: broadcaster.NewRecorder(scheme.Scheme, FieldManager)}
	} else {
		logger.Info("No events.k8s.io or coordination.k8s.io (standalone server): events go to the log, leader election is off")
	}
	cleaner := o.Cleaner
	if cleaner == nil {
		cleaner = LogCleaner{}
	}

	factory := informers.NewSharedInformerFactory(client, o.Resync)
	controller := New(client, factory.Stable().V1().CronTabs(), cleaner, recorder)
	run := func(ctx context.Context) error {
		factory.Start(ctx.Done())
		defer factory.Shutdown()
		return controller.Run(ctx, o.Workers)
	}

	if o.LeaderElect != "true" && !(o.LeaderElect == "auto" && inCluster) {
		return run(ctx)
	}
	hostname, _ := os.Hostname()
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: o.LeaderElectNamespace, Name: o.LeaderElectName},
		Client:     kube.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: hostname + "_" + uuid.NewString()},
	}
	return runAsLeader(ctx, lock, leaseTimings{lease: 15 * time.Second, renew: 10 * time.Second, retry: 2 * time.Second}, run)
}

type leaseTimings struct{ lease, renew, retry time.Duration }

// runAsLeader runs run while this process holds lock. It returns nil when ctx
// ends (run has drained by then, and only then is the Lease released), and an
// error when run fails or the Lease is lost: as kube-controller-manager does,
// the process should then exit non-zero rather than hold the Lease idle or
// keep working without it.
func runAsLeader(ctx context.Context, lock resourcelock.Interface, timings leaseTimings, run func(context.Context) error) error {
	logger := klog.FromContext(ctx)
	// The elector's context outlives ctx while run drains: cancelling it
	// releases the Lease, which must wait until run has stopped.
	electorCtx, stopElector := context.WithCancel(context.WithoutCancel(ctx))
	defer stopElector()
	var leading atomic.Bool
	stopWaiting := context.AfterFunc(ctx, func() {
		if !leading.Load() {
			stopElector() // still waiting for the Lease: nothing to drain
		}
	})
	defer stopWaiting()

	runErr := make(chan error, 1)
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   timings.lease,
		RenewDeadline:   timings.renew,
		RetryPeriod:     timings.retry,
		ReleaseOnCancel: true,
		Name:            lock.Describe(),
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(leaderCtx context.Context) {
				leading.Store(true)
				// run stops when the process is told to stop or the Lease is lost.
				runCtx, stopRun := context.WithCancel(leaderCtx)
				defer context.AfterFunc(ctx, stopRun)()
				err := run(runCtx)
				stopRun()
				runErr <- err
				stopElector()
			},
			OnStoppedLeading: func() { logger.Info("No longer the leader") },
		},
	})
	if err != nil {
		return err
	}
	elector.Run(electorCtx)
	if !leading.Load() {
		return nil // stopped before it led
	}
	if err := <-runErr; err != nil {
		return fmt.Errorf("the controller failed: %w", err)
	}
	if ctx.Err() == nil {
		return fmt.Errorf("lost the Lease %s", lock.Describe())
	}
	return nil
}

func servedGroups(kube kubernetes.Interface) (sets.Set[string], error) {
	list, err := kube.Discovery().ServerGroups()
	if err != nil {
		return nil, err
	}
	groups := sets.New[string]()
	for _, g := range list.Groups {
		groups.Insert(g.Name)
	}
	return groups, nil
}

type logRecorder struct{}

func (logRecorder) Eventf(obj *stablev1.CronTab, eventType, reason, messageFmt string, args ...any) {
	klog.InfoS("Event", "crontab", klog.KObj(obj), "type", eventType, "reason", reason, "message", fmt.Sprintf(messageFmt, args...))
}

type eventsRecorder struct {
	recorder events.EventRecorder
}

func (r eventsRecorder) Eventf(obj *stablev1.CronTab, eventType, reason, messageFmt string, args ...any) {
	r.recorder.Eventf(obj, nil, eventType, reason, reason, messageFmt, args...)
}
