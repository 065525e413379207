package storagemigration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/klog/v2"
)

// Config configures a Migrator.
type Config struct {
	// Client reaches the etcd the replicas coordinate in (and the
	// resources are stored in unless a Resource names its own).
	Client *clientv3.Client
	// Prefix is the server's etcd prefix (--etcd-prefix).
	Prefix string
	// Identity names this replica (host name and a random suffix).
	Identity  string
	Resources []Resource
	// Automatic migrates as soon as every live replica agrees; without it,
	// only a request (Trigger) starts a migration.
	Automatic bool
	// QPS limits the objects rewritten per second.
	QPS float64
	// LeaseTTL is how long a crashed replica's record and leadership last.
	LeaseTTL time.Duration
	// Resync is how often the stored objects are counted again when nothing
	// else happens.
	Resync time.Duration
}

// Migrator keeps stored objects in the current storage version and
// encoding. Every replica runs one; the elected one migrates.
type Migrator struct {
	config  Config
	limiter *rate.Limiter
	// registered is closed once the replica's record is first published.
	registered     chan struct{}
	registeredOnce sync.Once
}

// New returns a migrator; Run starts it.
func New(config Config) (*Migrator, error) {
	if config.Client == nil || config.Identity == "" || config.QPS <= 0 || config.LeaseTTL < time.Second {
		return nil, fmt.Errorf("storage migration: client, identity, a positive QPS and a lease of at least 1s are required")
	}
	burst := int(math.Max(1, math.Ceil(config.QPS/10)))
	return &Migrator{config: config, limiter: rate.NewLimiter(rate.Limit(config.QPS), burst), registered: make(chan struct{})}, nil
}

// Registered is closed once this replica has published what it writes. A
// server becomes ready only then: a replica writing an older encoding must
// be seen before clients reach it, or a migration could run behind it.
func (m *Migrator) Registered() <-chan struct{} { return m.registered }

func (m *Migrator) key(suffix string) string {
	return strings.TrimSuffix(m.config.Prefix, "/") + suffix
}

// Run registers the replica and takes part in the election until ctx ends.
// A lost lease (etcd unreachable for longer than LeaseTTL) starts over.
func (m *Migrator) Run(ctx context.Context) {
	klog.InfoS("Storage migration: starting", "identity", m.config.Identity, "automatic", m.config.Automatic, "qps", m.config.QPS)
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if err := m.runSession(ctx); err != nil && ctx.Err() == nil {
			klog.ErrorS(err, "Storage migration: session ended; starting a new one", "identity", m.config.Identity)
		}
	}, time.Second)
}

func (m *Migrator) runSession(ctx context.Context) error {
	// The session outlives ctx by its Close, which revokes the lease so that
	// other replicas see this one go at once.
	session, err := concurrency.NewSession(m.config.Client, concurrency.WithTTL(int(m.config.LeaseTTL.Seconds())))
	if err != nil {
		return err
	}
	defer session.Close()
	if err := m.register(ctx, session.Lease()); err != nil {
		return fmt.Errorf("registering the replica: %w", err)
	}
	m.registeredOnce.Do(func() { close(m.registered) })
	sessionCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-session.Done():
			cancel()
		case <-sessionCtx.Done():
		}
	}()
	election := concurrency.NewElection(session, m.key(ElectionKey))
	if err := election.Campaign(sessionCtx, m.config.Identity); err != nil {
		return err
	}
	klog.InfoS("Storage migration: this replica leads", "identity", m.config.Identity)
	leaderGauge.Set(1)
	defer func() {
		leaderGauge.Set(0)
		forgetResourceMetrics()
		resignCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = election.Resign(resignCtx)
	}()
	return m.lead(sessionCtx)
}

// lead counts and migrates every resource, then again whenever a replica
// comes, goes or changes, a migration is requested, or Resync passes.
func (m *Migrator) lead(ctx context.Context) error {
	// A request made while no replica led (a new server, an election) is
	// found here; later ones arrive on the watch, which starts right after.
	request, watchFrom, err := m.unhandledRequest(ctx)
	if err != nil {
		return err
	}
	replicasChanged := m.config.Client.Watch(ctx, m.key(replicasDir), clientv3.WithPrefix())
	triggered := m.config.Client.Watch(ctx, m.key(triggerKey), clientv3.WithRev(watchFrom+1))
	migrate := m.config.Automatic || request != 0
	for {
		m.pass(ctx, migrate)
		if request != 0 && ctx.Err() == nil {
			// One migrating pass answers a request; a leader that lost its
			// lease mid-pass leaves it to the next.
			if _, err := m.config.Client.Put(ctx, m.key(handledKey), strconv.FormatInt(request, 10)); err != nil {
				return err
			}
			request = 0
		}
		migrate = m.config.Automatic
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-replicasChanged:
			if !ok {
				return errors.New("the watch of the replica records ended")
			}
		case resp, ok := <-triggered:
			if !ok || resp.Err() != nil {
				return fmt.Errorf("the watch of migration requests ended: %v", resp.Err())
			}
			if n := len(resp.Events); n > 0 {
				klog.InfoS("Storage migration: requested")
				request, migrate = resp.Events[n-1].Kv.ModRevision, true
			}
		case <-time.After(m.config.Resync):
		}
	}
}

