package integration

import (
	"testing"

	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestCRUDEveryKindEveryVersion runs create, get, list, watch, update, the
// three patch types and delete for every kind in every served version.
func TestCRUDEveryKindEveryVersion(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	framework.RunCRUD(t, s.Config, "default")
}
