package localcluster

import (
	"fmt"
	"net"
	"path/filepath"

	"github.com/example/extension-apiserver/pkg/pki"
)

// EtcdMembers is the etcd StatefulSet's size in artifacts/deploy.
const EtcdMembers = 3

// EtcdClusters are the etcd StatefulSets (and their headless Services) of
// artifacts/deploy: the base's, and the separate-etcd component's.
var EtcdClusters = []string{"etcd", "etcd-wardle"}

// EtcdTLS names the files of etcd's mutual TLS, as WriteEtcdCerts writes
// them in a directory.
type EtcdTLS struct{ Dir string }

// CAFile is the CA both sides trust.
func (e EtcdTLS) CAFile() string { return filepath.Join(e.Dir, "etcd-ca.crt") }

// ServerCert and ServerKey serve clients and authenticate to peers.
func (e EtcdTLS) ServerCert() string { return filepath.Join(e.Dir, "etcd-server.crt") }
func (e EtcdTLS) ServerKey() string  { return filepath.Join(e.Dir, "etcd-server.key") }

// ClientCert and ClientKey are the extension API server's.
func (e EtcdTLS) ClientCert() string { return filepath.Join(e.Dir, "etcd-client.crt") }
func (e EtcdTLS) ClientKey() string  { return filepath.Join(e.Dir, "etcd-client.key") }

// BackupCert and BackupKey are the backup CronJob's (artifacts/deploy/backup):
// a client certificate of its own, so that it can be revoked or audited
// apart from the server's.
func (e EtcdTLS) BackupCert() string { return filepath.Join(e.Dir, "etcd-backup.crt") }
func (e EtcdTLS) BackupKey() string  { return filepath.Join(e.Dir, "etcd-backup.key") }

// WriteEtcdCerts writes etcd's mutual TLS into outDir: a CA of its own (kept
// when it exists), one certificate for every member (client serving and
// peer traffic) named for the pods of every StatefulSet of EtcdClusters
// behind its headless Service in namespace and for loopback, and the client
// certificates of the extension API server and of the backup CronJob.
func WriteEtcdCerts(outDir, namespace string) error {
	ca, _, err := pki.LoadOrCreate(outDir, "etcd-ca", func() (*pki.KeyPair, error) { return pki.NewCA("extension-apiserver-etcd-ca") })
	if err != nil {
		return err
	}
	names := []string{"localhost"}
	for _, cluster := range EtcdClusters {
		names = append(names, cluster, cluster+"."+namespace, cluster+"."+namespace+".svc")
		for i := 0; i < EtcdMembers; i++ {
			pod := fmt.Sprintf("%s-%d.%s", cluster, i, cluster)
			names = append(names, pod, pod+"."+namespace, pod+"."+namespace+".svc", pod+"."+namespace+".svc.cluster.local")
		}
	}
	server, err := ca.IssueServing(pki.ServingCert{CommonName: "etcd", DNSNames: names, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, AlsoClient: true})
	if err != nil {
		return err
	}
	if err := server.Write(outDir, "etcd-server"); err != nil {
		return err
	}
	client, err := ca.IssueClient(ServiceName)
	if err != nil {
		return err
	}
	if err := client.Write(outDir, "etcd-client"); err != nil {
		return err
	}
	backup, err := ca.IssueClient("etcd-backup")
	if err != nil {
		return err
	}
	return backup.Write(outDir, "etcd-backup")
}
