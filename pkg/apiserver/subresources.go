package apiserver

import (
	"net/http"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/apiserver/pkg/endpoints/request"
)

// subresourceVerbs are the verbs every served subresource (status, scale)
// takes.
var subresourceVerbs = sets.New("get", "update", "patch")

// Subresources are the served subresources, by "<resource>/<subresource>"
// and group; New fills them in.
type Subresources struct {
	mu     sync.RWMutex
	served map[schema.GroupResource]bool
}

func (s *Subresources) add(group, path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.served == nil {
		s.served = map[schema.GroupResource]bool{}
	}
	s.served[schema.GroupResource{Group: group, Resource: path}] = true
}

func (s *Subresources) has(group, resource, subresource string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.served[schema.GroupResource{Group: group, Resource: resource + "/" + subresource}]
}

// WithSubresourceMethods answers a request with another verb than get,
// update or patch to a served subresource with the 405 kube-apiserver gives
// for a CRD's, which names the group and resource; the route table of
// k8s.io/apiserver would answer a 405 without them.
func WithSubresourceMethods(handler http.Handler, subresources *Subresources) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		info, ok := request.RequestInfoFrom(req.Context())
		if ok && info.IsResourceRequest && info.Subresource != "" && !subresourceVerbs.Has(info.Verb) &&
			subresources.has(info.APIGroup, info.Resource, info.Subresource) {
			gv := schema.GroupVersion{Group: info.APIGroup, Version: info.APIVersion}
			responsewriters.ErrorNegotiated(apierrors.NewMethodNotSupported(schema.GroupResource{Group: info.APIGroup, Resource: info.Resource}, info.Verb),
				Codecs, gv, w, req)
			return
		}
		handler.ServeHTTP(w, req)
	})
}
