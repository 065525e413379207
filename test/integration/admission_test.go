package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
	wardlev1alpha1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1alpha1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/pkg/cmd/server"
	"github.com/example/extension-apiserver/test/integration/framework"
)

func TestBanFlunderThroughTheServer(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	cs := s.Clientset(t)
	ctx := context.Background()
	if _, err := cs.WardleV1alpha1().Fischers().Create(ctx, &wardlev1alpha1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "strict"},
		DisallowedFlunders: []string{"banned"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	flunders := cs.WardleV1beta1().Flunders("default")
	var err error
	// The Fischer reaches the plugin through its informer.
	for i := 0; i < 50; i++ {
		if _, err = flunders.Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "banned"}}, metav1.CreateOptions{}); apierrors.IsForbidden(err) {
			break
		}
		if err == nil {
			_ = flunders.Delete(ctx, "banned", metav1.DeleteOptions{})
		}
	}
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "BanFlunder") || !strings.Contains(err.Error(), `Fischer "strict"`) {
		t.Fatalf("create of a banned Flunder: %v, want 403 from BanFlunder naming the Fischer", err)
	}

	// Updates are checked too: ban a Flunder that already exists.
	if _, err := flunders.Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "later-banned"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fischer, _ := cs.WardleV1alpha1().Fischers().Get(ctx, "strict", metav1.GetOptions{})
	fischer.DisallowedFlunders = append(fischer.DisallowedFlunders, "later-banned")
	if _, err := cs.WardleV1alpha1().Fischers().Update(ctx, fischer, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		existing, _ := flunders.Get(ctx, "later-banned", metav1.GetOptions{})
		existing.Labels = map[string]string{"touch": "x"}
		if _, err = flunders.Update(ctx, existing, metav1.UpdateOptions{}); apierrors.IsForbidden(err) {
			break
		}
	}
	if !apierrors.IsForbidden(err) {
		t.Errorf("update of a banned Flunder: %v, want 403", err)
	}
}

func TestAdmissionPluginFlags(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{Args: []string{
		"--disable-admission-plugins=BanFlunder", "--enable-admission-plugins=CronTabCleanup"}})
	cs := s.Clientset(t)
	ctx := context.Background()

	if _, err := cs.WardleV1alpha1().Fischers().Create(ctx, &wardlev1alpha1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "strict"},
		DisallowedFlunders: []string{"banned"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.WardleV1beta1().Flunders("default").Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "banned"}}, metav1.CreateOptions{}); err != nil {
		t.Errorf("with BanFlunder disabled: %v", err)
	}

	crontabs := cs.StableV1().CronTabs("default")
	withFinalizer, err := crontabs.Create(ctx, seedCronTab("cleaned"), metav1.CreateOptions{})
	if err != nil || !slices.Contains(withFinalizer.Finalizers, crontabcleanup.Finalizer) {
		t.Errorf("CronTabCleanup: %v, finalizers %v", err, withFinalizer.Finalizers)
	}
	optOut := seedCronTab("not-cleaned")
	optOut.Annotations = map[string]string{crontabcleanup.SkipAnnotation: "true"}
	if created, err := crontabs.Create(ctx, optOut, metav1.CreateOptions{}); err != nil || len(created.Finalizers) != 0 {
		t.Errorf("opted-out CronTab: %v, finalizers %v", err, created.Finalizers)
	}
}

// TestAdmissionConfigurationErrorsStopTheServer: bad plugin settings are
// reported at start, not ignored.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestAdmissionConfigurationErrorsStopTheServer(t *testing.T) {
	config := filepath.Join(t.TempDir(), "admission.yaml")
	if err := os.WriteFile(config, []byte("apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: {{"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--admission-control-config-file", config}, "admission configuration"},
		{[]string{"--enable-admission-plugins=CronTabReplicaLimit"}, "need a kube-apiserver"},
		{[]string{"--enable-admission-plugins=NoSuchPlugin"}, `plugin "NoSuchPlugin" is unknown`},
		{[]string{"--secure-port=0"}, "--secure-port must not be 0"},
	} {
		opts := server.NewOptions(io.Discard)
		cmd := server.NewCommand(context.Background(), opts)
		args := []string{"--local-dir", t.TempDir(), "--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(freePort(t))}
		cmd.SetArgs(append(args, tc.args...))
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}
