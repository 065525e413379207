// Command local-cluster writes the serving certificates of a deployment and
// runs the local control plane of the demo and the e2e tests.
//
//	local-cluster certs [--out artifacts/deploy/generated]
//	local-cluster up    [--dir .local/demo]
//	local-cluster down  [--dir .local/demo]
//	local-cluster ha-up [--dir .local/ha]   3 etcd members, 2 server replicas
//	local-cluster ha-down [--dir .local/ha]
//	local-cluster ha-restore --snapshot FILE [--dir .local/ha]   restore the HA etcd, revision bumped
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/example/extension-apiserver/internal/localcluster"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dir := fs.String("dir", "", "state directory of the local cluster (default .local/demo; for ha-up and ha-down .local/ha)")
	binDir := fs.String("bin-dir", "_output/bin", "directory with etcd, kube-apiserver and extension-apiserver")
	deployDir := fs.String("deploy-dir", "artifacts/deploy", "the deployment manifests")
	out := fs.String("out", "artifacts/deploy/generated", "where certs writes the serving certificate, the caBundle patch and etcd's certificates")
	namespace := fs.String("namespace", localcluster.ServiceNamespace, "namespace of the Service (certs)")
	service := fs.String("service", localcluster.ServiceName, "name of the Service (certs)")
	snapshot := fs.String("snapshot", "", "the etcd snapshot ha-restore restores (make backup ARGS=\"--ha .local/ha\" writes one)")
	separate := fs.String("separate-groups", "", "ha-up: comma-separated API groups each put on a 3-member etcd cluster of its own (wardle.example.com)")
	group := fs.String("group", "", "ha-restore: restore the etcd cluster of this separate group instead of the main one")
	_ = fs.Parse(os.Args[2:])
	if *dir == "" {
		*dir = ".local/demo"
		if strings.HasPrefix(os.Args[1], "ha-") {
			*dir = ".local/ha"
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "certs":
		err = localcluster.WriteServingCerts(*out, *namespace, *service)
		if err == nil {
			err = localcluster.WriteEtcdCerts(*out, *namespace)
		}
		if err == nil {
			fmt.Printf("wrote %s/serving.crt, serving.key (for %s.%s.svc), apiservice-cabundle.yaml and etcd's mutual TLS (etcd-ca, etcd-server, etcd-client)\n",
				*out, *service, *namespace)
		}
	case "up":
		var c *localcluster.Cluster
		c, err = localcluster.Up(ctx, localcluster.Config{Dir: *dir, BinDir: *binDir, DeployDir: *deployDir,
			Log: func(format string, args ...any) { fmt.Printf(">> "+format+"\n", args...) }})
		if err == nil {
			fmt.Printf("admin kubeconfig: %s\n", c.AdminKubeconfig())
		}
	case "down":
		err = localcluster.Down(*dir)
	case "ha-down":
		err = localcluster.HADown(*dir)
	case "ha-up":
		o := localcluster.HAOptions{}
		if *separate != "" {
			o.SeparateGroups = strings.Split(*separate, ",")
		}
		_, err = localcluster.HAUpWith(ctx, *dir, *binDir, func(format string, args ...any) { fmt.Printf(">> "+format+"\n", args...) }, o)
	case "ha-restore":
		err = haRestore(ctx, *dir, *snapshot, *group)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "local-cluster %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func haRestore(ctx context.Context, dir, snapshot, group string) error {
	if snapshot == "" {
		return fmt.Errorf("--snapshot is required")
	}
	h, err := localcluster.LoadHA(dir)
	if err != nil {
		return err
	}
	members, err := h.Cluster(group)
	if err != nil {
		return err
	}
	fmt.Printf(">> restoring %s into the 3 members of the %s cluster, revision bumped by %d; the replicas are stopped meanwhile\n",
		snapshot, map[bool]string{true: "main", false: group}[group == ""], localcluster.DefaultBumpRevision)
	if err := h.RestoreCluster(ctx, members, snapshot, localcluster.DefaultBumpRevision); err != nil {
		return err
	}
	fmt.Println(">> restored; both replicas are ready")
	return nil
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: local-cluster certs|up|down|ha-up|ha-down|ha-restore [flags]")
	os.Exit(2)
}
