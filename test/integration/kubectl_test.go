package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/extension-apiserver/test/integration/framework"
)

const examplesDir = "../../artifacts/examples"

// TestKubectlTour is the README's tour, with the real kubectl.
func TestKubectlTour(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	kubectl := func(args ...string) string {
		t.Helper()
		out, errOut, err := s.Kubectl(t, args...)
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}

	examples, _ := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	for _, file := range examples {
		if strings.HasSuffix(file, "-invalid.yaml") {
			continue
		}
		kubectl("create", "-f", file)
	}

	if got := kubectl("get", "crontabs.v1beta1.stable.example.com", "my-new-cron-object", "-o", "jsonpath={.spec.schedule}"); got != "* * * * */5" {
		t.Errorf("v1beta1 spec.schedule = %q, want the v1 cronSpec", got)
	}
	if got := kubectl("get", "ct", "my-beta-cron-object", "-o", "jsonpath={.apiVersion} {.spec.cronSpec} {.spec.replicas}"); got != "stable.example.com/v1 0 */2 * * * 1" {
		t.Errorf("v1beta1-created CronTab read in v1: %q", got)
	}
	if got := kubectl("get", "all", "-o", "name"); !strings.Contains(got, "crontab.stable.example.com/my-new-cron-object") {
		t.Errorf("kubectl get all (category all) = %q, want the CronTabs", got)
	}
	if got := kubectl("get", "fischers.v1beta1.wardle.example.com", "-o", "name"); !strings.Contains(got, "my-fischer") || !strings.Contains(got, "my-other-fischer") {
		t.Errorf("Fischers in v1beta1: %q", got)
	}
	if got := kubectl("get", "flunders.v1alpha1.wardle.example.com", "my-second-flunder", "-o", "jsonpath={.spec.reference}/{.spec.referenceType}"); got != "my-fischer/Fischer" {
		t.Errorf("v1beta1 Flunder read in v1alpha1: %q", got)
	}

	_, errOut, err := s.Kubectl(t, "create", "-f", filepath.Join(examplesDir, "crontab-invalid.yaml"))
	if err == nil || !strings.Contains(errOut, "spec.cronSpec") || !strings.Contains(errOut, "spec.replicas") {
		t.Errorf("invalid CronTab: err %v, stderr %q; want a refusal naming spec.cronSpec and spec.replicas", err, errOut)
	}
	_, errOut, err = s.Kubectl(t, "create", "-f", filepath.Join(examplesDir, "flunder-invalid.yaml"))
	if err == nil || !strings.Contains(errOut, "spec.referenceType") {
		t.Errorf("invalid Flunder: err %v, stderr %q", err, errOut)
	}

	kubectl("apply", "--server-side", "-f", filepath.Join(examplesDir, "crontab-v1.yaml"))
	kubectl("patch", "crontab", "my-new-cron-object", "--type=merge", "-p", `{"spec":{"replicas":5}}`)
	if got := kubectl("get", "ct", "my-new-cron-object", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"); got != "5 2" {
		t.Errorf("after patch: replicas and generation %q, want \"5 2\"", got)
	}
	kubectl("delete", "-f", filepath.Join(examplesDir, "crontab-v1.yaml"))
	if got := kubectl("get", "ct", "-o", "name"); strings.Contains(got, "my-new-cron-object") {
		t.Errorf("deleted CronTab still listed: %q", got)
	}
}
