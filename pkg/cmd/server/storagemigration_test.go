package server

import (
	"strings"
	"testing"

	"k8s.io/apiserver/pkg/storage/storagebackend"
)

func TestSharedTransportTakesTheResourcesEtcd(t *testing.T) {
	main := storagebackend.TransportConfig{ServerList: []string{"https://etcd-0:2379"}, CertFile: "client.crt", KeyFile: "client.key", TrustedCAFile: "ca.crt"}
	got, err := sharedTransport([]storagebackend.TransportConfig{main, main})
	if err != nil || got.CertFile != "client.crt" || got.ServerList[0] != "https://etcd-0:2379" {
		t.Errorf("two resources on one etcd: %+v, %v", got, err)
	}
	other := main
	other.ServerList = []string{"https://etcd-b:2379"}
	if _, err := sharedTransport([]storagebackend.TransportConfig{main, other}); err == nil || !strings.Contains(err.Error(), "different etcd clusters") {
		t.Errorf("resources on two etcd clusters: %v, want a refusal", err)
	}
	if _, err := sharedTransport(nil); err == nil {
		t.Error("no resources: want an error")
	}
}
