package robustness

import (
	"context"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// WatchKinds are the watchers a run starts: from a consistent list, with
// initial events, label-selected with initial events, field-selected.
var WatchKinds = []WatchSpec{
	{}, {InitialEvents: true},
	{Label: ColorLabel + "=red", InitialEvents: true}, {Field: "spec.suspend=true"},
}

// Run drives clients and watchers of the server while etcd's history of
// their prefix is recorded, and stops them in the order the checks need.
type Run struct {
	Recorder *Recorder
	Stored   *EtcdRecorder

	etcd                                     *clientv3.Client
	clientCtx, watchCtx                      context.Context
	stopRecording, stopClients, stopWatchers context.CancelFunc
	clients, watchers                        sync.WaitGroup
}

// Begin records etcd's history under prefix from now on, for a recorder of
// namespace's keys into h.
func Begin(ctx context.Context, etcd *clientv3.Client, prefix string, h *History, namespace string, keys []string) (*Run, error) {
	now, err := CurrentRevision(ctx, etcd)
	if err != nil {
		return nil, err
	}
	r := &Run{Recorder: NewRecorder(h, namespace, keys), etcd: etcd}
	var recordCtx context.Context
	recordCtx, r.stopRecording = context.WithCancel(context.WithoutCancel(ctx))
	r.clientCtx, r.stopClients = context.WithCancel(context.WithoutCancel(ctx))
	r.watchCtx, r.stopWatchers = context.WithCancel(context.WithoutCancel(ctx))
	r.Stored = RecordEtcd(recordCtx, etcd, prefix, now, DecodeStored)
	return r, nil
}

// Client runs f until the clients are stopped.
func (r *Run) Client(f func(ctx context.Context)) { r.clients.Go(func() { f(r.clientCtx) }) }

// Watcher runs f until the watchers are stopped.
func (r *Run) Watcher(f func(ctx context.Context)) { r.watchers.Go(func() { f(r.watchCtx) }) }

// Finish stops the clients (their calls in flight complete), waits until
// etcd's history holds every write and every watcher has delivered it,
// then stops the watchers and the recording, and returns the history etcd
// persisted. It stops everything also when it fails.
func (r *Run) Finish(ctx context.Context) (Persisted, error) {
	defer r.stopRecording()
	defer func() { r.stopWatchers(); r.watchers.Wait() }()
	r.stopClients()
	r.clients.Wait()
	last, err := CurrentRevision(ctx, r.etcd)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := r.Stored.CaughtUp(ctx, r.etcd, last); err != nil {
		return nil, err
	}
	persisted, err := r.Stored.Persisted()
	if err != nil {
		return nil, err
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, behind := r.Recorder.WatchersCaughtUp(persisted)
		if ok {
			return persisted, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for every watcher to deliver the last write: %w; %s", ctx.Err(), behind)
		case <-tick.C:
		}
	}
}

// CurrentRevision is etcd's revision now.
func CurrentRevision(ctx context.Context, etcd *clientv3.Client) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := etcd.Get(ctx, "/", clientv3.WithCountOnly())
	if err != nil {
		return 0, err
	}
	return resp.Header.Revision, nil
}

// Summary is the report's figures in a sentence.
func (r *Report) Summary() string {
	return fmt.Sprintf("checked %d operations (%d of unknown outcome applied, as etcd's history showed, %d not applied) and %d rewrites by other writers, "+
		"%d lists, %d watch streams (%d ended by 410 Gone) with %d events, against %d writes etcd persisted; porcupine took %s; %d failures",
		r.Operations, r.Resolved, r.Dropped, r.Rewrites, r.Lists, r.WatchSessions, r.WatchesGone, r.WatchEvents, r.PersistedWrites, r.PorcupineTime.Round(time.Millisecond), len(r.Failures))
}
