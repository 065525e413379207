package server

import (
	"net/http"
	"testing"

	"k8s.io/apiserver/pkg/apis/apiserver"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
)

func request(t *testing.T, path string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://127.0.0.1"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestAnonymousOnlyForHealthChecks(t *testing.T) {
	anonymous := authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) {
		return &authenticator.Response{User: &user.DefaultInfo{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}}, true, nil
	})
	alice := authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) {
		return &authenticator.Response{User: &user.DefaultInfo{Name: "alice"}}, true, nil
	})
	for _, tc := range []struct {
		delegate authenticator.Request
		path     string
		want     bool
	}{
		{anonymous, "/healthz", true},
		{anonymous, "/livez", true},
		{anonymous, "/readyz", true},
		{anonymous, "/readyz/etcd", false},
		{anonymous, "/apis/stable.example.com/v1/crontabs", false},
		{anonymous, "/openapi/v3", false},
		{alice, "/apis/stable.example.com/v1/crontabs", true},
	} {
		_, ok, _ := anonymousOnlyForHealthChecks(tc.delegate).AuthenticateRequest(request(t, tc.path))
		if ok != tc.want {
			t.Errorf("%s: authenticated %v, want %v", tc.path, ok, tc.want)
		}
	}
}

// TestLibraryStillIgnoresAnonymousConditions fails once k8s.io/apiserver's
// delegating authentication honours the path conditions of its Anonymous
// option: anonymousOnlyForHealthChecks can then go.
func TestLibraryStillIgnoresAnonymousConditions(t *testing.T) {
	options := genericoptions.NewDelegatingAuthenticationOptions()
	options.RemoteKubeConfigFileOptional = true
	options.SkipInClusterLookup = true
	options.Anonymous = &apiserver.AnonymousAuthConfig{Enabled: true, Conditions: []apiserver.AnonymousAuthCondition{{Path: "/healthz"}}}
	var info genericapiserver.AuthenticationInfo
	if err := options.ApplyTo(&info, nil, nil); err != nil {
		t.Fatal(err)
	}
	resp, ok, _ := info.Authenticator.AuthenticateRequest(request(t, "/apis/stable.example.com/v1/crontabs"))
	if !ok || resp.User.GetName() != user.Anonymous {
		t.Fatalf("the library's authenticator no longer authenticates every path anonymously (ok %v): "+
			"set DelegatingAuthenticationOptions.Anonymous and drop anonymousOnlyForHealthChecks", ok)
	}
}
