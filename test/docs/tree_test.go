package docs

import (
	"os/exec"
	"strings"
	"testing"
)

// TestShippedCodeImportsNoTooling: what cmd/ and pkg/ build (tests aside)
// imports nothing under internal/ or test/, as docs/architecture.md says, so
// the tree tells what runs in production.
func TestShippedCodeImportsNoTooling(t *testing.T) {
	list := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./cmd/...", "./pkg/...")
	list.Dir = repoRoot
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/example/extension-apiserver/"
	packages := strings.Fields(string(out))
	if len(packages) < 50 {
		t.Fatalf("go list printed %d packages, want the shipped code's dependencies", len(packages))
	}
	for _, p := range packages {
		if strings.HasPrefix(p, module+"internal/") || strings.HasPrefix(p, module+"test/") {
			t.Errorf("shipped code depends on %s, which is development tooling", p)
		}
	}
}
