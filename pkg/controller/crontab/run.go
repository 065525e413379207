package crontab

import (
	"context"
	"fmt"
	"os"
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
	run := func(ctx context.Context) {
		factory.Start(ctx.Done())
		defer factory.Shutdown()
		if err := controller.Run(ctx, o.Workers); err != nil {
			logger.Error(err, "Controller stopped")
		}
	}

	leaderElect := o.LeaderElect == "true" || (o.LeaderElect == "auto" && inCluster)
	if !leaderElect {
		run(ctx)
		return nil
	}
	hostname, _ := os.Hostname()
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: o.LeaderElectNamespace, Name: o.LeaderElectName},
		Client:     kube.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: hostname + "_" + uuid.NewString()},
	}
	leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   15 * time.Second,
		RenewDeadline:   10 * time.Second,
		RetryPeriod:     2 * time.Second,
		ReleaseOnCancel: true,
		Name:            o.LeaderElectName,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: run,
			OnStoppedLeading: func() { logger.Info("No longer the leader") },
		},
	})
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
