package apiserver

import (
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/deprecation"
	"k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/component-base/version"
)

// DeprecationWarnings returns the warning of every deprecated resource, by
// group, version and resource, as k8s.io/apiserver words it from the
// generated API lifecycle of the kind (+k8s:prerelease-lifecycle-gen tags).
func DeprecationWarnings() map[schema.GroupVersionResource]string {
	major, minor, err := deprecation.MajorMinor(version.Get())
	if err != nil {
		// A build without version -ldflags has none: 0.0 makes every kind
		// with a deprecation release deprecated, as k8s.io/apiserver's own
		// endpoints then treat it.
		major, minor = 0, 0
	}
	warnings := map[schema.GroupVersionResource]string{}
	forEachServedKind(func(g Group, gvk schema.GroupVersionKind, obj runtime.Object) {
		if !deprecation.IsDeprecated(obj, major, minor) {
			return
		}
		obj.GetObjectKind().SetGroupVersionKind(gvk)
		plural, _ := meta.UnsafeGuessKindToResource(gvk)
		if _, served := g.Resources()[plural.Resource]; served {
			warnings[plural] = deprecation.WarningMessage(obj)
		}
	})
	return warnings
}

// WithDeprecationWarnings adds the deprecation warning to every request to a
// deprecated version of a resource. k8s.io/apiserver warns on the endpoints
// that serve the deprecated type itself; a subresource serving another type
// (/scale serves autoscaling/v1 Scale) would otherwise go without one. The
// request's warning recorder drops the duplicate where both warn.
func WithDeprecationWarnings(handler http.Handler) http.Handler {
	warnings := DeprecationWarnings()
	if len(warnings) == 0 {
		return handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if info, ok := request.RequestInfoFrom(req.Context()); ok && info.IsResourceRequest {
			gvr := schema.GroupVersionResource{Group: info.APIGroup, Version: info.APIVersion, Resource: info.Resource}
			if msg, deprecated := warnings[gvr]; deprecated {
				warning.AddWarning(req.Context(), "", msg)
			}
		}
		handler.ServeHTTP(w, req)
	})
}
