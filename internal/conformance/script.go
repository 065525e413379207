// Package conformance holds a differential check of this server against
// kube-apiserver: one script of requests sent to this server's CronTabs and
// to a CustomResourceDefinition of the same shape (crontab-crd.yaml), and a
// comparison of the answers in which every difference is either listed as
// intended, with its reason, or reported.
package conformance

import (
	"strings"

	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
	"github.com/example/extension-apiserver/pkg/controller/crontab"
)

// Step is one request of the script. Path is relative to the CronTab
// collection of the namespace ("/name", "/name/status", "?query"), or a
// server path when it starts with "/apis/" or "/openapi/"; "{group}" in the
// path and the body stands for the group under test.
type Step struct {
	Name, Method, Path, ContentType, Accept, Body string
}

// The answers the server gives as Table and PartialObjectMetadata, asked
// for as kubectl and the metadata informers do.
const (
	acceptTable        = "application/json;as=Table;v=v1;g=meta.k8s.io"
	acceptMetadata     = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
	acceptMetadataList = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
)

// markers are the annotations of every object the script creates: the
// CronTab controller leaves paused objects alone and CronTabCleanup adds no
// finalizer to opted-out ones, since neither has a counterpart on the CRD.
var markers = `"annotations":{"` + crontab.PausedAnnotation + `":"true","` + crontabcleanup.SkipAnnotation + `":"true"}`

func cronTab(name, labels, spec string) string {
	return `{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"` + name + `",` + labels + markers + `},"spec":` + spec + `}`
}

var (
	validCronTab   = cronTab("conf", `"labels":{"app":"conf"},`, `{"cronSpec":"* * * * */5","image":"busybox"}`)
	invalidCronTab = cronTab("bad", "", `{"cronSpec":"every minute","image":"busybox","replicas":11}`)
	appliedCronTab = cronTab("applied", `"labels":{"app":"conf"},`, `{"cronSpec":"0 * * * *","image":"nginx"}`)
)