// unhandledRequest returns the revision of the last migration request
// (POST) if no migrating pass has answered it yet, else 0, and the revision
// at which it looked.
func (m *Migrator) unhandledRequest(ctx context.Context) (request, at int64, err error) {
	resp, err := m.config.Client.Txn(ctx).Then(clientv3.OpGet(m.key(triggerKey)), clientv3.OpGet(m.key(handledKey))).Commit()
	if err != nil {
		return 0, 0, err
	}
	requests, handled := resp.Responses[0].GetResponseRange().Kvs, resp.Responses[1].GetResponseRange().Kvs
	if len(requests) == 0 {
		return 0, resp.Header.Revision, nil
	}
	var handledRevision int64
	if len(handled) > 0 {
		if handledRevision, err = strconv.ParseInt(string(handled[0].Value), 10, 64); err != nil {
			// Answering a request twice costs one pass; ignoring one would
			// leave objects unmigrated.
			klog.ErrorS(err, "Storage migration: unreadable record of the last request answered; answering the last request again", "key", m.key(handledKey))
			handledRevision = 0
		}
	}
	if requests[0].ModRevision > handledRevision {
		return requests[0].ModRevision, resp.Header.Revision, nil
	}
	return 0, resp.Header.Revision, nil
}

// pass counts each resource's objects and, when asked to and every live
// replica agrees, migrates those in another encoding.
func (m *Migrator) pass(ctx context.Context, migrate bool) {
	for _, r := range m.config.Resources {
		if ctx.Err() != nil {
			return
		}
		status, err := m.passResource(ctx, r, migrate)
		if err != nil && ctx.Err() == nil {
			status.State, status.Message = StateFailed, err.Error()
			klog.ErrorS(err, "Storage migration: pass failed; retried on the next pass", "resource", r.Name())
		}
		if ctx.Err() == nil {
			if err := m.saveStatus(ctx, status); err != nil {
				// Replicas show the last status saved until the next pass.
				klog.ErrorS(err, "Storage migration: cannot save the status", "resource", r.Name(), "state", status.State)
			}
		}
	}
}

func (m *Migrator) passResource(ctx context.Context, r Resource, migrate bool) (ResourceStatus, error) {
	status, err := m.loadStatus(ctx, r)
	if err != nil {
		return status, err
	}
	if status.Target != r.Target {
		// A new target starts a new migration.
		status = ResourceStatus{Resource: r.Name(), Target: r.Target}
	}
	if err := m.count(ctx, r, &status); err != nil {
		return status, err
	}
	// Replicas writing different encodings (a rolling change in progress)
	// hold everything up, whatever this one's target.
	records, err := m.liveReplicas(ctx)
	if err != nil {
		return status, err
	}
	if status.WaitingFor = disagreeing(records, r); len(status.WaitingFor) > 0 {
		// Whatever was migrated may be written back in the old encoding
		// meanwhile: the next migration starts from the first key.
		status.LastKey = ""
		status.State, status.Message = StateWaiting, "every live replica must write "+r.Target.String()+" first"
		klog.InfoS("Storage migration: waiting for replicas", "resource", r.Name(), "target", r.Target.String(), "waitingFor", status.WaitingFor)
		return status, nil
	}
	if status.Pending == 0 {
		status.State, status.Message, status.LastKey = StateCurrent, "", ""
		return status, nil
	}
	if !migrate {
		status.State, status.Message = StatePending, "automatic migration is off: POST "+Path+" starts it"
		return status, nil
	}
	// Objects a client wrote in the old encoding before every replica
	// agreed, behind the migration's position, are found by the count that
	// follows it; another round takes them.
	for round := 0; round < 3 && status.Pending > 0; round++ {
		if err := m.migrate(ctx, r, &status, round > 0); err != nil {
			return status, err
		}
		if err := m.count(ctx, r, &status); err != nil {
			return status, err
		}
	}
	if status.Pending > 0 {
		status.State = StateFailed
		status.Message = fmt.Sprintf("%d objects could not be rewritten (see the server log); retried on the next pass", status.Pending)
	}
	return status, nil
}

// count takes the census of a resource into its status and metrics.
func (m *Migrator) count(ctx context.Context, r Resource, status *ResourceStatus) error {
	c, err := takeCensus(ctx, r.client(m.config.Client), r)
	if err != nil {
		return err
	}
	status.Stored, status.Pending, status.StaleEncryption = c.stored, c.pending, c.staleEncryption
	if status.Pending == 0 && status.State != StateCurrent {
		status.State = StateCurrent
	}
	recordCensus(r, c)
	return nil
}

