package conformance

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// CRDGroup is the group of the CRD the script compares this server with.
const CRDGroup = "conformance.example.com"

// Group is this server's group that serves CronTabs.
const Group = "stable.example.com"

//go:embed crontab-crd.yaml
var crdManifest []byte

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// PrepareCluster creates the CRD on the cluster and waits until it is
// served (discovery and OpenAPI included); the returned function deletes it.
func PrepareCluster(ctx context.Context, config *rest.Config) (func(context.Context) error, error) {
	crd := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(crdManifest, &crd.Object); err != nil {
		return nil, fmt.Errorf("the CRD manifest: %w", err)
	}
	dc, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	cleanup := func(ctx context.Context) error {
		err := dc.Resource(crdResource).Delete(ctx, crd.GetName(), metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	}
	if _, err := dc.Resource(crdResource).Create(ctx, crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("creating the CRD %s: %w", crd.GetName(), err)
	}
	client, err := rest.HTTPClientFor(config)
	if err != nil {
		return cleanup, err
	}
	served := func(ctx context.Context) (bool, error) {
		for _, path := range []string{"/apis/" + CRDGroup + "/v1", "/openapi/v3/apis/" + CRDGroup + "/v1"} {
			resp, err := client.Get(config.Host + path)
			if err != nil {
				return false, nil
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return false, nil
			}
		}
		return true, nil
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, served); err != nil {
		return cleanup, fmt.Errorf("the CRD %s is not served in discovery and OpenAPI: %w", crd.GetName(), err)
	}
	return cleanup, nil
}

// NewTarget returns the target for group on the server config points to.
func NewTarget(config *rest.Config, group, namespace string) (Target, error) {
	client, err := rest.HTTPClientFor(config)
	if err != nil {
		return Target{}, err
	}
	return Target{Client: client, Host: config.Host, Group: group, Namespace: namespace}, nil
}

// RunScript sends the steps to target in order.
func RunScript(target Target, steps []Step) ([]Answer, error) {
	answers := make([]Answer, 0, len(steps))
	for _, step := range steps {
		answer, err := target.Send(step)
		if err != nil {
			return answers, fmt.Errorf("%s (%s %s): %w", step.Name, step.Method, step.Path, err)
		}
		answers = append(answers, answer)
	}
	return answers, nil
}

// Run sends the script to this server and to the CRD, in a new namespace it
// deletes afterwards, and compares the answers. ours reaches this server:
// through cluster (aggregated) or on its own (standalone); the CRD must be
// prepared.
func Run(ctx context.Context, cluster, ours *rest.Config, mode Mode, namespace string) ([]Result, error) {
	kc, err := kubernetes.NewForConfig(cluster)
	if err != nil {
		return nil, err
	}
	if _, err := kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("creating the namespace %s: %w", namespace, err)
	}
	defer func() {
		_ = kc.CoreV1().Namespaces().Delete(context.WithoutCancel(ctx), namespace, metav1.DeleteOptions{})
	}()
	crdTarget, err := NewTarget(cluster, CRDGroup, namespace)
	if err != nil {
		return nil, err
	}
	ourTarget, err := NewTarget(ours, Group, namespace)
	if err != nil {
		return nil, err
	}
	ourAnswers, err := RunScript(ourTarget, Script)
	if err != nil {
		return nil, fmt.Errorf("this server: %w", err)
	}
	crdAnswers, err := RunScript(crdTarget, Script)
	if err != nil {
		return nil, fmt.Errorf("the CRD: %w", err)
	}
	return Compare(mode, Script, ourAnswers, crdAnswers), nil
}
