// Package server holds the extension API server's command-line options and
// turns them into a running server, in standalone or aggregated mode.
package server

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/features"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/storage/cacher/consistency"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	basecompatibility "k8s.io/component-base/compatibility"
	baseversion "k8s.io/component-base/version"

	"github.com/example/extension-apiserver/pkg/apiserver"
	"github.com/example/extension-apiserver/pkg/etcdalarm"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

// Run modes. Auto picks aggregated when a kube-apiserver is reachable by
// --kubeconfig or in-cluster configuration, standalone otherwise.
const (
	ModeAuto       = "auto"
	ModeStandalone = "standalone"
	ModeAggregated = "aggregated"
)

// DefaultEtcdPrefix is the etcd key prefix under which every object is stored.
const DefaultEtcdPrefix = "/extension-apiserver"

// Options are the server's flags.
type Options struct {
	RecommendedOptions *genericoptions.RecommendedOptions
	// ServerRun holds request timeouts, in-flight limits, body size limit
	// and shutdown behaviour.
	ServerRun                *genericoptions.ServerRunOptions
	ComponentGlobalsRegistry basecompatibility.ComponentGlobalsRegistry

	// Mode is auto, standalone or aggregated.
	Mode string
	// LocalDir holds standalone mode's PKI and kubeconfig.
	LocalDir string
	// DataDir is the embedded etcd's data directory (used without --etcd-servers).
	DataDir string
	// EmbeddedEtcdQuotaBytes is the embedded etcd's space quota; 0 is etcd's
	// default (2 GiB).
	EmbeddedEtcdQuotaBytes int64
	// StorageVersions maps an API group to the version its objects are
	// written to etcd in.
	StorageVersions map[string]string
	// StorageMigration configures the rewriting of objects stored in an
	// older version or encoding.
	StorageMigration StorageMigrationOptions

	Out io.Writer

	flags *pflag.FlagSet
	// extensionInformers feed the admission plugins; started after the
	// server serves.
	extensionInformers informers.SharedInformerFactory
	// etcdAlarms watch the storage's etcd clusters for alarms; made by Config.
	etcdAlarms *etcdalarm.Monitors

	// Set by Complete.
	mode         string
	embeddedEtcd bool
}

// NewOptions returns the options with their defaults.
func NewOptions(out io.Writer) *Options {
	o := &Options{
		RecommendedOptions:       genericoptions.NewRecommendedOptions(DefaultEtcdPrefix, apiserver.Codecs.LegacyCodec(defaultStorageVersions()...)),
		ComponentGlobalsRegistry: basecompatibility.NewComponentGlobalsRegistry(),
		Mode:                     ModeAuto,
		LocalDir:                 ".local",
		StorageVersions:          map[string]string{},
		StorageMigration:         defaultStorageMigrationOptions(),
		Out:                      out,
	}
	o.ServerRun = genericoptions.NewServerRunOptionsForComponent(basecompatibility.DefaultKubeComponent, o.ComponentGlobalsRegistry)
	// Behind kube-apiserver, the cluster's controllers keep watches open
	// through the aggregator; without a grace period for them, a stopping
	// server waits for its whole shutdown timeout (60 s) before it exits.
	o.ServerRun.ShutdownWatchTerminationGracePeriod = 5 * time.Second
	o.RecommendedOptions.SecureServing.BindPort = 8443
	// Like kube-apiserver for built-in kinds, store protobuf: smaller etcd
	// values and cheaper decoding on every read from etcd and every watch
	// event (the benchmark measured 7-16 % less server CPU per operation).
	// JSON written before stays readable; --storage-media-type selects JSON.
	o.RecommendedOptions.Etcd.DefaultStorageMediaType = runtime.ContentTypeProtobuf
	// Lists and pages at an earlier resourceVersion are read from etcd, as
	// kube-apiserver read them before 1.34, instead of from the watch
	// cache's copy-on-write snapshots, which k8s.io/apiserver keeps for
	// every write of at least the last 75 s: after a bulk load of 100,000
	// objects they were a third of the live heap, and pages from etcd were
	// no slower (make bench-scale). --feature-gates=ListFromCacheSnapshot=true
	// restores them.
	utilruntime.Must(utilfeature.DefaultMutableFeatureGate.SetFromMap(map[string]bool{string(features.ListFromCacheSnapshot): false}))
	registerAdmissionPlugins(o.RecommendedOptions.Admission)
	o.RecommendedOptions.ExtraAdmissionInitializers = o.admissionInitializers
	_, _ = o.ComponentGlobalsRegistry.ComponentGlobalsOrRegister(basecompatibility.DefaultKubeComponent,
		basecompatibility.NewEffectiveVersionFromString(baseversion.DefaultKubeBinaryVersion, "", ""), utilfeature.DefaultMutableFeatureGate)
	return o
}

