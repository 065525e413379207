package embedded

import (
	"context"
	"net"
	"net/url"
	"path/filepath"
	"testing"
)

// TestStartEtcdPicksOtherPortsWhenOneIsTaken: a port found free and taken
// by someone else before etcd binds it (the race of picking ports for a
// listener opened later) costs a retry on other ports, not a failed start.
func TestStartEtcdPicksOtherPortsWhenOneIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	picks := 0
	pickLoopbackURL = func(scheme string) (*url.URL, error) {
		picks++
		if picks == 1 {
			return &url.URL{Scheme: scheme, Host: taken.Addr().String()}, nil
		}
		return freeLoopbackURL(scheme)
	}
	defer func() { pickLoopbackURL = freeLoopbackURL }()

	dir := t.TempDir()
	pki := LocalPKI{Dir: filepath.Join(dir, "pki")}
	if _, err := pki.Ensure(nil, nil); err != nil {
		t.Fatal(err)
	}
	etcd, err := StartEtcd(context.Background(), EtcdConfig{DataDir: filepath.Join(dir, "data"),
		CertFile: pki.File("etcd-server", ".crt"), KeyFile: pki.File("etcd-server", ".key"), TrustedCAFile: pki.CAFile()})
	if err != nil {
		t.Fatalf("etcd did not start past a taken port: %v", err)
	}
	defer etcd.Stop()
	if picks < 4 || etcd.ClientURL == "https://"+taken.Addr().String() {
		t.Errorf("picked %d URLs, serving on %s; want a second pair of ports", picks, etcd.ClientURL)
	}
}
