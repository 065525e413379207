package server

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/example/extension-apiserver/pkg/embedded"
)

// NewCommand returns the extension-apiserver command.
func NewCommand(ctx context.Context, o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "extension-apiserver",
		Short: "Serve stable.example.com and wardle.example.com, standalone or behind an APIService",
		Long: "extension-apiserver serves CronTabs, CronTabClasses, Flunders and Fischers from its own etcd. Without --etcd-servers it runs\n" +
			"an embedded etcd; without a kube-apiserver (--kubeconfig or in-cluster) it runs standalone with a local CA\n" +
			"and writes an admin kubeconfig to <local-dir>/kubeconfig.",
		SilenceUsage: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return o.ComponentGlobalsRegistry.Set()
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments: %v", args)
			}
			return o.Run(c.Context())
		},
	}
	cmd.SetContext(ctx)
	o.AddFlags(cmd.Flags())
	o.flags = cmd.Flags()
	return cmd
}

// Run completes and validates the options, starts the embedded etcd when no
// external one is given, and serves until ctx is done.
func (o *Options) Run(ctx context.Context) error {
	if err := o.Complete(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	klog.InfoS("Starting", "mode", o.mode, "embeddedEtcd", o.embeddedEtcd, "storageVersions", o.StorageVersions)

	if o.needsLocalPKI() {
		if err := o.ensureLocalPKI(); err != nil {
			return err
		}
	}
	if o.mode == ModeStandalone {
		o.applyStandalone()
	}
	if o.embeddedEtcd {
		etcd, err := embedded.StartEtcd(ctx, o.embeddedEtcdConfig())
		if err != nil {
			return err
		}
		// Stopped after the server has drained its requests.
		defer etcd.Stop()
		klog.InfoS("Embedded etcd is serving", "url", etcd.ClientURL, "dataDir", o.DataDir)
		o.useEmbeddedEtcd(etcd)
		if err := os.WriteFile(o.EmbeddedEtcdEndpointPath(), []byte(etcd.ClientURL+"\n"), 0o644); err != nil {
			return fmt.Errorf("recording the embedded etcd's endpoint: %w", err)
		}
		defer os.Remove(o.EmbeddedEtcdEndpointPath())
	}

	config, err := o.Config()
	if err != nil {
		return err
	}
	server, err := config.Complete().New()
	if err != nil {
		return err
	}
	server.GenericAPIServer.AddPostStartHookOrDie("start-extension-informers", o.startExtensionInformers)
	if err := o.installStorageMigration(server, config.GenericConfig.RESTOptionsGetter); err != nil {
		return err
	}
	o.installEtcdAlarms(server.GenericAPIServer)
	if o.mode == ModeStandalone {
		serverURL, err := o.writeKubeconfig()
		if err != nil {
			return fmt.Errorf("writing %s: %w", o.KubeconfigPath(), err)
		}
		if o.Out != nil {
			fmt.Fprintf(o.Out, "extension-apiserver starts serving at %s\n  kubeconfig: %s\n  try:        kubectl --kubeconfig %s api-resources --api-group=stable.example.com\n",
				serverURL, o.KubeconfigPath(), o.KubeconfigPath())
		}
	}
	return server.GenericAPIServer.PrepareRun().RunWithContext(ctx)
}
