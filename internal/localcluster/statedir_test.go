package localcluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTearDownRemovesOnlyItsOwnTopology(t *testing.T) {
	base := t.TempDir()
	demo, ha, plain := filepath.Join(base, "demo"), filepath.Join(base, "ha"), filepath.Join(base, "plain")
	for dir, topology := range map[string]Topology{demo: TopologyDemo, ha: TopologyHA} {
		if err := markStateDir(dir, topology); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(plain, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		down    func(string) error
		dir     string
		refused string // the error names this; empty when the teardown must succeed
	}{
		{"ha-down of a demo", HADown, demo, "holds the local demo topology, not ha"},
		{"down of an HA topology", Down, ha, "holds the local ha topology, not demo"},
		{"ha-down of a directory that is not ours", HADown, plain, "not a state directory"},
		{"ha-down of the HA topology", HADown, ha, ""},
		{"down of the demo", Down, demo, ""},
		{"down of nothing", Down, filepath.Join(base, "missing"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.down(tc.dir)
			_, statErr := os.Stat(tc.dir)
			if tc.refused == "" {
				if err != nil || statErr == nil {
					t.Errorf("teardown: %v; directory still there: %v", err, statErr == nil)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.refused) {
				t.Errorf("teardown returned %v, want a refusal naming %q", err, tc.refused)
			}
			if statErr != nil {
				t.Errorf("refused teardown removed %s: %v", tc.dir, statErr)
			}
		})
	}
}
