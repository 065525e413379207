package server

import (
	"fmt"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"

	"github.com/example/extension-apiserver/pkg/etcdalarm"
)

// StoragezPath serves the checks of the server's etcd clusters that must
// not fail /readyz: with a NOSPACE alarm raised the server still reads,
// watches and deletes, so it stays ready, and this endpoint says why writes
// fail and to which cluster.
const StoragezPath = "/storagez"

// etcdAlarmPollInterval bounds how long a cleared alarm stays reported.
const etcdAlarmPollInterval = 5 * time.Second

// watchEtcdAlarms makes every resource's storage report etcd's NOSPACE
// alarm as a 507 Status, watched by a monitor of each etcd cluster the
// storage uses: "main" for --etcd-servers, "override-<n>" for the n-th
// server list of --etcd-servers-overrides (as its readiness check is named).
func (o *Options) watchEtcdAlarms(serverConfig *genericapiserver.RecommendedConfig) error {
	main := o.RecommendedOptions.Etcd.StorageConfig.Transport
	overrides, err := genericoptions.ParseEtcdServersOverrides(o.RecommendedOptions.Etcd.EtcdServersOverrides)
	if err != nil {
		return err
	}
	o.etcdAlarms = etcdalarm.NewMonitors()
	var clients []*clientv3.Client
	watch := func(cluster string, servers []string) error {
		if o.etcdAlarms.Has(servers) {
			return nil
		}
		transport := main
		transport.ServerList = servers
		client, err := etcdClient(transport)
		if err != nil {
			return fmt.Errorf("etcd alarms of cluster %s: %w", cluster, err)
		}
		clients = append(clients, client)
		o.etcdAlarms.Add(servers, etcdalarm.NewMonitor(cluster, client, etcdAlarmPollInterval))
		return nil
	}
	if err := watch("main", main.ServerList); err != nil {
		return err
	}
	// Numbered as k8s.io/apiserver numbers their readiness checks: by
	// distinct server list, in the order of the flag.
	overrideLists := map[string]bool{}
	for _, override := range overrides {
		list := strings.Join(slices.Sorted(slices.Values(override.Servers)), ";")
		if overrideLists[list] {
			continue
		}
		cluster := fmt.Sprintf("override-%d", len(overrideLists))
		overrideLists[list] = true
		if err := watch(cluster, override.Servers); err != nil {
			return err
		}
	}
	serverConfig.RESTOptionsGetter = etcdalarm.RESTOptionsGetter(serverConfig.RESTOptionsGetter, o.etcdAlarms)
	serverConfig.AddPostStartHookOrDie("etcd-alarms", func(ctx genericapiserver.PostStartHookContext) error {
		go func() {
			defer func() {
				for _, client := range clients {
					_ = client.Close()
				}
			}()
			o.etcdAlarms.Run(ctx)
		}()
		return nil
	})
	return nil
}

// installEtcdAlarms serves the alarm check at StoragezPath.
func (o *Options) installEtcdAlarms(server *genericapiserver.GenericAPIServer) {
	server.Handler.NonGoRestfulMux.Handle(StoragezPath, o.etcdAlarms)
}
