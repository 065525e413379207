package server

import (
	"fmt"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/example/extension-apiserver/pkg/etcdalarm"
)

// StoragezPath serves the checks of the server's etcd that must not fail
// /readyz: with a NOSPACE alarm raised the server still reads, watches and
// deletes, so it stays ready, and this endpoint says why writes fail.
const StoragezPath = "/storagez"

// etcdAlarmPollInterval bounds how long a cleared alarm stays reported.
const etcdAlarmPollInterval = 5 * time.Second

// watchEtcdAlarms makes every resource's storage report etcd's NOSPACE
// alarm as a 507 Status, watched by a monitor of the etcd the storage uses.
func (o *Options) watchEtcdAlarms(serverConfig *genericapiserver.RecommendedConfig) error {
	client, err := etcdClient(o.RecommendedOptions.Etcd.StorageConfig.Transport)
	if err != nil {
		return fmt.Errorf("etcd alarms: %w", err)
	}
	o.etcdAlarms = etcdalarm.NewMonitor(client, etcdAlarmPollInterval)
	serverConfig.RESTOptionsGetter = etcdalarm.RESTOptionsGetter(serverConfig.RESTOptionsGetter, o.etcdAlarms)
	serverConfig.AddPostStartHookOrDie("etcd-alarms", func(ctx genericapiserver.PostStartHookContext) error {
		go func() {
			defer client.Close()
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
