// Command crontab-controller keeps the status of CronTabs in line with
// their spec and removes their cleanup finalizer after the cleanup ran.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/example/extension-apiserver/pkg/controller/crontab"
)

func main() {
	klog.InitFlags(nil)
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the API server (a kube-apiserver, or the standalone server's .local/kubeconfig); empty for in-cluster")
	opts := crontab.Options{}
	flag.IntVar(&opts.Workers, "workers", 2, "CronTabs reconciled in parallel")
	flag.StringVar(&opts.LeaderElect, "leader-elect", "auto", "leader election through a coordination.k8s.io Lease: true, false, or auto (on when the API server has that API)")
	flag.StringVar(&opts.LeaderElectNamespace, "leader-elect-namespace", "extension-apiserver", "namespace of the Lease")
	flag.StringVar(&opts.LeaderElectName, "leader-elect-name", "crontab-controller", "name of the Lease")
	flag.DurationVar(&opts.Resync, "resync", 10*time.Minute, "how often every CronTab is reconciled even without a change")
	flag.Parse()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crontab-controller: %v\n", err)
		os.Exit(1)
	}
	opts.Config = config
	switch opts.LeaderElect {
	case "auto", "true", "false":
	default:
		fmt.Fprintf(os.Stderr, "crontab-controller: --leader-elect must be auto, true or false\n")
		os.Exit(2)
	}
	// SIGTERM or SIGINT cancels the context: workers finish their items,
	// the Lease is released, then the process exits.
	if err := crontab.Run(genericapiserver.SetupSignalContext(), opts); err != nil {
		fmt.Fprintf(os.Stderr, "crontab-controller: %v\n", err)
		os.Exit(1)
	}
}
