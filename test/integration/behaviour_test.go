package integration

import (
	"context"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	stablev1ac "github.com/example/extension-apiserver/pkg/generated/applyconfiguration/stable/v1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/pki"
	"github.com/example/extension-apiserver/test/integration/framework"
)

func seedCronTab(name string) *stablev1.CronTab {
	return &stablev1.CronTab{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       stablev1.CronTabSpec{CronSpec: "* * * * */5", Image: "my-awesome-cron-image", Replicas: ptr.To[int32](3)},
	}
}

func TestValidationErrorsNameEveryField(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	crontabs := s.Clientset(t).StableV1().CronTabs("default")
	ctx := context.Background()

	invalid := seedCronTab("invalid")
	invalid.Spec.CronSpec, invalid.Spec.Replicas = "* * * *", ptr.To[int32](15)
	_, err := crontabs.Create(ctx, invalid, metav1.CreateOptions{})
	expectInvalidFields(t, err, "spec.cronSpec", "spec.replicas")

	created, err := crontabs.Create(ctx, seedCronTab("valid"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Spec.CronSpec, created.Spec.Image = "every minute", ""
	_, err = crontabs.Update(ctx, created, metav1.UpdateOptions{})
	expectInvalidFields(t, err, "spec.cronSpec", "spec.image")
}

func expectInvalidFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("error = %v, want 422 Invalid", err)
	}
	var got []string
	for _, cause := range err.(apierrors.APIStatus).Status().Details.Causes {
		got = append(got, cause.Field)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(fields, ",") {
		t.Errorf("causes name %v, want %v", got, fields)
	}
}

func TestOptimisticConcurrency(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	crontabs := s.Clientset(t).StableV1().CronTabs("default")
	ctx := context.Background()

	created, err := crontabs.Create(ctx, seedCronTab("occ"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := created.DeepCopy()
	first.Spec.Image = "first-writer"
	if _, err := crontabs.Update(ctx, first, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	stale := created.DeepCopy()
	stale.Spec.Image = "stale-writer"
	if _, err := crontabs.Update(ctx, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("update with a stale resourceVersion: %v, want 409 Conflict", err)
	}
	got, _ := crontabs.Get(ctx, "occ", metav1.GetOptions{})
	if got.Spec.Image != "first-writer" {
		t.Errorf("image = %q, the stale write must not land", got.Spec.Image)
	}
	if _, err := crontabs.Create(ctx, seedCronTab("occ"), metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("second create: %v, want 409 AlreadyExists", err)
	}
}

func TestStrictFieldValidation(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	restClient := s.Clientset(t).StableV1().RESTClient()
	ctx := context.Background()
	body := `{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"strict"},
		"spec":{"cronSpec":"* * * * *","image":"i","bogus":true}}`

	err := restClient.Post().Namespace("default").Resource("crontabs").Param("fieldValidation", "Strict").
		Body([]byte(body)).Do(ctx).Error()
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `unknown field "spec.bogus"`) {
		t.Fatalf("strict create with an unknown field: %v, want 400 naming spec.bogus", err)
	}
	result := restClient.Post().Namespace("default").Resource("crontabs").Param("fieldValidation", "Warn").Body([]byte(body)).Do(ctx)
	if err := result.Error(); err != nil {
		t.Fatalf("create with fieldValidation=Warn: %v", err)
	}
	warnings := result.Warnings()
	if len(warnings) != 1 || !strings.Contains(warnings[0].Text, "spec.bogus") {
		t.Errorf("warnings = %v, want one naming spec.bogus", warnings)
	}
}

func TestServerSideApply(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	crontabs := s.Clientset(t).StableV1().CronTabs("default")
	ctx := context.Background()

	apply := stablev1ac.CronTab("applied", "default").WithSpec(stablev1ac.CronTabSpec().
		WithCronSpec("* * * * */5").WithImage("image-1").WithReplicas(2))
	created, err := crontabs.Apply(ctx, apply, metav1.ApplyOptions{FieldManager: "team-a"})
	if err != nil {
		t.Fatalf("apply (create): %v", err)
	}
	if *created.Spec.Replicas != 2 || len(created.ManagedFields) == 0 || created.ManagedFields[0].Manager != "team-a" {
		t.Errorf("created by apply: replicas %d, managedFields %v", *created.Spec.Replicas, created.ManagedFields)
	}

	apply.Spec.WithReplicas(4)
	updated, err := crontabs.Apply(ctx, apply, metav1.ApplyOptions{FieldManager: "team-a"})
	if err != nil || *updated.Spec.Replicas != 4 || updated.Generation != 2 {
		t.Fatalf("apply (update): %v, replicas %v, generation %d", err, updated.Spec.Replicas, updated.Generation)
	}

	other := stablev1ac.CronTab("applied", "default").WithSpec(stablev1ac.CronTabSpec().WithImage("image-2"))
	if _, err := crontabs.Apply(ctx, other, metav1.ApplyOptions{FieldManager: "team-b"}); !apierrors.IsConflict(err) {
		t.Fatalf("apply of a field owned by another manager: %v, want 409 Conflict", err)
	}
	forced, err := crontabs.Apply(ctx, other, metav1.ApplyOptions{FieldManager: "team-b", Force: true})
	if err != nil || forced.Spec.Image != "image-2" || *forced.Spec.Replicas != 4 {
		t.Fatalf("forced apply: %v, spec %+v", err, forced.Spec)
	}
}

func TestAuthentication(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	ctx := context.Background()
	ca, err := pki.Load(filepath.Join(s.LocalDir, "pki"), "ca")
	if err != nil {
		t.Fatal(err)
	}
	otherCA, _ := pki.NewCA("someone-else")

	withCert := func(kp *pki.KeyPair) *rest.Config {
		config := rest.AnonymousClientConfig(s.Config)
		if kp != nil {
			keyPEM, _ := kp.KeyPEM()
			config.CertData, config.KeyData = kp.CertPEM(), keyPEM
		}
		return config
	}
	issue := func(signer *pki.KeyPair, user string, groups ...string) *pki.KeyPair {
		kp, err := signer.IssueClient(user, groups...)
		if err != nil {
			t.Fatal(err)
		}
		return kp
	}

	for _, tc := range []struct {
		name   string
		config *rest.Config
		want   int
	}{
		{"no client certificate", withCert(nil), http.StatusUnauthorized},
		{"certificate from another CA", withCert(issue(otherCA, "mallory", "system:masters")), http.StatusUnauthorized},
		{"known user without rights", withCert(issue(ca, "bob", "developers")), http.StatusForbidden},
		{"admin", withCert(issue(ca, "alice", "system:masters")), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := clientset.NewForConfigOrDie(tc.config).StableV1().CronTabs("default").List(ctx, metav1.ListOptions{})
			code := http.StatusOK
			if status, ok := err.(apierrors.APIStatus); ok {
				code = int(status.Status().Code)
			} else if err != nil {
				t.Fatalf("list: %v", err)
			}
			if code != tc.want {
				t.Errorf("list answered %d (%v), want %d", code, err, tc.want)
			}
		})
	}

	// Health checks stay open to probes without credentials.
	client, err := rest.HTTPClientFor(withCert(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/livez", "/readyz", "/healthz"} {
		resp, err := client.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("anonymous GET %s: %s", path, resp.Status)
		}
	}
}

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	first := framework.StartServer(t, framework.ServerConfig{LocalDir: dir})
	ctx := context.Background()
	if _, err := first.Clientset(t).StableV1().CronTabs("default").Create(ctx, seedCronTab("survivor"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Clientset(t).WardleV1beta1().Fischers().Create(ctx,
		&wardlev1beta1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "survivor"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	first.Stop()

	second := framework.StartServer(t, framework.ServerConfig{LocalDir: dir})
	got, err := second.Clientset(t).StableV1().CronTabs("default").Get(ctx, "survivor", metav1.GetOptions{})
	if err != nil || got.Spec.Image != "my-awesome-cron-image" {
		t.Fatalf("after restart: %v %+v", err, got)
	}
	if _, err := second.Clientset(t).WardleV1alpha1().Fischers().Get(ctx, "survivor", metav1.GetOptions{}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
