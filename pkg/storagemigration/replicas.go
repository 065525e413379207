package storagemigration

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// StateDir, under the etcd prefix, holds the migration's keys. The leading
// dot keeps them apart from every <group>/<resource> prefix: no API group
// starts with one.
const StateDir = "/.storage-migration/"

// ElectionKey, under the etcd prefix, is where the replicas elect the one
// that migrates.
const ElectionKey = StateDir + "leader"

const (
	replicasDir = StateDir + "replicas/"
	progressDir = StateDir + "progress/"
	triggerKey  = StateDir + "trigger"
	// handledKey holds the revision of the last request a pass answered.
	handledKey = StateDir + "trigger-handled"
)

// register publishes what this replica writes, for as long as its lease
// lives.
func (m *Migrator) register(ctx context.Context, lease clientv3.LeaseID) error {
	record := ReplicaRecord{Identity: m.config.Identity, Writes: map[string]Encoding{}}
	for _, r := range m.config.Resources {
		record.Writes[r.Name()] = r.Target
	}
	data, err := json.Marshal(record)
	if err != nil {
		return err
	}
	_, err = m.config.Client.Put(ctx, m.key(replicasDir+m.config.Identity), string(data), clientv3.WithLease(lease))
	return err
}

// liveReplicas returns the records of the replicas whose lease lives.
func (m *Migrator) liveReplicas(ctx context.Context) ([]ReplicaRecord, error) {
	resp, err := m.config.Client.Get(ctx, m.key(replicasDir), clientv3.WithPrefix())
	if err != nil {
		return nil, err
	}
	var records []ReplicaRecord
	for _, kv := range resp.Kvs {
		var record ReplicaRecord
		if err := json.Unmarshal(kv.Value, &record); err != nil {
			return nil, fmt.Errorf("replica record %s: %w", kv.Key, err)
		}
		records = append(records, record)
	}
	sort.Slice(records, func(i, j int) bool { return records[i].Identity < records[j].Identity })
	return records, nil
}

// disagreeing names the live replicas that write r in another encoding
// than r.Target. A replica that does not serve r writes none of it and
// holds nothing up.
func disagreeing(records []ReplicaRecord, r Resource) []string {
	var names []string
	for _, record := range records {
		if written, ok := record.Writes[r.Name()]; ok && written != r.Target {
			names = append(names, fmt.Sprintf("%s (writes %s)", record.Identity, written))
		}
	}
	return names
}
