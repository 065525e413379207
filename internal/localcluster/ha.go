package localcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/example/extension-apiserver/pkg/embedded"
)

// HA is the local highly available topology: a 3-member etcd cluster and
// two replicas of the server on one etcd prefix, in standalone
// authentication (one local CA, so one kubeconfig works for both). etcd
// speaks mutual TLS to the replicas and between members, with the
// certificates artifacts/deploy uses (WriteEtcdCerts). Groups named in
// HAOptions.SeparateGroups live on 3-member clusters of their own
// (--etcd-servers-overrides), with the same certificates.
type HA struct {
	Dir      string
	BinDir   string
	Members  []*Process
	Replicas []*Process
	EtcdTLS  EtcdTLS
	// GroupMembers are the members of each separate group's cluster.
	GroupMembers map[string][]*Process `json:",omitempty"`
}

// HAOptions shape the topology.
type HAOptions struct {
	// SeparateGroups are API groups (wardle.example.com) each put on a
	// 3-member etcd cluster of its own.
	SeparateGroups []string
	// ReplicaArgs are extra flags of both server replicas.
	ReplicaArgs []string
}

// EtcdClientConfig reaches the main cluster's members with the server's
// client certificate.
func (h *HA) EtcdClientConfig() (clientv3.Config, error) {
	return h.EtcdClientConfigOf(h.Members)
}

// EtcdClientConfigOf reaches the given members (h.Members, or a group's
// cluster) with the server's client certificate.
func (h *HA) EtcdClientConfigOf(members []*Process) (clientv3.Config, error) {
	tlsConfig, err := transport.TLSInfo{CertFile: h.EtcdTLS.ClientCert(), KeyFile: h.EtcdTLS.ClientKey(), TrustedCAFile: h.EtcdTLS.CAFile()}.ClientConfig()
	if err != nil {
		return clientv3.Config{}, err
	}
	return clientv3.Config{Endpoints: endpoints(members), TLS: tlsConfig, DialTimeout: 5 * time.Second}, nil
}

// Process is one member or replica, restartable with the same flags.
type Process struct {
	Name   string
	Binary string
	Args   []string
	PID    int
	// URL is the etcd client URL or the server's HTTPS URL.
	URL string
	// Kubeconfig is the admin kubeconfig of a server replica.
	Kubeconfig string
}

// EtcdEndpoints are the client URLs of every member of the main cluster.
func (h *HA) EtcdEndpoints() []string { return endpoints(h.Members) }

func endpoints(members []*Process) []string {
	var urls []string
	for _, m := range members {
		urls = append(urls, m.URL)
	}
	return urls
}

// HAUp starts the topology in dir and waits until both replicas are ready.
// replicaArgs are extra flags of both server replicas.
func HAUp(ctx context.Context, dir, binDir string, log func(string, ...any), replicaArgs ...string) (*HA, error) {
	return HAUpWith(ctx, dir, binDir, log, HAOptions{ReplicaArgs: replicaArgs})
}

// HAUpWith starts the topology shaped by o in dir and waits until both
// replicas are ready.
func HAUpWith(ctx context.Context, dir, binDir string, log func(string, ...any), o HAOptions) (h *HA, err error) {
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	if binDir, err = filepath.Abs(binDir); err != nil {
		return nil, err
	}
	if err := markStateDir(dir, TopologyHA); err != nil {
		return nil, err
	}
	h = &HA{Dir: dir, BinDir: binDir}
	defer func() {
		if err != nil {
			_ = stopAll(dir, 10*time.Second)
		}
	}()
	h.EtcdTLS = EtcdTLS{Dir: filepath.Join(dir, "etcd-pki")}
	if err := WriteEtcdCerts(h.EtcdTLS.Dir, ServiceNamespace); err != nil {
		return nil, err
	}
	if h.Members, err = h.startEtcdCluster(ctx, "etcd", "extension-apiserver-ha"); err != nil {
		return nil, err
	}
	log("3-member etcd cluster is ready: %s", strings.Join(h.EtcdEndpoints(), ","))
	overrides := []string{}
	for _, group := range o.SeparateGroups {
		short, _, _ := strings.Cut(group, ".")
		members, err := h.startEtcdCluster(ctx, "etcd-"+short, "extension-apiserver-ha-"+short)
		if err != nil {
			return nil, err
		}
		if h.GroupMembers == nil {
			h.GroupMembers = map[string][]*Process{}
		}
		h.GroupMembers[group] = members
		overrides = append(overrides, group+"/*#"+strings.Join(endpoints(members), ";"))
		log("3-member etcd cluster of %s is ready: %s", group, strings.Join(endpoints(members), ","))
	}

	// One CA for both replicas, copied into each replica's local dir.
	shared := embedded.LocalPKI{Dir: filepath.Join(dir, "pki")}
	if _, err := shared.Ensure(nil, nil); err != nil {
		return nil, err
	}
	for i := 0; i < 2; i++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("replica-%d", i)
		local := filepath.Join(dir, name)
		if err := copyDir(shared.Dir, filepath.Join(local, "pki")); err != nil {
			return nil, err
		}
		r := &Process{Name: name, Binary: filepath.Join(binDir, "extension-apiserver"), URL: fmt.Sprintf("https://127.0.0.1:%d", port),
			Kubeconfig: filepath.Join(local, "kubeconfig"), Args: []string{
				"--mode=standalone", "--local-dir=" + local, "--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
				"--etcd-servers=" + strings.Join(h.EtcdEndpoints(), ","), "--etcd-prefix=/extension-apiserver",
				"--etcd-cafile=" + h.EtcdTLS.CAFile(), "--etcd-certfile=" + h.EtcdTLS.ClientCert(), "--etcd-keyfile=" + h.EtcdTLS.ClientKey(),
			}}
		if len(overrides) > 0 {
			r.Args = append(r.Args, "--etcd-servers-overrides="+strings.Join(overrides, ","))
		}
		r.Args = append(r.Args, o.ReplicaArgs...)
		h.Replicas = append(h.Replicas, r)
		if err := h.Start(r); err != nil {
			return nil, err
		}
	}
	if err := h.waitReplicasReady(ctx); err != nil {
		return nil, err
	}
	log("replicas are ready: %s, %s (kubeconfigs %s, %s)", h.Replicas[0].URL, h.Replicas[1].URL, h.Replicas[0].Kubeconfig, h.Replicas[1].Kubeconfig)
	return h, h.save()
}

