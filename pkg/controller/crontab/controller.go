package crontab

import (
	"context"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions/stable/v1"
	listers "github.com/example/extension-apiserver/pkg/generated/listers/stable/v1"
)

// Cleaner undoes what a CronTab caused outside its own object. It must be
// idempotent: a controller restarted mid-way may call it again.
type Cleaner interface {
	Cleanup(ctx context.Context, ct *stablev1.CronTab) error
}

// Controller reconciles CronTabs.
type Controller struct {
	client  clientset.Interface
	lister  listers.CronTabLister
	synced  cache.InformerSynced
	queue   workqueue.TypedRateLimitingInterface[string]
	cleaner Cleaner
	events  EventRecorder
	now     func() metav1.Time
}

// EventRecorder records what the controller did on an object; a no-op
// where no events API exists (standalone mode).
type EventRecorder interface {
	Eventf(obj *stablev1.CronTab, eventType, reason, messageFmt string, args ...any)
}

// New returns a controller fed by informer.
func New(client clientset.Interface, informer informers.CronTabInformer, cleaner Cleaner, events EventRecorder) *Controller {
	c := &Controller{
		client:  client,
		lister:  informer.Lister(),
		synced:  informer.Informer().HasSynced,
		queue:   workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](), workqueue.TypedRateLimitingQueueConfig[string]{Name: "crontabs"}),
		cleaner: cleaner,
		events:  events,
		now:     metav1.Now,
	}
	_, _ = informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, obj any) { c.enqueue(obj) },
		DeleteFunc: c.enqueue,
	})
	return c
}

func (c *Controller) enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(key)
}

// Run processes CronTabs with workers goroutines until ctx is done, then
// lets the items in flight finish. It returns an error only when it cannot
// start.
func (c *Controller) Run(ctx context.Context, workers int) error {
	defer utilruntime.HandleCrash()
	defer c.queue.ShutDownWithDrain()
	logger := klog.FromContext(ctx)
	if !cache.WaitForNamedCacheSync("crontab", ctx.Done(), c.synced) {
		if ctx.Err() != nil {
			return nil // told to stop before the informer synced
		}
		return fmt.Errorf("the CronTab informer did not sync")
	}
	logger.Info("Starting CronTab workers", "workers", workers)
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
	logger.Info("Stopping CronTab workers")
	return nil
}

func (c *Controller) worker(ctx context.Context) {
	for c.processNext(ctx) {
	}
}

func (c *Controller) processNext(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)
	if err := c.Reconcile(ctx, key); err != nil {
		utilruntime.HandleErrorWithContext(ctx, err, "Reconciling CronTab failed; retrying", "key", key)
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

// Reconcile brings one CronTab to its desired state: cleanup and finalizer
// removal when it is being deleted, status otherwise. A CronTab already in
// that state causes no write.
func (c *Controller) Reconcile(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil // a malformed key never heals
	}
	ct, err := c.lister.CronTabs(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ct.DeletionTimestamp != nil {
		return c.finalize(ctx, ct)
	}
	if ct.Annotations[PausedAnnotation] == "true" {
		return nil
	}
	if !statusChanged(ct.Status, desiredStatus(ct, c.now())) {
		return nil
	}
	return c.updateStatus(ctx, namespace, name, func(latest *stablev1.CronTab) bool {
		desired := desiredStatus(latest, c.now())
		if !statusChanged(latest.Status, desired) {
			return false
		}
		latest.Status = desired
		return true
	})
}

// finalize runs the cleanup once (a CleanedUp condition records that it
// ran, so a restarted controller does not repeat it) and then removes the
// controller's own finalizer, leaving the others.
func (c *Controller) finalize(ctx context.Context, ct *stablev1.CronTab) error {
	if !slices.Contains(ct.Finalizers, crontabcleanup.Finalizer) {
		return nil
	}
	if !meta.IsStatusConditionTrue(ct.Status.Conditions, ConditionCleanedUp) {
		if err := c.cleaner.Cleanup(ctx, ct); err != nil {
			return fmt.Errorf("cleaning up %s/%s: %w", ct.Namespace, ct.Name, err)
		}
		c.events.Eventf(ct, "Normal", "CleanedUp", "Cleaned up before deletion (grace period %s)", gracePeriod(ct))
		if err := c.updateStatus(ctx, ct.Namespace, ct.Name, func(latest *stablev1.CronTab) bool {
			return meta.SetStatusCondition(&latest.Status.Conditions, metav1.Condition{Type: ConditionCleanedUp, Status: metav1.ConditionTrue,
				Reason: ReasonFinalized, Message: "cleanup ran; the finalizer goes next", ObservedGeneration: latest.Generation, LastTransitionTime: c.now()})
		}); err != nil {
			return err
		}
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		latest, err := c.client.StableV1().CronTabs(ct.Namespace).Get(ctx, ct.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !slices.Contains(latest.Finalizers, crontabcleanup.Finalizer) {
			return nil
		}
		latest.Finalizers = slices.DeleteFunc(latest.Finalizers, func(f string) bool { return f == crontabcleanup.Finalizer })
		_, err = c.client.StableV1().CronTabs(ct.Namespace).Update(ctx, latest, metav1.UpdateOptions{FieldManager: FieldManager})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
}

// PausedAnnotation, set to "true" on a CronTab, stops the controller from
// writing its status (as Cluster API's paused annotation does); the cleanup
// on deletion still runs, so that a paused CronTab can be deleted.
const PausedAnnotation = "stable.example.com/paused"

// FieldManager names the controller in managedFields.
const FieldManager = "crontab-controller"

// updateStatus applies change to the latest object and writes it through
// the status subresource, retrying on conflicts; change returns false when
// there is nothing to write.
func (c *Controller) updateStatus(ctx context.Context, namespace, name string, change func(*stablev1.CronTab) bool) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		latest, err := c.client.StableV1().CronTabs(namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !change(latest) {
			return nil
		}
		_, err = c.client.StableV1().CronTabs(namespace).UpdateStatus(ctx, latest, metav1.UpdateOptions{FieldManager: FieldManager})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
}

func gracePeriod(ct *stablev1.CronTab) string {
	if ct.DeletionGracePeriodSeconds == nil {
		return "0s"
	}
	return (time.Duration(*ct.DeletionGracePeriodSeconds) * time.Second).String()
}
