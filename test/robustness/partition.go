package robustness

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"go.etcd.io/etcd/pkg/v3/proxy"
	"go.uber.org/zap"

	"github.com/example/extension-apiserver/internal/localcluster"
)

// partition puts etcd's fault proxy (the one etcd's own tests use) between
// a replica and every etcd member, so that the replica can be cut off from
// etcd while the other replica and etcd go on.
type partition struct{ proxies []proxy.Server }

// cutOffFromEtcd restarts replica r with its etcd endpoints behind proxies.
func cutOffFromEtcd(t *testing.T, ha *localcluster.HA, r *localcluster.Process) *partition {
	t.Helper()
	p := &partition{}
	var endpoints []string
	for _, m := range ha.Members {
		port, err := localcluster.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		member, err := url.Parse(m.URL)
		if err != nil {
			t.Fatal(err)
		}
		s := proxy.NewServer(proxy.ServerConfig{Logger: zap.NewNop(),
			From: url.URL{Scheme: "tcp", Host: fmt.Sprintf("127.0.0.1:%d", port)}, To: url.URL{Scheme: "tcp", Host: member.Host}})
		select {
		case <-s.Ready():
		case err := <-s.Error():
			t.Fatalf("proxy to %s: %v", m.Name, err)
		}
		// The proxy reports every broken connection on a channel of 16 and
		// stops relaying when nobody reads it.
		go func() {
			for {
				select {
				case <-s.Error():
				case <-s.Done():
					return
				}
			}
		}()
		t.Cleanup(func() {
			// The proxy waits for its connections to end: the replica goes first.
			_ = ha.Kill(r)
			_ = s.Close()
		})
		p.proxies = append(p.proxies, s)
		// TLS passes through the proxy: the replica still checks the
		// member's certificate, which names 127.0.0.1.
		endpoints = append(endpoints, fmt.Sprintf("https://127.0.0.1:%d", port))
	}
	if err := ha.Terminate(r); err != nil {
		t.Fatal(err)
	}
	r.SetFlag("etcd-servers", strings.Join(endpoints, ","))
	if err := ha.Start(r); err != nil {
		t.Fatal(err)
	}
	if err := ha.WaitReady(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return p
}

// cut drops everything between the replica and etcd, both ways; the
// connections stay open, as in a network partition.
func (p *partition) cut() {
	for _, s := range p.proxies {
		s.BlackholeTx()
		s.BlackholeRx()
	}
}

func (p *partition) heal() {
	for _, s := range p.proxies {
		s.UnblackholeTx()
		s.UnblackholeRx()
	}
}
