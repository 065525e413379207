package integration

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/pkg/storagemigration"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// encryptionConfig is an EncryptionConfiguration for every resource of this
// server with aescbc keys, the first of which encrypts writes (as in
// artifacts/deploy/encryption).
func encryptionConfig(t *testing.T, keys map[string]string, order ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n")
	b.WriteString("- resources: ['*.stable.example.com', '*.wardle.example.com']\n  providers:\n  - aescbc:\n      keys:\n")
	for _, name := range order {
		fmt.Fprintf(&b, "      - name: %s\n        secret: %s\n", name, keys[name])
	}
	path := filepath.Join(t.TempDir(), "encryption.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// storedKeys counts the objects in etcd by the encryption prefix of their
// value ("k8s:enc:aescbc:v1:<key>"), or "plain" when not encrypted.
func storedKeys(t *testing.T, etcd *framework.Etcd) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, value := range storedValues(t, etcd) {
		if !strings.HasPrefix(string(value), "k8s:enc:") {
			counts["plain"]++
			continue
		}
		fields := strings.SplitN(string(value), ":", 6)
		counts[strings.Join(fields[:5], ":")]++
	}
	return counts
}

// TestEncryptionAtRestAndKeyRotation stores every object of this server
// encrypted, then rotates the key as docs/deploying.md says: the new key is added
// (readable), made the write key, every object is rewritten by the storage
// migration, and the old key is dropped. Nothing is left that only the old
// key can read, and every object reads back.
func TestEncryptionAtRestAndKeyRotation(t *testing.T) {
	etcd := framework.StartEtcd(t)
	keys := map[string]string{}
	for _, name := range []string{"key1", "key2"} {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			t.Fatal(err)
		}
		keys[name] = base64.StdEncoding.EncodeToString(secret)
	}
	start := func(order ...string) *framework.Server {
		args := append([]string{"--automatic-storage-migration=false", "--encryption-provider-config=" + encryptionConfig(t, keys, order...)}, migrationArgs...)
		return framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: args})
	}

	s := start("key1")
	ctx := context.Background()
	cs := s.Clientset(t)
	const n = 5
	for i := range n {
		if _, err := cs.StableV1().CronTabs("default").Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ct-%d", i)},
			Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.WardleV1beta1().Flunders("default").Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("f-%d", i)}},
			metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := storedKeys(t, etcd), map[string]int{"k8s:enc:aescbc:v1:key1": 2 * n}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stored %v, want every object encrypted with key1: %v", got, want)
	}

	// 1. The new key is known to every replica before any writes with it.
	s.Stop()
	s = start("key1", "key2")
	// 2. The new key encrypts writes; the migration rewrites the others.
	s.Stop()
	s = start("key2", "key1")
	// Requested at once: the server may not lead the migration yet, and
	// the request waits for whichever replica leads.
	migrationStatus(t, s, "POST")
	want := fmt.Sprint(map[string]int{"k8s:enc:aescbc:v1:key2": 2 * n})
	waitFor(t, "every object encrypted with key2", func() (bool, error) {
		return fmt.Sprint(storedKeys(t, etcd)) == want, nil
	})
	waitForStates(t, s, storagemigration.StateCurrent)
	// 3. The old key goes; everything reads back with the new one alone.
	s.Stop()
	s = start("key2")
	cs = s.Clientset(t)
	crontabs, err := cs.StableV1().CronTabs("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	flunders, err := cs.WardleV1beta1().Flunders("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(crontabs.Items) != n || len(flunders.Items) != n {
		t.Fatalf("with key2 alone, read %d CronTabs and %d Flunders, want %d of each", len(crontabs.Items), len(flunders.Items), n)
	}
	for i := range n {
		ct, err := cs.StableV1().CronTabs("default").Get(ctx, fmt.Sprintf("ct-%d", i), metav1.GetOptions{ResourceVersion: ""})
		if err != nil || ct.Spec.Image != "busybox" {
			t.Errorf("ct-%d with key2 alone: %v %+v", i, err, ct)
		}
	}
}
