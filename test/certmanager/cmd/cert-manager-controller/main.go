// Command cert-manager-controller runs cert-manager's own controllers for
// SelfSigned and CA issuers, the ones artifacts/deploy/cert-manager uses,
// against a cluster. cert-manager's release main packages are nested modules
// the Go module proxy does not serve, so this thin main starts the
// controllers its library registers, as cert-manager's does, for the e2e
// test of the overlay (test/e2e/certmanager_test.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/klog/v2"

	"github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	crca "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	crselfsigned "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	"github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	"github.com/cert-manager/cert-manager/pkg/controller/issuers"
	logf "github.com/cert-manager/cert-manager/pkg/logs"

	// The issuer types an Issuer's readiness is checked with.
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// controllers is what a Certificate needs from request to Secret with
// SelfSigned and CA issuers: issuer readiness, approval of its requests,
// their signing, and the certificate life cycle.
var controllers = []string{
	issuers.ControllerName,
	clusterissuers.ControllerName,
	approver.ControllerName,
	crca.CRControllerName,
	crselfsigned.CRControllerName,
	trigger.ControllerName,
	keymanager.ControllerName,
	requestmanager.ControllerName,
	issuing.ControllerName,
	readiness.ControllerName,
	revisionmanager.ControllerName,
}

func main() {
	klog.InitFlags(nil)
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster (default: in-cluster)")
	clusterResourceNamespace := flag.String("cluster-resource-namespace", "kube-system", "namespace of the Secrets of ClusterIssuers")
	flag.Parse()
	logf.InitLogs()
	defer logf.FlushLogs()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(logf.NewContext(ctx, logf.Log, "controller"), *kubeconfig, *clusterResourceNamespace); err != nil {
		klog.ErrorS(err, "cert-manager-controller stopped")
		logf.FlushLogs()
		os.Exit(1)
	}
}

func run(ctx context.Context, kubeconfig, clusterResourceNamespace string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// cert-manager's defaults for these options.
	factory, err := controller.NewContextFactory(ctx, controller.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions: controller.IssuerOptions{
			ClusterResourceNamespace:        clusterResourceNamespace,
			ClusterIssuerAmbientCredentials: true,
		},
		CertificateOptions: controller.CertificateOptions{
			CopiedAnnotationPrefixes:                 []string{"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/"},
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
	})
	if err != nil {
		return err
	}
	shared, err := factory.Build()
	if err != nil {
		return err
	}
	// Every controller registers its informers when built, so all are built
	// before the informer factories start.
	var built []controller.Interface
	for _, name := range controllers {
		newController, ok := controller.Known()[name]
		if !ok {
			return fmt.Errorf("cert-manager has no controller %q", name)
		}
		c, err := newController(factory)
		if err != nil {
			return fmt.Errorf("controller %q: %w", name, err)
		}
		built = append(built, c)
	}
	shared.SharedInformerFactory.Start(ctx.Done())
	shared.KubeSharedInformerFactory.Start(ctx.Done())

	stopped := make(chan error, len(built))
	for i, c := range built {
		go func() {
			klog.InfoS("starting", "controller", controllers[i])
			if err := c.Run(5, ctx); err != nil {
				stopped <- fmt.Errorf("controller %q: %w", controllers[i], err)
				return
			}
			stopped <- nil
		}()
	}
	var first error
	for range built {
		if err := <-stopped; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	shared.SharedInformerFactory.Shutdown()
	shared.KubeSharedInformerFactory.Shutdown()
	return first
}
