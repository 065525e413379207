package localcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DefaultBumpRevision is what a restore adds to the snapshot's revision:
// more writes than the snapshot can be behind by, so that no
// resourceVersion a client saw before the restore is reused after it.
const DefaultBumpRevision = 1_000_000_000

// save records the topology in <dir>/ha.json, for LoadHA, and the members'
// client URLs in <dir>/etcd-endpoints (and etcd-endpoints-<group> for a
// separate group's cluster), for hack/etcd-ops.sh --ha [--group].
func (h *HA) save() error {
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(h.Dir, "ha.json"), data, 0o644); err != nil {
		return err
	}
	for group, members := range h.GroupMembers {
		if err := os.WriteFile(filepath.Join(h.Dir, "etcd-endpoints-"+group), []byte(strings.Join(endpoints(members), ",")+"\n"), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(h.Dir, "etcd-endpoints"), []byte(strings.Join(h.EtcdEndpoints(), ",")+"\n"), 0o644)
}

// Cluster is the members of group's cluster, or of the main cluster for
// group "".
func (h *HA) Cluster(group string) ([]*Process, error) {
	if group == "" {
		return h.Members, nil
	}
	members, ok := h.GroupMembers[group]
	if !ok {
		return nil, fmt.Errorf("%s has no etcd cluster of its own in %s", group, h.Dir)
	}
	return members, nil
}

// LoadHA reads the topology HAUp started in dir.
func LoadHA(dir string) (*HA, error) {
	if topology, err := topologyOf(dir); err != nil {
		return nil, err
	} else if topology != TopologyHA {
		return nil, fmt.Errorf("%s holds the %s topology, not %s", dir, topology, TopologyHA)
	}
	data, err := os.ReadFile(filepath.Join(dir, "ha.json"))
	if err != nil {
		return nil, err
	}
	h := &HA{}
	return h, json.Unmarshal(data, h)
}

// Restore replaces the main etcd cluster's data with snapshot (see
// RestoreCluster).
func (h *HA) Restore(ctx context.Context, snapshot string, bumpRevision int64) error {
	return h.RestoreCluster(ctx, h.Members, snapshot, bumpRevision)
}

// RestoreCluster replaces the data of one etcd cluster (h.Members or a
// group's) with snapshot, as docs/operations.md says to: the replicas
// stopped, every member restored from the same snapshot as a new cluster,
// bumpRevision added to the revision with the revisions below marked
// compacted, the members started, then the replicas. Each member's data
// before the restore is kept in <member>.before-restore. bumpRevision 0
// restores without the bump, which the runbook forbids: a test shows what
// it breaks.
func (h *HA) RestoreCluster(ctx context.Context, members []*Process, snapshot string, bumpRevision int64) error {
	for _, r := range h.Replicas {
		if err := h.Terminate(r); err != nil {
			return fmt.Errorf("stopping %s: %w", r.Name, err)
		}
	}
	for _, m := range members {
		if err := h.Terminate(m); err != nil {
			return fmt.Errorf("stopping %s: %w", m.Name, err)
		}
	}
	token := fmt.Sprintf("%s-restored-%d", flagValue(members[0].Args, "initial-cluster-token"), time.Now().Unix())
	for _, m := range members {
		dataDir := flagValue(m.Args, "data-dir")
		args := []string{"snapshot", "restore", snapshot, "--name", m.Name, "--data-dir", dataDir + ".restoring",
			"--initial-cluster", flagValue(m.Args, "initial-cluster"), "--initial-advertise-peer-urls", flagValue(m.Args, "initial-advertise-peer-urls"),
			"--initial-cluster-token", token}
		if bumpRevision > 0 {
			args = append(args, "--bump-revision", fmt.Sprint(bumpRevision), "--mark-compacted")
		}
		_ = os.RemoveAll(dataDir + ".restoring")
		if out, err := exec.CommandContext(ctx, filepath.Join(h.BinDir, "etcdutl"), args...).CombinedOutput(); err != nil {
			return fmt.Errorf("etcdutl snapshot restore for %s: %w\n%s", m.Name, err, out)
		}
		_ = os.RemoveAll(dataDir + ".before-restore")
		if err := os.Rename(dataDir, dataDir+".before-restore"); err != nil {
			return err
		}
		if err := os.Rename(dataDir+".restoring", dataDir); err != nil {
			return err
		}
	}
	for _, m := range members {
		if err := h.Start(m); err != nil {
			return err
		}
	}
	if err := h.waitMembersReady(ctx, members); err != nil {
		return fmt.Errorf("after the restore: %w", err)
	}
	for _, r := range h.Replicas {
		if err := h.Start(r); err != nil {
			return err
		}
	}
	if err := h.waitReplicasReady(ctx); err != nil {
		return err
	}
	return h.save()
}

// flagValue is the value of --name=value in args.
func flagValue(args []string, name string) string {
	for _, a := range args {
		if value, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return value
		}
	}
	return ""
}
