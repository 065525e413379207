package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/healthz"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	serverstorage "k8s.io/apiserver/pkg/server/storage"

	"github.com/example/extension-apiserver/pkg/apiserver"
	"github.com/example/extension-apiserver/pkg/registry"
)

// Config turns completed, validated options into the server configuration.
func (o *Options) Config() (*apiserver.Config, error) {
	serverConfig := genericapiserver.NewRecommendedConfig(apiserver.Codecs)

	namer := openapi.NewDefinitionNamer(apiserver.Scheme)
	serverConfig.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(apiserver.OpenAPIDefinitions, namer)
	serverConfig.OpenAPIConfig.Info.Title = apiserver.Name
	serverConfig.OpenAPIConfig.Info.Version = "v1"
	serverConfig.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(apiserver.OpenAPIDefinitions, namer)
	serverConfig.OpenAPIV3Config.Info.Title = apiserver.Name
	serverConfig.OpenAPIV3Config.Info.Version = "v1"

	if err := o.ServerRun.DefaultAdvertiseAddress(o.RecommendedOptions.SecureServing.SecureServingOptions); err != nil {
		return nil, err
	}
	if err := o.ServerRun.ApplyTo(&serverConfig.Config); err != nil {
		return nil, err
	}

	// etcd is applied below through a storage factory that knows each
	// group's storage version; the recommended path has only one codec.
	recommended := *o.RecommendedOptions
	recommended.Etcd = nil
	if o.mode == ModeStandalone {
		recommended.Admission = nil // built below without the core API
	}
	cluster := o.clusterAuthentication()
	clientCA, err := o.pinClientCA(cluster)
	if err != nil {
		return nil, err
	}
	if err := recommended.ApplyTo(serverConfig); err != nil {
		return nil, err
	}
	if serverConfig.SecureServing != nil && serverConfig.SecureServing.Listener != nil {
		serverConfig.SecureServing.Listener = countingListener{serverConfig.SecureServing.Listener}
	}
	if err := primeRequestHeaderCA(serverConfig, clientCA, cluster); err != nil {
		return nil, err
	}
	if o.mode == ModeStandalone {
		if err := o.applyStandaloneAdmission(serverConfig); err != nil {
			return nil, err
		}
	}
	factory, err := o.storageFactory(serverConfig)
	if err != nil {
		return nil, err
	}
	if err := o.RecommendedOptions.Etcd.ApplyWithStorageFactoryTo(factory, &serverConfig.Config); err != nil {
		return nil, err
	}
	if err := o.watchEtcdAlarms(serverConfig); err != nil {
		return nil, err
	}

	// An etcd outage makes the server unready, not dead: restarting it
	// would not bring etcd back, so etcd is not a liveness check.
	serverConfig.LivezChecks = slices.DeleteFunc(serverConfig.LivezChecks, func(c healthz.HealthChecker) bool {
		return strings.HasPrefix(c.Name(), "etcd")
	})

	subresources := &apiserver.Subresources{}
	serverConfig.BuildHandlerChainFunc = func(apiHandler http.Handler, c *genericapiserver.Config) http.Handler {
		return genericapiserver.DefaultBuildHandlerChain(withProtocolCount(apiserver.WithDeprecationWarnings(apiserver.WithSubresourceMethods(apiHandler, subresources))), c)
	}
	serverConfig.Authentication.Authenticator = anonymousOnlyForHealthChecks(fastCertificateAuthentication(serverConfig, clientCA))
	return &apiserver.Config{GenericConfig: serverConfig, Subresources: subresources}, nil
}

// storageFactory stores each resource in its group's storage version under
// <etcd-prefix>/<group>/<resource>, and reads it back with the metadata that
// repeats across objects shared (registry.InternMetadataDecoders).
func (o *Options) storageFactory(serverConfig *genericapiserver.RecommendedConfig) (*serverstorage.DefaultStorageFactory, error) {
	storageConfig := o.RecommendedOptions.Etcd.StorageConfig
	storageConfig.StorageObjectCountTracker = serverConfig.StorageObjectCountTracker

	encoding := serverstorage.NewDefaultResourceEncodingConfigForEffectiveVersion(apiserver.Scheme, serverConfig.EffectiveVersion)
	resourceConfig := serverstorage.NewResourceConfig()
	prefixes := map[schema.GroupResource]string{}
	var groupResources []schema.GroupResource
	for _, g := range apiserver.Groups {
		storageVersion := schema.GroupVersion{Group: g.Name, Version: o.StorageVersions[g.Name]}
		if storageVersion.Version == "" {
			return nil, fmt.Errorf("no storage version for %s", g.Name)
		}
		for _, version := range apiserver.ServedVersions(g.Name) {
			resourceConfig.EnableVersions(schema.GroupVersion{Group: g.Name, Version: version})
		}
		for resource := range g.Resources() {
			gr := schema.GroupResource{Group: g.Name, Resource: resource}
			encoding.SetResourceEncoding(gr, storageVersion, schema.GroupVersion{Group: g.Name, Version: runtime.APIVersionInternal})
			prefixes[gr] = g.Name + "/" + resource
			groupResources = append(groupResources, gr)
		}
	}
	factory := serverstorage.NewDefaultStorageFactory(storageConfig, o.RecommendedOptions.Etcd.DefaultStorageMediaType,
		apiserver.Codecs, encoding, resourceConfig, prefixes)
	factory.AddSerializationChains(nil, registry.InternMetadataDecoders, groupResources...)
	// --etcd-servers-overrides puts a group (group/*) or one resource on
	// etcd clusters of its own; only a storage factory honours it, so a
	// server built on the recommended path alone ignores the flag.
	overrides, err := genericoptions.ParseEtcdServersOverrides(o.RecommendedOptions.Etcd.EtcdServersOverrides)
	if err != nil {
		return nil, err
	}
	for _, override := range overrides {
		factory.SetEtcdLocation(override.GroupResource, override.Servers)
	}
	return factory, nil
}
