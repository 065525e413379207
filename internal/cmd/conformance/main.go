// Command conformance compares a deployment of this server with
// kube-apiserver: it creates a CronTab CRD of the same shape on the cluster,
// sends the same requests to both in a new namespace, and reports every
// difference that is not listed as intended. It exits 1 when there is one.
//
//	go run ./internal/cmd/conformance --kubeconfig "$KUBECONFIG"
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/conformance"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of a cluster that serves "+conformance.Group+" through an APIService and may create CRDs and namespaces")
	namespace := flag.String("namespace", "conformance-"+utilrand.String(5), "namespace to create, use and delete")
	verbose := flag.Bool("v", false, "print every step's answers, not only the differences")
	flag.Parse()
	if *kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "conformance: no kubeconfig: pass --kubeconfig or set KUBECONFIG (make conformance KUBECONFIG=...)")
		os.Exit(2)
	}
	unintended, err := run(*kubeconfig, *namespace, *verbose)
	if err != nil {
		fmt.Fprintf(os.Stderr, "conformance: %v\n", err)
		os.Exit(2)
	}
	if unintended > 0 {
		os.Exit(1)
	}
}

func run(kubeconfig, namespace string, verbose bool) (int, error) {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fmt.Printf("Comparing %s CronTabs with a CRD of the same shape (%s) on %s, in namespace %s\n",
		conformance.Group, conformance.CRDGroup, config.Host, namespace)
	cleanup, err := conformance.PrepareCluster(ctx, config)
	if cleanup != nil {
		defer func() {
			if err := cleanup(context.WithoutCancel(ctx)); err != nil {
				fmt.Fprintf(os.Stderr, "conformance: deleting the CRD: %v\n", err)
			}
		}()
	}
	if err != nil {
		return 0, err
	}
	results, err := conformance.Run(ctx, config, config, conformance.Aggregated, namespace)
	if err != nil {
		return 0, err
	}
	same, intended, unintended := 0, 0, 0
	for _, r := range results {
		switch {
		case r.Unintended():
			unintended++
			fmt.Printf("DIFFERENT %s (%s %s), -crd +ours:\n%s\n", r.Step.Name, r.Step.Method, r.Step.Path, indent(r.Diff))
		case r.Intended != nil:
			intended++
			fmt.Printf("intended  %s: %s\n", r.Step.Name, r.Intended.Reason)
		default:
			same++
			if verbose {
				fmt.Printf("same      %s: %+v\n", r.Step.Name, r.Ours)
			}
		}
	}
	fmt.Printf("%d requests: %d answered the same, %d intended differences, %d unintended differences\n",
		len(results), same, intended, unintended)
	return unintended, nil
}

func indent(text string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n    ")
}
