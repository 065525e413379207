package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
)

// conformanceStep is one request of the differential script. Paths are
// relative to the CronTab collection of the namespace; a path starting with
// "?" adds a query to it.
type conformanceStep struct {
	name, method, path, contentType, body string
}

// answer is what is compared of a response: the status code, the Status
// reason, kind and causes of an error, and the content of an object.
type answer struct {
	Code    int
	Reason  metav1.StatusReason `json:",omitempty"`
	Kind    string              `json:",omitempty"`
	Causes  []string            `json:",omitempty"`
	Content map[string]any      `json:",omitempty"`
	Items   int                 `json:",omitempty"`
	// Events are a watch's event types, with the code of an ERROR's Status.
	Events []string `json:",omitempty"`
}

const (
	crdGroup       = "conformance.example.com"
	validCronTab   = `{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"conf","labels":{"app":"conf"}},"spec":{"cronSpec":"* * * * */5","image":"busybox"}}`
	invalidCronTab = `{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"bad"},"spec":{"cronSpec":"every minute","image":"busybox","replicas":11}}`
)

var conformanceScript = []conformanceStep{
	{"create", "POST", "", "application/json", validCronTab},
	{"create again", "POST", "", "application/json", validCronTab},
	{"create invalid", "POST", "", "application/json", invalidCronTab},
	{"create without image", "POST", "", "application/json", `{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"no-image"},"spec":{"cronSpec":"* * * * *"}}`},
	{"dry-run create", "POST", "?dryRun=All", "application/json", strings.Replace(validCronTab, `"conf",`, `"dry",`, 1)},
	{"get", "GET", "/conf", "", ""},
	{"get the dry-run object", "GET", "/dry", "", ""},
	{"get missing", "GET", "/missing", "", ""},
	{"list by label", "GET", "?labelSelector=app%3Dconf", "", ""},
	{"list by field", "GET", "?fieldSelector=spec.image%3Dbusybox", "", ""},
	{"list by unknown field", "GET", "?fieldSelector=spec.nothing%3Dx", "", ""},
	{"update with a stale resourceVersion", "PUT", "/conf", "application/json",
		`{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"conf","resourceVersion":"1"},"spec":{"cronSpec":"* * * * *","image":"busybox"}}`},
	{"merge patch", "PATCH", "/conf", "application/merge-patch+json", `{"spec":{"replicas":3}}`},
	{"JSON patch out of range", "PATCH", "/conf", "application/json-patch+json", `[{"op":"replace","path":"/spec/replicas","value":0}]`},
	{"status patch of the wrong type", "PATCH", "/conf/status", "application/merge-patch+json", `{"status":{"replicas":"string"}}`},
	{"status patch", "PATCH", "/conf/status", "application/merge-patch+json", `{"status":{"replicas":3,"labelSelector":"app=conf"}}`},
	{"scale", "GET", "/conf/scale", "", ""},
	{"scale out of range", "PATCH", "/conf/scale", "application/merge-patch+json", `{"spec":{"replicas":11}}`},
	{"POST on status", "POST", "/conf/status", "application/json", `{}`},
	{"apply as another manager, conflicting", "PATCH", "/conf?fieldManager=other", "application/apply-patch+yaml",
		`{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"conf"},"spec":{"replicas":5}}`},
	{"apply as another manager, forced", "PATCH", "/conf?fieldManager=other&force=true", "application/apply-patch+yaml",
		`{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"conf"},"spec":{"replicas":5}}`},
	{"apply a new object", "PATCH", "/applied?fieldManager=applier", "application/apply-patch+yaml",
		`{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"applied","labels":{"app":"conf"}},"spec":{"cronSpec":"0 * * * *","image":"nginx"}}`},
	{"apply an invalid change", "PATCH", "/applied?fieldManager=applier", "application/apply-patch+yaml",
		`{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"applied"},"spec":{"cronSpec":"0 * * * *","image":"nginx","replicas":0}}`},
	{"list a page", "GET", "?limit=1", "", ""},
	{"watch from an expired resourceVersion", "GET", "?watch=true&resourceVersion=1&timeoutSeconds=1", "", ""},
	{"watch with initial events and bookmarks", "GET",
		"?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1", "", ""},
	{"add a finalizer", "PATCH", "/applied", "application/merge-patch+json", `{"metadata":{"finalizers":["example.com/hold"]}}`},
	{"delete the finalized object", "DELETE", "/applied", "", ""},
	{"get the object being deleted", "GET", "/applied", "", ""},
	{"add another finalizer while deleting", "PATCH", "/applied", "application/json-patch+json", `[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/late"}]`},
	{"remove the finalizer", "PATCH", "/applied", "application/merge-patch+json", `{"metadata":{"finalizers":null}}`},
	{"get the finalized object", "GET", "/applied", "", ""},
	{"delete with a wrong uid", "DELETE", "/conf", "application/json", `{"preconditions":{"uid":"0b9c8d2e-0000-0000-0000-000000000000"}}`},
	{"get after the writes", "GET", "/conf", "", ""},
	{"delete", "DELETE", "/conf", "", ""},
	{"get deleted", "GET", "/conf", "", ""},
	{"delete the collection by label", "DELETE", "?labelSelector=app%3Dconf", "", ""},
	{"list after deleting the collection", "GET", "", "", ""},
}

