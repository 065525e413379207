package server

import (
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apiserver/pkg/registry/generic"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"
	"k8s.io/klog/v2"

	"github.com/example/extension-apiserver/pkg/apiserver"
	"github.com/example/extension-apiserver/pkg/storagemigration"
)

// StorageMigrationOptions configure the built-in storage version migration.
type StorageMigrationOptions struct {
	Automatic bool
	QPS       float64
	LeaseTTL  time.Duration
	Resync    time.Duration
}

func defaultStorageMigrationOptions() StorageMigrationOptions {
	return StorageMigrationOptions{Automatic: true, QPS: 100, LeaseTTL: 15 * time.Second, Resync: 10 * time.Minute}
}

// AddFlags registers the storage migration flags.
func (s *StorageMigrationOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&s.Automatic, "automatic-storage-migration", s.Automatic,
		"Rewrite stored objects in the current --storage-versions and --storage-media-type as soon as every live replica writes them. "+
			"When false, objects are only counted, and a POST to "+storagemigration.Path+" starts a migration.")
	fs.Float64Var(&s.QPS, "storage-migration-qps", s.QPS, "Objects the storage migration rewrites per second at most.")
	fs.DurationVar(&s.LeaseTTL, "storage-migration-lease-duration", s.LeaseTTL,
		"Lease of this replica's record of what it writes, and of its leadership of the migration: how long a crashed replica holds up or leads a migration.")
	fs.DurationVar(&s.Resync, "storage-migration-resync", s.Resync, "How often stored objects are counted again by encoding when nothing changes.")
}

// Validate checks the storage migration flags.
func (s *StorageMigrationOptions) Validate() []error {
	var errs []error
	if s.QPS <= 0 {
		errs = append(errs, fmt.Errorf("--storage-migration-qps must be positive"))
	}
	if s.LeaseTTL < 2*time.Second {
		errs = append(errs, fmt.Errorf("--storage-migration-lease-duration must be at least 2s"))
	}
	if s.Resync < time.Second {
		errs = append(errs, fmt.Errorf("--storage-migration-resync must be at least 1s"))
	}
	return errs
}

// installStorageMigration runs the migrator once the server serves, and
// serves its status and requests at storagemigration.Path.
func (o *Options) installStorageMigration(server *apiserver.Server, optsGetter generic.RESTOptionsGetter) error {
	// The replicas coordinate in the main etcd; a resource that
	// --etcd-servers-overrides stores elsewhere is read through a client of
	// its own cluster.
	clients := etcdClients{main: o.RecommendedOptions.Etcd.StorageConfig.Transport}
	var resources []storagemigration.Resource
	for _, g := range apiserver.Groups {
		target := storagemigration.Encoding{Version: g.Name + "/" + o.StorageVersions[g.Name], MediaType: o.RecommendedOptions.Etcd.DefaultStorageMediaType}
		for resource := range g.Resources() {
			gr := schema.GroupResource{Group: g.Name, Resource: resource}
			store := server.Stores[gr]
			opts, err := optsGetter.GetRESTOptions(gr, store.New())
			if err != nil {
				return fmt.Errorf("storage migration of %s: %w", gr, err)
			}
			client, err := clients.of(opts.StorageConfig.Transport)
			if err != nil {
				clients.close()
				return fmt.Errorf("storage migration of %s: %w", gr, err)
			}
			storagePrefix := strings.TrimSuffix(path.Join("/", opts.StorageConfig.Prefix), "/") + "/"
			root := strings.TrimPrefix(store.KeyRootFunc(context.Background()), "/")
			transformer := opts.StorageConfig.Transformer
			if transformer == nil {
				// What the storage reads with when nothing is encrypted.
				transformer = identity.NewEncryptCheckTransformer()
			}
			resources = append(resources, storagemigration.Resource{
				GroupResource: gr,
				Storage:       store.Storage.Storage,
				NewFunc:       store.New,
				KeyPrefix:     storagePrefix + root + "/",
				StoragePrefix: storagePrefix,
				Transformer:   transformer,
				Target:        target,
				Client:        client,
			})
		}
	}
	client, err := clients.of(clients.main)
	if err != nil {
		clients.close()
		return fmt.Errorf("storage migration: %w", err)
	}
	hostName, _ := os.Hostname()
	migrator, err := storagemigration.New(storagemigration.Config{
		Client:    client,
		Prefix:    o.RecommendedOptions.Etcd.StorageConfig.Prefix,
		Identity:  hostName + "-" + utilrand.String(5),
		Resources: resources,
		Automatic: o.StorageMigration.Automatic,
		QPS:       o.StorageMigration.QPS,
		LeaseTTL:  o.StorageMigration.LeaseTTL,
		Resync:    o.StorageMigration.Resync,
	})
	if err != nil {
		clients.close()
		return err
	}
	server.GenericAPIServer.Handler.NonGoRestfulMux.Handle(storagemigration.Path, migrator.Handler(apiserver.Codecs))
	// Ready only once registered: see Migrator.Registered.
	server.GenericAPIServer.AddPostStartHookOrDie("storage-migration", func(ctx genericapiserver.PostStartHookContext) error {
		go func() {
			defer clients.close()
			migrator.Run(ctx)
		}()
		select {
		case <-migrator.Registered():
		case <-ctx.Done():
		}
		return nil
	})
	return nil
}

// etcdClients opens one client per etcd cluster the resources are stored in.
type etcdClients struct {
	main   storagebackend.TransportConfig
	opened map[string]*clientv3.Client
}

// of is the client of transport's cluster: the main one's for the main
// cluster, which the migrator is given as its coordination client.
func (c *etcdClients) of(t storagebackend.TransportConfig) (*clientv3.Client, error) {
	key := strings.Join(append(slices.Clone(t.ServerList), t.CertFile, t.KeyFile, t.TrustedCAFile), "\x00")
	if client, ok := c.opened[key]; ok {
		return client, nil
	}
	client, err := etcdClient(t)
	if err != nil {
		return nil, err
	}
	if c.opened == nil {
		c.opened = map[string]*clientv3.Client{}
	}
	c.opened[key] = client
	return client, nil
}

func (c *etcdClients) close() {
	for _, client := range c.opened {
		_ = client.Close()
	}
}

// etcdClient connects to etcd as k8s.io/apiserver's storage does: the same
// endpoints, client certificate and keepalive.
func etcdClient(t storagebackend.TransportConfig) (*clientv3.Client, error) {
	config := clientv3.Config{Endpoints: t.ServerList, DialTimeout: 20 * time.Second,
		DialKeepAliveTime: 30 * time.Second, DialKeepAliveTimeout: 10 * time.Second}
	if t.CertFile != "" || t.KeyFile != "" || t.TrustedCAFile != "" {
		tlsConfig, err := transport.TLSInfo{CertFile: t.CertFile, KeyFile: t.KeyFile, TrustedCAFile: t.TrustedCAFile}.ClientConfig()
		if err != nil {
			return nil, err
		}
		config.TLS = tlsConfig
	}
	client, err := clientv3.New(config)
	if err != nil {
		return nil, err
	}
	klog.V(2).InfoS("etcd client", "endpoints", t.ServerList)
	return client, nil
}