// migrate rewrites, in key order from the checkpoint, every object of r not
// in its target encoding, and checkpoints after each page. Another round of
// the same pass (anotherRound) continues the migration's counts.
func (m *Migrator) migrate(ctx context.Context, r Resource, status *ResourceStatus, anotherRound bool) error {
	now := time.Now().UTC()
	switch {
	case anotherRound:
		klog.InfoS("Storage migration: another round for objects written in the old encoding meanwhile", "resource", r.Name(), "pending", status.Pending)
	case status.LastKey != "":
		status.ResumedFrom = status.LastKey
		klog.InfoS("Storage migration: resuming", "resource", r.Name(), "after", status.LastKey, "previousMigrator", status.Migrator, "migrated", status.Migrated)
	default:
		status.LastKey, status.ResumedFrom, status.Migrated, status.StartedAt = "", "", 0, now
		klog.InfoS("Storage migration: starting", "resource", r.Name(), "target", r.Target.String(), "pending", status.Pending)
	}
	status.State, status.Message, status.WaitingFor, status.Migrator = StateMigrating, "", nil, m.config.Identity
	if err := m.saveStatus(ctx, *status); err != nil {
		return err
	}
	lastLog := time.Now()
	err := forEachPage(ctx, r.client(m.config.Client), r, status.LastKey, migratePageSize, func(page []keyValue) error {
		// A replica that came back writing the old encoding stops the
		// migration: it would write behind it.
		records, err := m.liveReplicas(ctx)
		if err != nil {
			return err
		}
		if waiting := disagreeing(records, r); len(waiting) > 0 {
			status.LastKey = ""
			return fmt.Errorf("stopped: replicas write another encoding again: %s", strings.Join(waiting, ", "))
		}
		for _, kv := range page {
			if classify(ctx, r, kv).current(r.Target) {
				continue
			}
			if err := m.limiter.Wait(ctx); err != nil {
				return err
			}
			if err := m.rewrite(ctx, r, kv.key); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// One unreadable object must not hold up the others; it
				// stays pending and is retried on the next pass.
				klog.ErrorS(err, "Storage migration: cannot rewrite an object; it stays as it is", "resource", r.Name(), "key", kv.key)
				continue
			}
			status.Migrated++
			status.Pending = max(status.Pending-1, 0)
			migratedCounter.WithLabelValues(r.Name()).Inc()
			pendingGauge.WithLabelValues(r.Name()).Set(float64(status.Pending))
		}
		status.LastKey = page[len(page)-1].key
		if time.Since(lastLog) > 5*time.Second {
			lastLog = time.Now()
			klog.InfoS("Storage migration: progress", "resource", r.Name(), "migrated", status.Migrated, "pendingAtMost", status.Pending, "lastKey", status.LastKey)
		}
		return m.saveStatus(ctx, *status)
	})
	if err != nil {
		return err
	}
	klog.InfoS("Storage migration: done", "resource", r.Name(), "target", r.Target.String(), "migrated", status.Migrated,
		"duration", time.Since(status.StartedAt).Round(time.Millisecond))
	status.LastKey = ""
	return nil
}

// rewrite writes an object back unchanged through its storage, which
// encodes it in today's version and encoding; a value already current is
// left alone by the storage, and an object deleted meanwhile needs nothing.
func (m *Migrator) rewrite(ctx context.Context, r Resource, key string) error {
	storageKey := "/" + strings.TrimPrefix(key, r.StoragePrefix)
	err := r.Storage.GuaranteedUpdate(ctx, storageKey, r.NewFunc(), false, nil, unchanged, nil)
	if storage.IsNotFound(err) {
		return nil
	}
	return err
}

// unchanged is the update of a rewrite: the stored object as it is.
func unchanged(input runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
	return input, nil, nil
}

func (m *Migrator) loadStatus(ctx context.Context, r Resource) (ResourceStatus, error) {
	status := ResourceStatus{Resource: r.Name(), Target: r.Target}
	resp, err := m.config.Client.Get(ctx, m.key(progressDir+r.Name()))
	if err != nil || len(resp.Kvs) == 0 {
		return status, err
	}
	if err := json.Unmarshal(resp.Kvs[0].Value, &status); err != nil {
		klog.ErrorS(err, "Storage migration: unreadable checkpoint; starting over", "resource", r.Name())
		return ResourceStatus{Resource: r.Name(), Target: r.Target}, nil
	}
	return status, nil
}

func (m *Migrator) saveStatus(ctx context.Context, status ResourceStatus) error {
	status.UpdatedAt = time.Now().UTC()
	data, err := json.Marshal(status)
	if err != nil {
		return err
	}
	_, err = m.config.Client.Put(ctx, m.key(progressDir+status.Resource), string(data))
	return err
}