// intendedDifference is this server's answer to a step where it differs
// from the CRD on purpose, and why. Any other answer to the step fails.
type intendedDifference struct {
	ours   answer
	reason string
}

// intendedDifferences, by step. Two more are normalized away in every
// answer: an empty status is always present on this server's objects (a
// typed status has no "absent"), and the CRD spells some cause fields with
// a leading dot.
var intendedDifferences = map[string]intendedDifference{
	"status patch of the wrong type": {
		ours: answer{Code: 422, Reason: metav1.StatusReasonInvalid, Kind: "CronTab", Causes: []string{"status.replicas FieldValueInvalid"}},
		reason: "the CRD reports the wrong type twice, as FieldValueInvalid from its decoder and FieldValueTypeInvalid from " +
			"schema validation; this server reports it once, as FieldValueInvalid",
	},
}

// TestConformanceWithACRD sends the same requests to this server's CronTabs
// and to a CRD of the same shape on kube-apiserver, and compares the
// answers: status codes, error reasons and field causes, and objects'
// content. A difference not in intendedDifferences fails the test.
func TestConformanceWithACRD(t *testing.T) {
	root, _ := filepath.Abs("../..")
	kubectl(t, "apply", "-f", filepath.Join(root, "artifacts", "conformance", "crontab-crd.yaml"))
	kubectl(t, "wait", "--for=condition=Established", "--timeout=60s", "crd/crontabs."+crdGroup)
	// The other tests name this server's CronTabs fully qualified: while the
	// CRD exists, "crontab" alone is ambiguous.
	t.Cleanup(func() { kubectl(t, "delete", "crd", "crontabs."+crdGroup) })
	kubectl(t, "create", "namespace", "conformance")
	// Neither CronTabCleanup's finalizer nor the CronTab controller's status
	// writes have a counterpart on the CRD: the namespace opts out of the
	// first, and the controller is paused while the script runs.
	kubectl(t, "annotate", "namespace", "conformance", crontabcleanup.SkipAnnotation+"=true")
	controller, err := cluster.PID("crontab-controller")
	if err != nil {
		t.Fatal(err)
	}
	_ = syscall.Kill(controller, syscall.SIGSTOP)
	defer func() { _ = syscall.Kill(controller, syscall.SIGCONT) }()
	var config *rest.Config
	config, err = clientcmd.BuildConfigFromFlags("", cluster.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	client, err := rest.HTTPClientFor(config)
	if err != nil {
		t.Fatal(err)
	}
	run := func(group string) []answer {
		var answers []answer
		for _, step := range conformanceScript {
			answers = append(answers, send(t, client, config.Host, group, step))
		}
		return answers
	}
	ours, crd := run("stable.example.com"), run(crdGroup)
	differences := 0
	for i, step := range conformanceScript {
		if len(ours[i].Events) > 0 {
			t.Logf("%s: %v", step.name, ours[i].Events)
		}
		diff := cmp.Diff(crd[i], ours[i])
		if diff == "" {
			continue
		}
		if intended, ok := intendedDifferences[step.name]; ok && cmp.Equal(intended.ours, ours[i]) {
			t.Logf("%s: intended difference (%s)", step.name, intended.reason)
			continue
		}
		differences++
		t.Errorf("%s %s%s: this server differs from the CRD (-crd +ours):\n%s", step.method, "crontabs", step.path, diff)
	}
	t.Logf("%d requests, %d unintended differences", len(conformanceScript), differences)
}

func send(t *testing.T, client *http.Client, host, group string, step conformanceStep) answer {
	t.Helper()
	var body io.Reader
	if step.body != "" {
		body = strings.NewReader(strings.ReplaceAll(step.body, "{group}", group))
	}
	path, query, _ := strings.Cut(step.path, "?")
	url := host + "/apis/" + group + "/v1/namespaces/conformance/crontabs" + path
	if query != "" {
		url += "?" + query
	}
	req, err := http.NewRequest(step.method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if step.contentType != "" {
		req.Header.Set("Content-Type", step.contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", step.name, err)
	}
	defer resp.Body.Close()
	if strings.Contains(query, "watch=true") && resp.StatusCode == http.StatusOK {
		return answer{Code: resp.StatusCode, Events: watchEvents(t, resp.Body)}
	}
	raw, _ := io.ReadAll(resp.Body)
	code := resp.StatusCode
	a := answer{Code: code}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %d %s", step.name, code, raw)
	}
	if doc["kind"] == "Status" {
		var status metav1.Status
		_ = json.Unmarshal(raw, &status)
		a.Reason = status.Reason
		if status.Details != nil {
			a.Kind = status.Details.Kind
			for _, c := range status.Details.Causes {
				// The CRD's schema validation spells some fields with a leading dot.
				a.Causes = append(a.Causes, strings.TrimPrefix(c.Field, ".")+" "+string(c.Type))
			}
			sort.Strings(a.Causes)
		}
		return a
	}
	if items, ok := doc["items"].([]any); ok {
		a.Items = len(items)
		if metadata, ok := doc["metadata"].(map[string]any); ok && metadata["continue"] != nil && metadata["continue"] != "" {
			a.Content = map[string]any{"continues": true}
		}
		return a
	}
	a.Content = map[string]any{"spec": doc["spec"], "status": doc["status"]}
	// A typed status is always there, empty or not (intended).
	if status, ok := doc["status"].(map[string]any); ok && len(status) == 0 {
		a.Content["status"] = nil
	}
	if metadata, ok := doc["metadata"].(map[string]any); ok {
		a.Content["generation"] = metadata["generation"]
		a.Content["labels"] = metadata["labels"]
		a.Content["finalizers"] = metadata["finalizers"]
		a.Content["deleting"] = metadata["deletionTimestamp"] != nil
	}
	return a
}

// watchEvents reads a watch stream until the server ends it, and returns
// its event types: ERROR with the Status code, BOOKMARK with whether it
// marks the end of the initial events.
func watchEvents(t *testing.T, body io.Reader) []string {
	t.Helper()
	var events []string
	decoder := json.NewDecoder(body)
	for {
		var event struct {
			Type   string `json:"type"`
			Object struct {
				Code     int `json:"code"`
				Metadata struct {
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
			} `json:"object"`
		}
		if err := decoder.Decode(&event); err == io.EOF {
			return events
		} else if err != nil {
			t.Fatalf("reading a watch: %v", err)
		}
		switch event.Type {
		case "ERROR":
			events = append(events, fmt.Sprintf("ERROR %d", event.Object.Code))
		case "BOOKMARK":
			events = append(events, "BOOKMARK initial-events-end="+event.Object.Metadata.Annotations[metav1.InitialEventsAnnotationKey])
		default:
			events = append(events, event.Type)
		}
	}
}
