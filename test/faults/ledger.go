// Package faults writes through both replicas of the HA topology while
// etcd members and server replicas are killed, paused and restarted, and
// checks that every acknowledged write is there afterwards.
package faults

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// entry is what the ledger knows of one object.
type entry struct {
	// exists and value (the field the writers set: a CronTab's image, a
	// Flunder's reference) are the state the last acknowledged write left.
	exists bool
	value  string
	// inDoubt: a write failed; it may or may not have been applied, so the
	// object is no longer written or checked.
	inDoubt bool
}

// ledger records every write and its outcome.
type ledger struct {
	mu                              sync.Mutex
	objects                         map[string]*entry
	attempted, acknowledged, failed int
	// refused counts writes whose connection was refused: they never
	// reached a server, so they leave nothing in doubt.
	refused int
}

func newLedger() *ledger { return &ledger{objects: map[string]*entry{}} }

func (l *ledger) record(name string, err error, exists bool, value string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempted++
	if errors.Is(err, syscall.ECONNREFUSED) {
		l.refused++
		return
	}
	e := l.objects[name]
	if e == nil {
		e = &entry{}
		l.objects[name] = e
	}
	if err != nil {
		l.failed++
		e.inDoubt = true
		return
	}
	l.acknowledged++
	e.exists, e.value = exists, value
}

// writable returns the names, starting with prefix, of objects in a
// definite existing state.
func (l *ledger) writable(prefix string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var names []string
	for name, e := range l.objects {
		if e.exists && !e.inDoubt && strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func (l *ledger) snapshot() map[string]entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]entry{}
	for name, e := range l.objects {
		out[name] = *e
	}
	return out
}

func (l *ledger) snapshotAcks() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acknowledged
}

// snapshotFailures counts the writes that failed or were refused.
func (l *ledger) snapshotFailures() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed + l.refused
}