// Script is the request script, in order: each step sees what the earlier
// ones left.
var Script = []Step{
	{Name: "discovery", Method: "GET", Path: "/apis/{group}/v1"},
	{Name: "OpenAPI v3", Method: "GET", Path: "/openapi/v3/apis/{group}/v1"},
	{Name: "create", Method: "POST", ContentType: "application/json", Body: validCronTab},
	{Name: "create again", Method: "POST", ContentType: "application/json", Body: validCronTab},
	{Name: "create invalid", Method: "POST", ContentType: "application/json", Body: invalidCronTab},
	{Name: "create without image", Method: "POST", ContentType: "application/json", Body: cronTab("no-image", "", `{"cronSpec":"* * * * *"}`)},
	{Name: "dry-run create", Method: "POST", Path: "?dryRun=All", ContentType: "application/json", Body: strings.Replace(validCronTab, `"conf",`, `"dry",`, 1)},
	{Name: "get", Method: "GET", Path: "/conf"},
	{Name: "get the dry-run object", Method: "GET", Path: "/dry"},
	{Name: "get missing", Method: "GET", Path: "/missing"},
	{Name: "get as a table", Method: "GET", Path: "/conf", Accept: acceptTable},
	{Name: "get as metadata", Method: "GET", Path: "/conf", Accept: acceptMetadata},
	{Name: "list by label", Method: "GET", Path: "?labelSelector=app%3Dconf"},
	{Name: "list by field", Method: "GET", Path: "?fieldSelector=spec.image%3Dbusybox"},
	{Name: "list by unknown field", Method: "GET", Path: "?fieldSelector=spec.nothing%3Dx"},
	{Name: "list as a table", Method: "GET", Accept: acceptTable},
	{Name: "list as metadata", Method: "GET", Accept: acceptMetadataList},
	{Name: "update with a stale resourceVersion", Method: "PUT", Path: "/conf", ContentType: "application/json",
		Body: `{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"conf","resourceVersion":"1"},"spec":{"cronSpec":"* * * * *","image":"busybox"}}`},
	{Name: "merge patch", Method: "PATCH", Path: "/conf", ContentType: "application/merge-patch+json", Body: `{"spec":{"replicas":3}}`},
	{Name: "JSON patch out of range", Method: "PATCH", Path: "/conf", ContentType: "application/json-patch+json", Body: `[{"op":"replace","path":"/spec/replicas","value":0}]`},
	{Name: "status patch of the wrong type", Method: "PATCH", Path: "/conf/status", ContentType: "application/merge-patch+json", Body: `{"status":{"replicas":"string"}}`},
	{Name: "status patch", Method: "PATCH", Path: "/conf/status", ContentType: "application/merge-patch+json", Body: `{"status":{"replicas":3,"labelSelector":"app=conf"}}`},
	{Name: "scale", Method: "GET", Path: "/conf/scale"},
	{Name: "scale out of range", Method: "PATCH", Path: "/conf/scale", ContentType: "application/merge-patch+json", Body: `{"spec":{"replicas":11}}`},
	{Name: "POST on status", Method: "POST", Path: "/conf/status", ContentType: "application/json", Body: `{}`},
	{Name: "apply as another manager, conflicting", Method: "PATCH", Path: "/conf?fieldManager=other", ContentType: "application/apply-patch+yaml",
		Body: `{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"conf"},"spec":{"replicas":5}}`},
	{Name: "apply as another manager, forced", Method: "PATCH", Path: "/conf?fieldManager=other&force=true", ContentType: "application/apply-patch+yaml",
		Body: `{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"conf"},"spec":{"replicas":5}}`},
	{Name: "apply a new object", Method: "PATCH", Path: "/applied?fieldManager=applier", ContentType: "application/apply-patch+yaml", Body: appliedCronTab},
	{Name: "apply an invalid change", Method: "PATCH", Path: "/applied?fieldManager=applier", ContentType: "application/apply-patch+yaml",
		Body: `{"apiVersion":"{group}/v1","kind":"CronTab","metadata":{"name":"applied"},"spec":{"cronSpec":"0 * * * *","image":"nginx","replicas":0}}`},
	{Name: "list a page", Method: "GET", Path: "?limit=1"},
	{Name: "list from any resourceVersion", Method: "GET", Path: "?resourceVersion=0"},
	{Name: "list with resourceVersionMatch but no resourceVersion", Method: "GET", Path: "?resourceVersionMatch=NotOlderThan"},
	{Name: "list with a malformed continue token", Method: "GET", Path: "?limit=1&continue=bogus"},
	{Name: "get at a resourceVersion from the future", Method: "GET", Path: "/conf?resourceVersion=999999999"},
	{Name: "watch from an expired resourceVersion", Method: "GET", Path: "?watch=true&resourceVersion=1&timeoutSeconds=1"},
	{Name: "watch with initial events and bookmarks", Method: "GET",
		Path: "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1"},
	{Name: "add a finalizer", Method: "PATCH", Path: "/applied", ContentType: "application/merge-patch+json", Body: `{"metadata":{"finalizers":["example.com/hold"]}}`},
	{Name: "delete the finalized object", Method: "DELETE", Path: "/applied"},
	{Name: "get the object being deleted", Method: "GET", Path: "/applied"},
	{Name: "add another finalizer while deleting", Method: "PATCH", Path: "/applied", ContentType: "application/json-patch+json",
		Body: `[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/late"}]`},
	{Name: "remove the finalizer", Method: "PATCH", Path: "/applied", ContentType: "application/merge-patch+json", Body: `{"metadata":{"finalizers":null}}`},
	{Name: "get the finalized object", Method: "GET", Path: "/applied"},
	{Name: "delete with a wrong uid", Method: "DELETE", Path: "/conf", ContentType: "application/json", Body: `{"preconditions":{"uid":"0b9c8d2e-0000-0000-0000-000000000000"}}`},
	{Name: "get after the writes", Method: "GET", Path: "/conf"},
	{Name: "create for foreground deletion", Method: "POST", ContentType: "application/json", Body: cronTab("foreground", "", `{"cronSpec":"* * * * *","image":"busybox"}`)},
	{Name: "delete in the foreground", Method: "DELETE", Path: "/foreground", ContentType: "application/json", Body: `{"propagationPolicy":"Foreground"}`},
	{Name: "create for orphan deletion", Method: "POST", ContentType: "application/json", Body: cronTab("orphan", "", `{"cronSpec":"* * * * *","image":"busybox"}`)},
	{Name: "delete orphaning dependents", Method: "DELETE", Path: "/orphan", ContentType: "application/json", Body: `{"propagationPolicy":"Orphan"}`},
	{Name: "delete with an unknown propagation policy", Method: "DELETE", Path: "/conf", ContentType: "application/json", Body: `{"propagationPolicy":"Sometimes"}`},
	{Name: "delete in the background", Method: "DELETE", Path: "/conf", ContentType: "application/json", Body: `{"propagationPolicy":"Background"}`},
	{Name: "get deleted", Method: "GET", Path: "/conf"},
	{Name: "delete the collection by label", Method: "DELETE", Path: "?labelSelector=app%3Dconf"},
	{Name: "list after deleting the collection", Method: "GET", Path: "?labelSelector=app%3Dconf"},
}
