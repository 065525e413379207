package server

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

// parsedOptions are the options after parsing args, completing them and
// validating them, as the command does.
func parsedOptions(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	o := NewOptions(io.Discard)
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(append([]string{"--local-dir", t.TempDir()}, args...)); err != nil {
		t.Fatal(err)
	}
	o.flags = fs
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	return o, o.Validate()
}

func TestOptionsDefaults(t *testing.T) {
	o, err := parsedOptions(t)
	if err != nil {
		t.Fatal(err)
	}
	if o.mode != ModeStandalone || !o.embeddedEtcd {
		t.Errorf("without a kubeconfig or etcd: mode %q, embedded etcd %v; want standalone with embedded etcd", o.mode, o.embeddedEtcd)
	}
	if o.StorageVersions["stable.example.com"] != "v1" || o.StorageVersions["wardle.example.com"] != "v1beta1" {
		t.Errorf("default storage versions: %v", o.StorageVersions)
	}
	if !strings.HasSuffix(o.DataDir, "/data") {
		t.Errorf("data dir %q is not under the local dir", o.DataDir)
	}
}

// TestListFromCacheSnapshotIsOffUnlessAsked: the watch cache keeps no
// snapshots by default (see NewOptions), and the feature gate flag turns
// them back on.
func TestListFromCacheSnapshotIsOffUnlessAsked(t *testing.T) {
	if _, err := parsedOptions(t); err != nil {
		t.Fatal(err)
	}
	if utilfeature.DefaultFeatureGate.Enabled(features.ListFromCacheSnapshot) {
		t.Error("ListFromCacheSnapshot is on by default")
	}
	t.Cleanup(func() { NewOptions(io.Discard) }) // off again for the other tests of this process
	o, err := parsedOptions(t, "--feature-gates=ListFromCacheSnapshot=true")
	if err != nil {
		t.Fatal(err)
	}
	if err := o.ComponentGlobalsRegistry.Set(); err != nil {
		t.Fatal(err)
	}
	if !utilfeature.DefaultFeatureGate.Enabled(features.ListFromCacheSnapshot) {
		t.Error("--feature-gates=ListFromCacheSnapshot=true did not turn it on")
	}
}

func TestOptionsModeFromTheEnvironment(t *testing.T) {
	o, _ := parsedOptions(t, "--etcd-servers=https://127.0.0.1:2379")
	if o.mode != ModeStandalone || o.embeddedEtcd {
		t.Errorf("with --etcd-servers and no cluster: mode %q, embedded etcd %v", o.mode, o.embeddedEtcd)
	}
	kubeconfig := t.TempDir() + "/kubeconfig"
	o, _ = parsedOptions(t, "--kubeconfig="+kubeconfig)
	if o.mode != ModeAggregated {
		t.Errorf("with --kubeconfig: mode %q, want aggregated", o.mode)
	}
	if o.RecommendedOptions.Authentication.RemoteKubeConfigFile != kubeconfig || o.RecommendedOptions.Authorization.RemoteKubeConfigFile != kubeconfig {
		t.Error("--kubeconfig does not name the cluster for delegated authentication and authorization")
	}
}

func TestOptionsValidationNamesEveryMistake(t *testing.T) {
	_, err := parsedOptions(t, "--mode=sideways", "--storage-versions=stable.example.com=v9,nope.example.com=v1", "--secure-port=0")
	if err == nil {
		t.Fatal("invalid options passed validation")
	}
	for _, want := range []string{`--mode must be auto, standalone or aggregated, not "sideways"`,
		`stable.example.com is not served in version "v9" (served: v1, v1beta1)`,
		`unknown group "nope.example.com"`, "--secure-port must not be 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("validation does not say %s: %v", want, err)
		}
	}
}
