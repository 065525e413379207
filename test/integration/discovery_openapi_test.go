package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"

	"github.com/example/extension-apiserver/test/integration/framework"
)

func TestDiscovery(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})

	out, errOut, err := s.Kubectl(t, "api-resources", "-o", "wide", "--api-group=stable.example.com")
	if err != nil {
		t.Fatalf("kubectl api-resources: %v %s", err, errOut)
	}
	row := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"crontabs ct stable.example.com/v1 true CronTab", "create,delete,deletecollection,get,list,patch,update,watch", "all"} {
		if !strings.Contains(row, want) {
			t.Errorf("kubectl api-resources -o wide = %q, want %q", out, want)
		}
	}
	out, _, _ = s.Kubectl(t, "api-resources", "--api-group=wardle.example.com", "-o", "name")
	if got := strings.Fields(out); len(got) != 2 || got[0] != "fischers.wardle.example.com" || got[1] != "flunders.wardle.example.com" {
		t.Errorf("wardle resources = %v", got)
	}

	// Aggregated discovery, which kubectl and client-go use first.
	client := s.Clientset(t).Discovery().RESTClient()
	body, err := client.Get().AbsPath("/apis").SetHeader("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList").Do(context.Background()).Raw()
	if err != nil {
		t.Fatal(err)
	}
	var groups apidiscoveryv2.APIGroupDiscoveryList
	if err := json.Unmarshal(body, &groups); err != nil {
		t.Fatalf("aggregated discovery: %v", err)
	}
	found := map[string]apidiscoveryv2.APIResourceDiscovery{}
	for _, g := range groups.Items {
		for _, v := range g.Versions {
			for _, r := range v.Resources {
				found[g.Name+"/"+v.Version+"/"+r.Resource] = r
			}
		}
	}
	for _, key := range []string{"stable.example.com/v1/crontabs", "stable.example.com/v1beta1/crontabs", "wardle.example.com/v1beta1/flunders",
		"wardle.example.com/v1alpha1/flunders", "wardle.example.com/v1beta1/fischers", "wardle.example.com/v1alpha1/fischers"} {
		if _, ok := found[key]; !ok {
			t.Errorf("aggregated discovery lacks %s", key)
		}
	}
	crontabs := found["stable.example.com/v1/crontabs"]
	subresources := map[string]bool{}
	for _, sub := range crontabs.Subresources {
		subresources[sub.Subresource] = true
	}
	if strings.Join(crontabs.ShortNames, ",") != "ct" || strings.Join(crontabs.Categories, ",") != "all" || !subresources["status"] || !subresources["scale"] {
		t.Errorf("aggregated discovery of crontabs: %+v", crontabs)
	}
}

func TestOpenAPIAndExplain(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"explain", "crontab.spec"}, []string{"cronSpec", "five-field cron schedule", "replicas", "suspend"}},
		{[]string{"explain", "crontabs.spec", "--api-version=stable.example.com/v1beta1"}, []string{"schedule", "cronSpec"}},
		{[]string{"explain", "flunders", "--api-version=wardle.example.com/v1alpha1"}, []string{"Flunder is a namespaced object"}},
		{[]string{"explain", "flunders.spec", "--api-version=wardle.example.com/v1alpha1"}, []string{"reference", "referenceType"}},
		{[]string{"explain", "fischers.disallowedFlunders"}, []string{"names of Flunders"}},
		{[]string{"explain", "crontab.status.conditions"}, []string{"lastTransitionTime"}},
	} {
		out, errOut, err := s.Kubectl(t, tc.args...)
		if err != nil {
			t.Fatalf("kubectl %v: %v %s", tc.args, err, errOut)
		}
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("kubectl %v lacks %q:\n%s", tc.args, want, out)
			}
		}
	}

	// Unknown fields are refused by kubectl's strict validation.
	manifest := filepath.Join(t.TempDir(), "unknown-field.yaml")
	if err := os.WriteFile(manifest, []byte("apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: typo\n"+
		"spec:\n  cronSpec: \"* * * * *\"\n  image: busybox\n  replica: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := s.Kubectl(t, "create", "--validate=strict", "-f", manifest)
	if err == nil || !strings.Contains(errOut, "replica") {
		t.Errorf("kubectl create --validate=strict with an unknown field: %v %q", err, errOut)
	}

	// Both OpenAPI documents are served for every group-version.
	client := s.Clientset(t).Discovery().RESTClient()
	for _, path := range []string{"/openapi/v2", "/openapi/v3/apis/stable.example.com/v1", "/openapi/v3/apis/stable.example.com/v1beta1",
		"/openapi/v3/apis/wardle.example.com/v1alpha1", "/openapi/v3/apis/wardle.example.com/v1beta1"} {
		body, err := client.Get().AbsPath(path).Do(context.Background()).Raw()
		if err != nil || !strings.Contains(string(body), "x-kubernetes-group-version-kind") {
			t.Errorf("GET %s: %v (%d bytes)", path, err, len(body))
		}
	}

	// Selectable fields are published as kube-apiserver does for CRDs, in
	// each version's spelling.
	for _, tc := range []struct{ path, model, want string }{
		{"/openapi/v3/apis/stable.example.com/v1", "com.example.stable.v1.CronTab", "spec.cronSpec spec.image spec.suspend status.replicas"},
		{"/openapi/v3/apis/stable.example.com/v1beta1", "com.example.stable.v1beta1.CronTab", "spec.image spec.schedule status.replicas"},
		{"/openapi/v3/apis/wardle.example.com/v1beta1", "com.example.wardle.v1beta1.Flunder", "spec.referenceType"},
	} {
		body, err := client.Get().AbsPath(tc.path).Do(context.Background()).Raw()
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Components struct {
				Schemas map[string]struct {
					Selectable []struct {
						FieldPath string `json:"fieldPath"`
					} `json:"x-kubernetes-selectable-fields"`
				} `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range doc.Components.Schemas[tc.model].Selectable {
			got = append(got, f.FieldPath)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s x-kubernetes-selectable-fields = %v, want %s", tc.model, got, tc.want)
		}
	}
}
