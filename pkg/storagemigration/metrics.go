package storagemigration

import (
	"strings"
	"sync"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

const metricsSubsystem = "extension_apiserver_storage_migration"

var (
	storedGauge = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Name:           metricsSubsystem + "_stored_objects",
		Help:           "Stored objects of a resource by storage version and encoding, at the migrator's last count (leader only).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource", "version", "encoding"})
	pendingGauge = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Name:           metricsSubsystem + "_pending_objects",
		Help:           "Stored objects of a resource not yet in the storage version and encoding the server writes (leader only).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})
	migratedCounter = metrics.NewCounterVec(&metrics.CounterOpts{
		Name:           metricsSubsystem + "_migrated_objects_total",
		Help:           "Objects rewritten in the current storage version and encoding by this replica.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})
	leaderGauge = metrics.NewGauge(&metrics.GaugeOpts{
		Name:           metricsSubsystem + "_leader",
		Help:           "1 when this replica is the one that migrates storage.",
		StabilityLevel: metrics.ALPHA,
	})

	registerMetrics sync.Once
	// censusLabels remembers the version and encoding series set per
	// resource, so that a count drops the series of encodings now gone.
	censusMu     sync.Mutex
	censusLabels = map[string][][2]string{}
)

func init() {
	registerMetrics.Do(func() {
		legacyregistry.MustRegister(storedGauge, pendingGauge, migratedCounter, leaderGauge)
	})
}

func recordCensus(r Resource, c census) {
	censusMu.Lock()
	defer censusMu.Unlock()
	for _, labels := range censusLabels[r.Name()] {
		storedGauge.DeleteLabelValues(r.Name(), labels[0], labels[1])
	}
	var labels [][2]string
	for encoding, n := range c.stored {
		version, mediaType, _ := strings.Cut(encoding, " ")
		storedGauge.WithLabelValues(r.Name(), version, mediaType).Set(float64(n))
		labels = append(labels, [2]string{version, mediaType})
	}
	censusLabels[r.Name()] = labels
	pendingGauge.WithLabelValues(r.Name()).Set(float64(c.pending))
}

// forgetResourceMetrics drops the counts when this replica stops leading:
// the new leader's are the ones to read.
func forgetResourceMetrics() {
	censusMu.Lock()
	defer censusMu.Unlock()
	storedGauge.Reset()
	pendingGauge.Reset()
	censusLabels = map[string][][2]string{}
}