func defaultStorageVersions() []schema.GroupVersion {
	var gvs []schema.GroupVersion
	for _, g := range apiserver.Groups {
		gvs = append(gvs, schema.GroupVersion{Group: g.Name, Version: g.DefaultStorageVersion})
	}
	return gvs
}

// AddFlags registers every flag.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.RecommendedOptions.AddFlags(fs)
	// Also the feature gate and emulated version flags of the registry.
	o.ServerRun.AddUniversalFlags(fs)
	fs.StringVar(&o.Mode, "mode", o.Mode, "standalone (local PKI, admin kubeconfig, no kube-apiserver), aggregated (delegated "+
		"authentication and authorization through the kube-apiserver of --kubeconfig or the in-cluster configuration), "+
		"or auto: aggregated when such a kube-apiserver is configured, standalone otherwise.")
	fs.StringVar(&o.LocalDir, "local-dir", o.LocalDir, "Directory of standalone mode's CA, certificates and admin kubeconfig (<local-dir>/kubeconfig).")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "Data directory of the embedded etcd, used when --etcd-servers is empty. Defaults to <local-dir>/data.")
	fs.Int64Var(&o.EmbeddedEtcdQuotaBytes, "embedded-etcd-quota-backend-bytes", o.EmbeddedEtcdQuotaBytes,
		"Space quota of the embedded etcd's database; when reached, etcd raises its NOSPACE alarm and refuses writes (see docs/operations.md). 0: etcd's default, 2 GiB.")
	fs.StringToStringVar(&o.StorageVersions, "storage-versions", o.StorageVersions,
		"Version each API group is written to etcd in, as group=version pairs. Every served version is read from the same data. "+
			"Defaults: "+strings.Join(defaultStorageVersionPairs(), ","))
	o.StorageMigration.AddFlags(fs)
	// k8s.io/apiserver compares each watch cache with etcd this often and
	// counts mismatches in apiserver_storage_consistency_checks_total; a
	// short period lets a test see the checks within its run.
	fs.DurationVar(&consistency.CheckPeriod, "watch-cache-consistency-check-period", consistency.CheckPeriod,
		"How often each watch cache is compared with etcd (apiserver_storage_consistency_checks_total{status=\"failure\"} counts mismatches).")
}

func defaultStorageVersionPairs() []string {
	var pairs []string
	for _, g := range apiserver.Groups {
		pairs = append(pairs, g.Name+"="+g.DefaultStorageVersion)
	}
	return pairs
}

// Complete decides the run mode and fills in the defaults that depend on it.
func (o *Options) Complete() error {
	o.mode = o.Mode
	if o.mode == ModeAuto {
		o.mode = ModeStandalone
		if o.kubeconfigPath() != "" || os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
			o.mode = ModeAggregated
		}
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(o.LocalDir, "data")
	}
	o.embeddedEtcd = len(o.RecommendedOptions.Etcd.StorageConfig.Transport.ServerList) == 0
	for _, g := range apiserver.Groups {
		if _, set := o.StorageVersions[g.Name]; !set {
			o.StorageVersions[g.Name] = g.DefaultStorageVersion
		}
	}
	if o.mode == ModeAggregated {
		// --kubeconfig names the cluster for delegated authn/authz too.
		if path := o.kubeconfigPath(); path != "" {
			if o.RecommendedOptions.Authentication.RemoteKubeConfigFile == "" {
				o.RecommendedOptions.Authentication.RemoteKubeConfigFile = path
			}
			if o.RecommendedOptions.Authorization.RemoteKubeConfigFile == "" {
				o.RecommendedOptions.Authorization.RemoteKubeConfigFile = path
			}
		}
	}
	return nil
}

