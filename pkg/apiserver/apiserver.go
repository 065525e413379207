// Package apiserver assembles the extension API server: the scheme, the
// generic server configuration and the installation of every API group.
package apiserver

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/example/extension-apiserver/pkg/registry"
)

// Name identifies this server in logs and metrics.
const Name = "extension-apiserver"

// Config is the server's configuration before completion.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	// Subresources is filled in by New, for WithSubresourceMethods.
	Subresources *Subresources
}

// CompletedConfig is a Config with every default filled in.
type CompletedConfig struct {
	GenericConfig genericapiserver.CompletedConfig
	Subresources  *Subresources
}

// Server is a running-ready extension API server.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
	// Stores are the etcd-backed stores of the served resources, for the
	// storage migration.
	Stores map[schema.GroupResource]*genericregistry.Store
}

// Complete fills in the defaults of the generic configuration.
func (c *Config) Complete() CompletedConfig {
	return CompletedConfig{GenericConfig: c.GenericConfig.Complete(), Subresources: c.Subresources}
}

// New builds the server and installs every API group.
func (c CompletedConfig) New() (*Server, error) {
	genericServer, err := c.GenericConfig.New(Name, genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	s := &Server{GenericAPIServer: genericServer, Stores: map[schema.GroupResource]*genericregistry.Store{}}

	if c.Subresources == nil {
		c.Subresources = &Subresources{}
	}
	groups, err := apiGroups(c.GenericConfig.RESTOptionsGetter, s.Stores, c.Subresources)
	if err != nil {
		return nil, err
	}
	if err := s.GenericAPIServer.InstallAPIGroups(groups...); err != nil {
		return nil, err
	}
	return s, nil
}

// apiGroups builds one storage per resource and serves it in every version
// of its group, so that all versions read and write the same objects. The
// store of each resource is added to stores, its subresources to
// subresources.
func apiGroups(optsGetter generic.RESTOptionsGetter, stores map[schema.GroupResource]*genericregistry.Store, subresources *Subresources) ([]*genericapiserver.APIGroupInfo, error) {
	var groups []*genericapiserver.APIGroupInfo
	for _, g := range Groups {
		storage := map[string]rest.Storage{}
		for resource, kind := range g.Resources() {
			paths, err := kind.Storage(Scheme, optsGetter)
			if err != nil {
				return nil, fmt.Errorf("%s.%s storage: %w", resource, g.Name, err)
			}
			for sub, s := range paths {
				path := resource
				if sub != "" {
					path += "/" + sub
					subresources.add(g.Name, path)
				}
				storage[path] = s
			}
			main, ok := paths[""].(*registry.REST)
			if !ok {
				return nil, fmt.Errorf("%s.%s: the resource's storage is %T, not a registry store", resource, g.Name, paths[""])
			}
			stores[schema.GroupResource{Group: g.Name, Resource: resource}] = main.Store
		}
		info := genericapiserver.NewDefaultAPIGroupInfo(g.Name, Scheme, ParameterCodec, Codecs)
		for _, version := range ServedVersions(g.Name) {
			info.VersionedResourcesStorageMap[version] = storage
		}
		groups = append(groups, &info)
	}
	return groups, nil
}
