package testutil

import (
	"context"
	"encoding/json"

	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/storagemigration"
)

// MigrationStatus is a replica's storage migration status, as it serves it
// at storagemigration.Path.
func MigrationStatus(ctx context.Context, cs clientset.Interface) (storagemigration.Status, error) {
	var status storagemigration.Status
	body, err := cs.Discovery().RESTClient().Get().AbsPath(storagemigration.Path).DoRaw(ctx)
	if err != nil {
		return status, err
	}
	return status, json.Unmarshal(body, &status)
}
