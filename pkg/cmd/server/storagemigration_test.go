package server

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/example/extension-apiserver/pkg/apiserver"
)

// TestEtcdServersOverridesPlaceResources: --etcd-servers-overrides moves a
// group (group/*) or one resource to etcd clusters of its own; the
// others stay on --etcd-servers.
func TestEtcdServersOverridesPlaceResources(t *testing.T) {
	o, err := parsedOptions(t, "--etcd-servers=https://main:2379",
		"--etcd-servers-overrides=wardle.example.com/*#https://wardle-0:2379;https://wardle-1:2379",
		"--etcd-servers-overrides=stable.example.com/crontabclasses#https://classes:2379")
	if err != nil {
		t.Fatal(err)
	}
	serverConfig := genericapiserver.NewRecommendedConfig(apiserver.Codecs)
	serverConfig.EffectiveVersion = o.ComponentGlobalsRegistry.EffectiveVersionFor("kube")
	factory, err := o.storageFactory(serverConfig)
	if err != nil {
		t.Fatal(err)
	}
	for gr, want := range map[schema.GroupResource]string{
		{Group: "stable.example.com", Resource: "crontabs"}:       "https://main:2379",
		{Group: "stable.example.com", Resource: "crontabclasses"}: "https://classes:2379",
		{Group: "wardle.example.com", Resource: "flunders"}:       "https://wardle-0:2379,https://wardle-1:2379",
		{Group: "wardle.example.com", Resource: "fischers"}:       "https://wardle-0:2379,https://wardle-1:2379",
	} {
		config, err := factory.NewConfig(gr, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(config.Transport.ServerList, ","); got != want {
			t.Errorf("%s is stored on %s, want %s", gr, got, want)
		}
	}
}

func TestEtcdServersOverridesAreValidated(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--etcd-servers-overrides=wardle.example.com/*#https://w:2379"}, "needs --etcd-servers"},
		{[]string{"--etcd-servers=https://main:2379", "--etcd-servers-overrides=apps/*#https://w:2379"}, `unknown group "apps"`},
		{[]string{"--etcd-servers=https://main:2379", "--etcd-servers-overrides=wardle.example.com/pods#https://w:2379"}, `has no resource "pods"`},
		{[]string{"--etcd-servers=https://main:2379", "--etcd-servers-overrides=wardle.example.com#https://w:2379"}, "--etcd-servers-overrides"},
	} {
		if _, err := parsedOptions(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error containing %q", c.args, err, c.want)
		}
	}
}
