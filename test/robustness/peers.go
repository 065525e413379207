package robustness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/testutil"
	"github.com/example/extension-apiserver/pkg/pki"
)

// peerNetwork routes every etcd member's peer traffic through a proxy in
// front of it that knows who is calling, by the peer certificate each
// member gets of its own, so that one member can be cut off from both its
// peers, both ways, while clients still reach it: a network partition on
// one machine's loopback, where addresses cannot tell members apart.
type peerNetwork struct {
	proxies map[*localcluster.Process]*peerProxy

	mu      sync.Mutex
	cut     string        // the member cut off, "" when none
	changed chan struct{} // closed and replaced on every change
}

// routePeersThroughProxies gives each member its own peer certificate and
// a proxy, moves its peer URL to the proxy and restarts it, one at a time.
func routePeersThroughProxies(t *testing.T, ha *localcluster.HA) *peerNetwork {
	t.Helper()
	n := &peerNetwork{proxies: map[*localcluster.Process]*peerProxy{}, changed: make(chan struct{})}
	dir := ha.EtcdTLS.Dir
	ca, err := pki.Load(dir, "etcd-ca")
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	shared, err := tls.LoadX509KeyPair(ha.EtcdTLS.ServerCert(), ha.EtcdTLS.ServerKey())
	if err != nil {
		t.Fatal(err)
	}
	etcd := testutil.EtcdClient(t, ha)
	members, err := etcd.MemberList(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ha.Members {
		own, err := ca.IssueServing(pki.ServingCert{CommonName: m.Name, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, AlsoClient: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := own.Write(dir, "peer-"+m.Name); err != nil {
			t.Fatal(err)
		}
		target := flagValue(m.Args, "listen-peer-urls")
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{shared}, ClientCAs: roots,
			ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		p := &peerProxy{network: n, member: m.Name, listener: ln, target: target[len("https://"):],
			upstream: &tls.Config{Certificates: []tls.Certificate{shared}, RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}}
		n.proxies[m] = p
		go p.serve()
		t.Cleanup(func() { _ = ln.Close() })

		var id uint64
		for _, member := range members.Members {
			if member.Name == m.Name {
				id = member.ID
			}
		}
		proxyURL := "https://" + ln.Addr().String()
		if _, err := etcd.MemberUpdate(context.Background(), id, []string{proxyURL}); err != nil {
			t.Fatalf("moving %s's peer URL to its proxy: %v", m.Name, err)
		}
		certFile, keyFile := pki.Paths(dir, "peer-"+m.Name)
		m.SetFlag("initial-advertise-peer-urls", proxyURL)
		m.SetFlag("peer-cert-file", certFile)
		m.SetFlag("peer-key-file", keyFile)
		if err := ha.Kill(m); err != nil {
			t.Fatal(err)
		}
		if err := ha.Start(m); err != nil {
			t.Fatal(err)
		}
		waitMemberHealthy(t, ha, m)
	}
	return n
}

func waitMemberHealthy(t *testing.T, ha *localcluster.HA, m *localcluster.Process) {
	t.Helper()
	etcd := testutil.EtcdClient(t, ha)
	testutil.WaitForNoError(t, time.Minute, m.Name+" to rejoin", func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		status, err := etcd.Status(ctx, m.URL)
		if err == nil && status.Leader == 0 {
			err = fmt.Errorf("no leader known")
		}
		return err
	})
}

func flagValue(args []string, name string) string {
	prefix := "--" + name + "="
	for _, a := range args {
		if len(a) > len(prefix) && a[:len(prefix)] == prefix {
			return a[len(prefix):]
		}
	}
	return ""
}

// isolate cuts member off from its peers: traffic to and from it stops
// (held, as a partition holds it, not dropped) until heal.
func (n *peerNetwork) isolate(member string) { n.set(member) }

func (n *peerNetwork) heal() { n.set("") }

func (n *peerNetwork) set(cut string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut = cut
	close(n.changed)
	n.changed = make(chan struct{})
}

// blocked tells whether traffic between the two members is cut, and a
// channel closed when that may have changed.
func (n *peerNetwork) blocked(a, b string) (bool, <-chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cut != "" && (n.cut == a || n.cut == b), n.changed
}

// peerProxy stands in front of one member's peer listener.
type peerProxy struct {
	network  *peerNetwork
	member   string
	listener net.Listener
	target   string
	upstream *tls.Config
}

func (p *peerProxy) serve() {
	for {
		conn, err := p.listener.Accept()
		if err != nil {
			return
		}
		go p.relay(conn.(*tls.Conn))
	}
}

func (p *peerProxy) relay(in *tls.Conn) {
	defer in.Close()
	if err := in.Handshake(); err != nil {
		return
	}
	from := in.ConnectionState().PeerCertificates[0].Subject.CommonName
	out, err := tls.Dial("tcp", p.target, p.upstream)
	if err != nil {
		return
	}
	defer out.Close()
	done := make(chan struct{}, 2)
	go func() { p.copy(out, in, from); done <- struct{}{} }()
	go func() { p.copy(in, out, from); done <- struct{}{} }()
	<-done
}

// copy forwards chunks, holding each while the two members are cut apart.
func (p *peerProxy) copy(dst io.Writer, src io.Reader, from string) {
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		for n > 0 {
			blocked, changed := p.network.blocked(from, p.member)
			if !blocked {
				break
			}
			<-changed
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