// SetFlag sets a --name=value flag of the process for its next start,
// replacing the flag's earlier values.
func (p *Process) SetFlag(name, value string) {
	flag := "--" + name + "="
	args := p.Args[:0]
	for _, a := range p.Args {
		if !strings.HasPrefix(a, flag) {
			args = append(args, a)
		}
	}
	p.Args = append(args, flag+value)
}

// Start (re)starts a member or replica with its flags.
func (h *HA) Start(p *Process) error {
	pid, err := startDetached(h.Dir, p.Name, p.Binary, p.Args...)
	p.PID = pid
	return err
}

// Kill sends SIGKILL and waits until the process is gone.
func (h *HA) Kill(p *Process) error { return killProcess(p.PID) }

// Terminate sends SIGTERM, as a rolling update does, and waits until the
// process is gone (SIGKILL after a minute).
func (h *HA) Terminate(p *Process) error { return stopProcess(p.PID, time.Minute) }

// Pause stops a process with SIGSTOP (a frozen process, not a dead one).
func (h *HA) Pause(p *Process) { _ = syscall.Kill(p.PID, syscall.SIGSTOP) }

// Resume continues a paused process.
func (h *HA) Resume(p *Process) { _ = syscall.Kill(p.PID, syscall.SIGCONT) }

// startEtcdCluster starts a 3-member cluster whose members are named
// <prefix>-<i>, with mutual TLS, and waits until every member is ready.
func (h *HA) startEtcdCluster(ctx context.Context, prefix, token string) ([]*Process, error) {
	var members []*Process
	var initial []string
	for i := 0; i < EtcdMembers; i++ {
		clientPort, err := FreePort()
		if err != nil {
			return nil, err
		}
		peerPort, err := FreePort()
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("%s-%d", prefix, i)
		client, peer := fmt.Sprintf("https://127.0.0.1:%d", clientPort), fmt.Sprintf("https://127.0.0.1:%d", peerPort)
		initial = append(initial, name+"="+peer)
		members = append(members, &Process{Name: name, Binary: filepath.Join(h.BinDir, "etcd"), URL: client, Args: []string{
			"--name=" + name, "--data-dir=" + filepath.Join(h.Dir, name),
			"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
			"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
			"--initial-cluster-token=" + token, "--initial-cluster-state=new", "--log-level=warn",
			// As in artifacts/deploy/base/etcd.yaml.
			"--cert-file=" + h.EtcdTLS.ServerCert(), "--key-file=" + h.EtcdTLS.ServerKey(), "--trusted-ca-file=" + h.EtcdTLS.CAFile(),
			"--client-cert-auth=true",
			"--peer-cert-file=" + h.EtcdTLS.ServerCert(), "--peer-key-file=" + h.EtcdTLS.ServerKey(), "--peer-trusted-ca-file=" + h.EtcdTLS.CAFile(),
			"--peer-client-cert-auth=true",
		}})
	}
	for _, m := range members {
		m.Args = append(m.Args, "--initial-cluster="+strings.Join(initial, ","))
		if err := h.Start(m); err != nil {
			return nil, err
		}
	}
	return members, h.waitMembersReady(ctx, members)
}

// waitMembersReady waits until every member answers /readyz.
func (h *HA) waitMembersReady(ctx context.Context, members []*Process) error {
	etcdClient, err := certClient(h.EtcdTLS.CAFile(), h.EtcdTLS.ClientCert(), h.EtcdTLS.ClientKey())
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := WaitHTTP(ctx, etcdClient, m.URL+"/readyz", time.Minute, m.PID); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return nil
}

// waitReplicasReady waits until every server replica answers /readyz.
func (h *HA) waitReplicasReady(ctx context.Context) error {
	for _, r := range h.Replicas {
		if err := h.WaitReady(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// WaitReady waits until a server replica answers /readyz.
func (h *HA) WaitReady(ctx context.Context, r *Process) error {
	pki := embedded.LocalPKI{Dir: filepath.Join(h.Dir, "pki")}
	client, err := certClient(pki.CAFile(), pki.File("admin", ".crt"), pki.File("admin", ".key"))
	if err != nil {
		return err
	}
	if err := WaitHTTP(ctx, client, r.URL+"/readyz", 2*time.Minute, r.PID); err != nil {
		return fmt.Errorf("%w; the end of its log:\n%s", err, logTail(filepath.Join(h.Dir, "logs", r.Name+".log"), 30))
	}
	return nil
}

// logTail returns the last n lines of a process's log, for an error that
// says why the process did not become ready.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func copyDir(from, to string) error {
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	return exec.Command("cp", "-a", from+"/.", to+"/").Run()
}
