package operations

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/example/extension-apiserver/internal/testutil"
)

// TestBackupCronJob renders the backup component on the base, decodes it
// strictly, checks it runs with least privilege from the StatefulSet's etcd
// image, and then runs its containers' own commands, in order, against a
// real etcd: four runs keep the newest three verified snapshots, and a
// corrupted snapshot fails the job and is not kept.
func TestBackupCronJob(t *testing.T) {
	cronJob, etcdImage := renderBackup(t)
	pod := cronJob.Spec.JobTemplate.Spec.Template.Spec
	if automount := pod.AutomountServiceAccountToken; automount == nil || *automount {
		t.Errorf("the backup pod mounts an API token; it needs none")
	}
	if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("the backup pod may run as root")
	}
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("container %s: not read-only or may escalate: %+v", c.Name, sc)
		}
	}
	for _, c := range pod.InitContainers {
		if c.Image != etcdImage {
			t.Errorf("init container %s runs %s; the etcd StatefulSet runs %s", c.Name, c.Image, etcdImage)
		}
	}
	if !slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool {
		return v.Secret != nil && v.Secret.SecretName == "etcd-backup-client-cert"
	}) {
		t.Errorf("the backup pod does not use its own client certificate etcd-backup-client-cert")
	}

	// The job's commands against a real etcd: the server's embedded one.
	s := startStandalone(t, "")
	testutil.CreateCronTab(t, s.client, "backed-up", "image")
	endpoint, err := os.ReadFile(filepath.Join(s.localDir, "embedded-etcd-endpoint"))
	if err != nil {
		t.Fatal(err)
	}
	backupDir := t.TempDir()
	env := map[string]string{
		"BACKUP_DIR": backupDir, "SCRATCH_DIR": t.TempDir(), "RETAIN": "3",
		"ETCDCTL_ENDPOINTS": strings.TrimSpace(string(endpoint)), "ETCDCTL_CACERT": filepath.Join(s.localDir, "pki", "ca.crt"),
		"ETCDCTL_CERT": filepath.Join(s.localDir, "pki", "etcd-client.crt"), "ETCDCTL_KEY": filepath.Join(s.localDir, "pki", "etcd-client.key"),
	}
	var jobs []string
	for i := range 4 {
		job := fmt.Sprintf("etcd-backup-2970000%d", i)
		jobs = append(jobs, job)
		env["JOB_NAME"] = job
		if err := runJob(pod, env, nil); err != nil {
			t.Fatalf("job %s: %v", job, err)
		}
	}
	kept, _ := filepath.Glob(filepath.Join(backupDir, "etcd-*.db"))
	left, _ := filepath.Glob(filepath.Join(backupDir, "incoming-*"))
	if len(kept) != 3 || len(left) != 0 {
		t.Fatalf("after 4 runs with RETAIN=3: kept %v, left behind %v", kept, left)
	}
	for i, file := range kept {
		if !strings.HasSuffix(file, "-"+jobs[i+1]+".db") {
			t.Errorf("kept %s; want the newest three (%v)", file, jobs[1:])
		}
		if out, err := exec.Command(filepath.Join(root, "_output", "bin", "etcdutl"), "snapshot", "status", file).CombinedOutput(); err != nil {
			t.Errorf("kept %s is not a readable snapshot: %v\n%s", file, err, out)
		}
	}
	t.Logf("4 runs kept %d snapshots: %v", len(kept), kept)

	// A snapshot damaged after it was written fails the checks; the job
	// fails before the step that keeps it.
	env["JOB_NAME"] = "etcd-backup-29700009"
	corrupt := func(name string) {
		if name == "snapshot" {
			path := filepath.Join(backupDir, "incoming-etcd-backup-29700009.db")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data[:len(data)/2], 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := runJob(pod, env, corrupt); err == nil {
		t.Fatal("a job whose snapshot was damaged succeeded")
	} else {
		t.Logf("the damaged snapshot failed its job, as it must: %v", err)
	}
	if kept2, _ := filepath.Glob(filepath.Join(backupDir, "etcd-*.db")); !slices.Equal(kept2, kept) {
		t.Errorf("the failed job changed the kept snapshots: %v", kept2)
	}
}

// renderBackup renders base with the backup component, and the components
// named after it, and returns the CronJob, strictly decoded, and the etcd
// StatefulSets' image.
func renderBackup(t *testing.T, components ...string) (*batchv1.CronJob, string) {
	t.Helper()
	dir := t.TempDir()
	rel := func(path string) string {
		r, err := filepath.Rel(dir, filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	included := []string{rel("artifacts/deploy/backup")}
	for _, c := range components {
		included = append(included, rel(c))
	}
	kustomization := fmt.Sprintf("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [%s]\ncomponents: [%s]\n",
		rel("artifacts/deploy/base"), strings.Join(included, ", "))
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
		t.Fatal(err)
	}
	var cronJob *batchv1.CronJob
	var etcdImage string
	for _, m := range testutil.Kustomize(t, dir) {
		doc := m.YAML
		switch m.Kind {
		case "CronJob":
			cronJob = &batchv1.CronJob{}
			if err := yaml.UnmarshalStrict(doc, cronJob); err != nil {
				t.Fatalf("the CronJob does not decode strictly: %v", err)
			}
		case "StatefulSet":
			var sts appsv1.StatefulSet
			if err := yaml.UnmarshalStrict(doc, &sts); err != nil {
				t.Fatal(err)
			}
			etcdImage = sts.Spec.Template.Spec.Containers[0].Image
		}
	}
	if cronJob == nil || etcdImage == "" {
		t.Fatalf("the rendered base and backup component hold no CronJob or no etcd StatefulSet")
	}
	return cronJob, etcdImage
}

var envReference = regexp.MustCompile(`\$\(([A-Z_]+)\)`)

// runJob runs the pod's init containers, then its containers, as a
// kubelet would: in order, each to completion, $(VAR) expanded from env.
// etcdctl and etcdutl are the ones make tools builds, sh this machine's.
// A key "<container>/<VAR>" of env sets VAR for that container only. after,
// if set, runs after each container.
func runJob(pod corev1.PodSpec, env map[string]string, after func(name string)) error {
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		// The container's own values, with this machine's paths and
		// endpoint (and the job's name) in place of the cluster's.
		values := map[string]string{}
		for _, e := range c.Env {
			values[e.Name] = e.Value
		}
		for k, v := range env {
			if !strings.Contains(k, "/") {
				values[k] = v
			}
		}
		for k, v := range env {
			if name, variable, ok := strings.Cut(k, "/"); ok && name == c.Name {
				values[variable] = v
			}
		}
		args := slices.Clone(append(c.Command, c.Args...))
		for i, a := range args {
			args[i] = envReference.ReplaceAllStringFunc(a, func(ref string) string { return values[ref[2:len(ref)-1]] })
		}
		binary := args[0]
		if binary == "etcdctl" || binary == "etcdutl" {
			binary = filepath.Join(root, "_output", "bin", binary)
		}
		cmd := exec.Command(binary, args[1:]...)
		cmd.Env = os.Environ()
		for k, v := range values {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("container %s: %v\n%s", c.Name, err, out)
		}
		if after != nil {
			after(c.Name)
		}
	}
	return nil
}
