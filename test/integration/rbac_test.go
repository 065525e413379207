package integration

import (
	"os"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/example/extension-apiserver/pkg/apiserver"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestRolesGrantEveryServedResource: the view role of artifacts/deploy
// reads every resource and subresource the server serves, and the edit role
// writes every namespaced resource, so that a kind or subresource added to the server
// is not forgotten in the deployment's RBAC.
func TestRolesGrantEveryServedResource(t *testing.T) {
	rules := deployedRoleRules(t)
	s := framework.StartServer(t, framework.ServerConfig{})
	discovery := s.Clientset(t).Discovery()
	for _, g := range apiserver.Groups {
		list, err := discovery.ServerResourcesForGroupVersion(g.Name + "/" + apiserver.ServedVersions(g.Name)[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list.APIResources {
			for _, verb := range r.Verbs {
				read := verb == "get" || verb == "list" || verb == "watch"
				if read && !rules["extension-apiserver:view"].allows(g.Name, r.Name, verb) {
					t.Errorf("extension-apiserver:view does not allow %s on %s.%s", verb, r.Name, g.Name)
				}
				// Cluster-scoped kinds (classes) are the cluster admin's to write.
				if r.Namespaced && !strings.Contains(r.Name, "/") && !rules["extension-apiserver:edit"].allows(g.Name, r.Name, verb) {
					t.Errorf("extension-apiserver:edit does not allow %s on %s.%s", verb, r.Name, g.Name)
				}
			}
		}
	}
}

type policyRules []rbacv1.PolicyRule

func (rules policyRules) allows(group, resource, verb string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) {
			return true
		}
	}
	return false
}

// deployedRoleRules reads the ClusterRoles of artifacts/deploy/base/rbac.yaml.
func deployedRoleRules(t *testing.T) map[string]policyRules {
	t.Helper()
	data, err := os.ReadFile("../../artifacts/deploy/base/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]policyRules{}
	for _, document := range strings.Split(string(data), "\n---\n") {
		var role rbacv1.ClusterRole
		if err := yaml.Unmarshal([]byte(document), &role); err != nil {
			t.Fatal(err)
		}
		if role.Kind == "ClusterRole" {
			roles[role.Name] = role.Rules
		}
	}
	return roles
}
