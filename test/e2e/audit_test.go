package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/example/extension-apiserver/internal/testutil"
)

// TestAuditRecordsTheRealUser runs the server with the shipped audit policy
// (artifacts/deploy/audit) and checks, for a write and a read through the
// aggregator, that the log names the user kube-apiserver authenticated (not
// its front proxy) and records the write's body and only the read's
// metadata.
func TestAuditRecordsTheRealUser(t *testing.T) {
	root, _ := filepath.Abs("../..")
	logPath := filepath.Join(t.TempDir(), "audit.log")
	c := ownCluster(t, "--audit-policy-file="+filepath.Join(root, "artifacts", "deploy", "audit", "policy.yaml"), "--audit-log-path="+logPath)
	body := filepath.Join(t.TempDir(), "crontab.json")
	if err := os.WriteFile(body, []byte(`{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"audited",`+
		`"annotations":{"stable.example.com/skip-cleanup":"true"}},"spec":{"cronSpec":"* * * * *","image":"busybox"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.kubectl(t, "create", "--raw", "/apis/stable.example.com/v1/namespaces/default/crontabs", "-f", body)
	c.kubectl(t, "get", "crontabs.stable.example.com", "audited", "-n", "default")
	t.Cleanup(func() { c.kubectl(t, "delete", "crontabs.stable.example.com", "audited", "-n", "default") })

	var create, get *auditv1.Event
	testutil.WaitFor(t, 30*time.Second, "the create and the get in the audit log", func(context.Context) (bool, error) {
		create, get = nil, nil
		f, err := os.Open(logPath)
		if err != nil {
			return false, nil
		}
		defer f.Close()
		scanner := bufio.NewScanner(f)
		scanner.Buffer(make([]byte, 1<<20), 1<<20)
		for scanner.Scan() {
			var event auditv1.Event
			if err := json.Unmarshal(scanner.Bytes(), &event); err != nil {
				t.Fatalf("an audit line that is no event: %v: %s", err, scanner.Text())
			}
			// The test's own requests: the CronTab controller reads the object too.
			if event.Stage != auditv1.StageResponseComplete || event.ObjectRef == nil || event.ObjectRef.Name != "audited" ||
				!strings.HasPrefix(event.UserAgent, "kubectl/") {
				continue
			}
			switch event.Verb {
			case "create":
				create = &event
			case "get":
				get = &event
			}
		}
		return create != nil && get != nil, nil
	})
	for _, event := range []*auditv1.Event{create, get} {
		if event.User.Username != "local-admin" {
			t.Errorf("%s: audited as %q (groups %v), want the authenticated user local-admin", event.Verb, event.User.Username, event.User.Groups)
		}
		if event.ObjectRef.Resource != "crontabs" || event.ObjectRef.APIGroup != "stable.example.com" || event.ObjectRef.Namespace != "default" {
			t.Errorf("%s: object %+v", event.Verb, event.ObjectRef)
		}
	}
	if create.Level != auditv1.LevelRequest || create.RequestObject == nil || create.ResponseStatus == nil || create.ResponseStatus.Code != 201 {
		t.Errorf("create: level %s, request body %v, response %+v; want Request with the body and 201", create.Level, create.RequestObject != nil, create.ResponseStatus)
	}
	if get.Level != auditv1.LevelMetadata || get.RequestObject != nil || get.ResponseObject != nil {
		t.Errorf("get: level %s with bodies (%v, %v); want Metadata only", get.Level, get.RequestObject != nil, get.ResponseObject != nil)
	}
}