// validateEtcdOverrides: an override names a served group, and a resource
// of it or *; the embedded etcd is one cluster and takes none.
func (o *Options) validateEtcdOverrides(knownGroups sets.Set[string]) []error {
	const flag = "--etcd-servers-overrides"
	values := o.RecommendedOptions.Etcd.EtcdServersOverrides
	if len(values) == 0 {
		return nil
	}
	if o.embeddedEtcd {
		return []error{fmt.Errorf("%s needs --etcd-servers: the embedded etcd is one cluster", flag)}
	}
	overrides, err := genericoptions.ParseEtcdServersOverrides(values)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", flag, err)}
	}
	var errs []error
	for _, override := range overrides {
		gr := override.GroupResource
		switch {
		case !knownGroups.Has(gr.Group):
			errs = append(errs, fmt.Errorf("%s: unknown group %q (served: %s)", flag, gr.Group, strings.Join(sets.List(knownGroups), ", ")))
		case gr.Resource != "*" && !servesResource(gr):
			errs = append(errs, fmt.Errorf("%s: %s has no resource %q", flag, gr.Group, gr.Resource))
		}
	}
	return errs
}

func servesResource(gr schema.GroupResource) bool {
	for _, g := range apiserver.Groups {
		if _, ok := g.Resources()[gr.Resource]; ok && g.Name == gr.Group {
			return true
		}
	}
	return false
}

func (o *Options) kubeconfigPath() string {
	if o.RecommendedOptions.CoreAPI == nil {
		return ""
	}
	return o.RecommendedOptions.CoreAPI.CoreAPIKubeconfigPath
}

// Validate reports every invalid option at once.
func (o *Options) Validate() error {
	recommended := *o.RecommendedOptions
	if o.embeddedEtcd {
		// No --etcd-servers is how the embedded etcd is asked for.
		recommended.Etcd = nil
	}
	errs := recommended.Validate()
	errs = append(errs, o.ServerRun.Validate()...)
	errs = append(errs, o.ComponentGlobalsRegistry.Validate()...)
	errs = append(errs, o.StorageMigration.Validate()...)
	if o.EmbeddedEtcdQuotaBytes < 0 {
		errs = append(errs, fmt.Errorf("--embedded-etcd-quota-backend-bytes must not be negative"))
	}
	if ss := o.RecommendedOptions.SecureServing; ss.BindPort == 0 && ss.Listener == nil {
		errs = append(errs, fmt.Errorf("--secure-port must not be 0: the server serves HTTPS only"))
	}
	switch o.Mode {
	case ModeAuto, ModeStandalone, ModeAggregated:
	default:
		errs = append(errs, fmt.Errorf("--mode must be auto, standalone or aggregated, not %q", o.Mode))
	}
	knownGroups := sets.New[string]()
	for _, g := range apiserver.Groups {
		knownGroups.Insert(g.Name)
	}
	errs = append(errs, o.validateEtcdOverrides(knownGroups)...)
	groups := sets.List(sets.KeySet(o.StorageVersions))
	sort.Strings(groups)
	for _, group := range groups {
		version := o.StorageVersions[group]
		if !knownGroups.Has(group) {
			errs = append(errs, fmt.Errorf("--storage-versions: unknown group %q (served: %s)", group, strings.Join(sets.List(knownGroups), ", ")))
			continue
		}
		if served := apiserver.ServedVersions(group); !sets.New(served...).Has(version) {
			errs = append(errs, fmt.Errorf("--storage-versions: %s is not served in version %q (served: %s)", group, version, strings.Join(served, ", ")))
		}
	}
	return utilerrors.NewAggregate(errs)
}
