package localcluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Topology names what a state directory holds, so that tearing one down
// never removes a directory of another kind (or one that is not ours).
type Topology string

const (
	// TopologyDemo is etcd, kube-apiserver and this server (Up).
	TopologyDemo Topology = "demo"
	// TopologyHA is three etcd members and two server replicas (HAUp).
	TopologyHA Topology = "ha"

	topologyFile = "topology"
)

// markStateDir creates dir and records which topology it holds.
func markStateDir(dir string, topology Topology) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, topologyFile), []byte(string(topology)+"\n"), 0o644)
}

// topologyOf reads what dir holds.
func topologyOf(dir string) (Topology, error) {
	data, err := os.ReadFile(filepath.Join(dir, topologyFile))
	if err != nil {
		return "", err
	}
	return Topology(strings.TrimSpace(string(data))), nil
}

// Down stops everything Up started in dir and removes dir.
func Down(dir string) error { return tearDown(dir, TopologyDemo) }

// HADown stops everything HAUp started in dir and removes dir.
func HADown(dir string) error { return tearDown(dir, TopologyHA) }

// tearDown stops the processes of dir and removes it, but only when dir
// holds topology: a missing directory is nothing to do, and any other one
// is refused untouched.
func tearDown(dir string, topology Topology) error {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	found, err := topologyOf(dir)
	if err != nil {
		return fmt.Errorf("%s is not a state directory of the local %s topology (no %s file): not removing it", dir, topology, topologyFile)
	}
	if found != topology {
		return fmt.Errorf("%s holds the local %s topology, not %s: not removing it", dir, found, topology)
	}
	if err := stopAll(dir, 30*time.Second); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}
