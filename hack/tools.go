//go:build tools

// Package tools pins the code generators so that hack/update-codegen.sh runs
// them from the module cache at the versions in go.mod.
package tools

import (
	_ "k8s.io/code-generator"
	_ "k8s.io/kube-openapi/cmd/openapi-gen"
)
