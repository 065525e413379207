package crontab

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/example/extension-apiserver/pkg/registry"
)

// NewStorage returns the storage of crontabs and of their status, scale and
// schedule subresources, keyed by the path under the resource ("" for the resource).
func NewStorage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (map[string]rest.Storage, error) {
	s, err := registry.NewStorage(scheme, optsGetter, Kind)
	if err != nil {
		return nil, err
	}
	paths := s.Paths()
	paths["scale"] = &ScaleREST{store: s.Main}
	paths["schedule"] = &ScheduleREST{store: s.Main, now: time.Now}
	return paths, nil
}
