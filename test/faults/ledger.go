// Package faults writes through both replicas of the HA topology while
// etcd members and server replicas are killed, paused and restarted, and
// checks that every acknowledged write is there afterwards.
package faults

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
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
	// writes are every write's start, duration and outcome, for the error
	// rate and latency of a window.
	writes []timedWrite
}

type timedWrite struct {
	start  time.Time
	took   time.Duration
	failed bool
}

func newLedger() *ledger { return &ledger{objects: map[string]*entry{}} }

func (l *ledger) record(name string, start time.Time, err error, exists bool, value string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempted++
	l.writes = append(l.writes, timedWrite{start: start, took: time.Since(start), failed: err != nil})
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

// windowStats are the writes that started within a window.
type windowStats struct {
	writes, failed int
	p50, p99, max  time.Duration
}

func (w windowStats) String() string {
	return fmt.Sprintf("%d writes, %d failed (%.1f %%), p50 %s, p99 %s, max %s", w.writes, w.failed,
		100*float64(w.failed)/float64(max(w.writes, 1)), w.p50.Round(time.Millisecond), w.p99.Round(time.Millisecond), w.max.Round(time.Millisecond))
}

func (l *ledger) window(from, to time.Time) windowStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	var stats windowStats
	var took []time.Duration
	for _, w := range l.writes {
		if w.start.Before(from) || w.start.After(to) {
			continue
		}
		stats.writes++
		if w.failed {
			stats.failed++
		}
		took = append(took, w.took)
	}
	if len(took) == 0 {
		return stats
	}
	slices.Sort(took)
	stats.p50, stats.p99, stats.max = took[len(took)/2], took[(len(took)*99)/100], took[len(took)-1]
	return stats
}
