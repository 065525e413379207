package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"github.com/example/extension-apiserver/internal/bench"
	"github.com/example/extension-apiserver/pkg/pki"
)

// The overload run's users. The controller is the CronTab controller's
// service account, which artifacts/deploy's FlowSchemas protect.
var overloadUsers = map[string]string{
	"storm": "overload-storm-user", "flood": "overload-flood-user", "quiet": "overload-quiet-user",
	"controller": "system:serviceaccount:extension-apiserver:crontab-controller",
}

// runOverload runs the storms against this server and the CRD on one local
// cluster, with artifacts/deploy's priority and fairness, and writes
// overload.json.
func runOverload(ctx context.Context, o bench.OverloadOptions, rc runConfig) error {
	start := time.Now()
	c, down, err := upCluster(ctx, rc, "apiserver-bench-overload-")
	if err != nil {
		return err
	}
	defer down()
	servers, err := bench.ScaleServers(ctx, c, rc.binDir, 0)
	if err != nil {
		return err
	}
	// This server read in JSON, and the CRD.
	servers = []bench.ScaleServer{servers[0], servers[1]}
	servers[0].Clients = servers[0].Clients[:1]
	if rc.only != "" {
		servers = slices.DeleteFunc(servers, func(s bench.ScaleServer) bool {
			return !slices.Contains(strings.Split(rc.only, ","), s.Clients[0].Scenario)
		})
	}
	args := []string{"create", "clusterrolebinding", "overload-users", "--clusterrole=cluster-admin"}
	for _, user := range overloadUsers {
		args = append(args, "--user="+user)
	}
	if _, err := c.Kubectl(ctx, args...); err != nil {
		return err
	}
	ca, err := pki.Load(c.CertsDir(), "ca")
	if err != nil {
		return err
	}
	identity := func(role string) func(*rest.Config) *rest.Config {
		var groups []string
		if role == "controller" {
			// As a service account's token authenticates: the CRD's
			// requests then fall in the built-in service-accounts schema.
			groups = []string{"system:serviceaccounts", "system:serviceaccounts:extension-apiserver"}
		}
		kp, err := ca.IssueClient(overloadUsers[role], groups...)
		if err != nil {
			panic(fmt.Sprintf("issuing a client certificate: %v", err))
		}
		key, err := kp.KeyPEM()
		if err != nil {
			panic(fmt.Sprintf("encoding a client key: %v", err))
		}
		return func(base *rest.Config) *rest.Config {
			config := rest.CopyConfig(base)
			config.CertFile, config.KeyFile = "", ""
			config.CertData, config.KeyData = kp.CertPEM(), key
			return config
		}
	}
	ids := bench.Identities{Storm: identity("storm"), Flood: identity("flood"), Quiet: identity("quiet"), Controller: identity("controller"),
		// artifacts/deploy's level for this server; for the CRD, the
		// built-in service-accounts schema's.
		ControllerLevel: map[string]string{"ours": "extension-apiserver-controllers", "crd": "workload-low"}}
	jsonPath := filepath.Join(rc.out, "overload.json")
	points, err := bench.RunOverload(ctx, servers, c.PID, ids, o, logf, func(points []bench.ScalePoint) error {
		return bench.WriteJSON(jsonPath, points)
	})
	if err != nil {
		return err
	}
	bench.WriteOverloadMarkdown(os.Stdout, points, o)
	fmt.Printf("\nwrote %s; the run took %s\n", jsonPath, time.Since(start).Round(time.Second))
	return nil
}
