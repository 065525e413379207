package storagemigration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
)

// Path is where the server serves the migration status (GET) and takes
// requests to migrate now (POST).
const Path = "/storage-migration"

// Trigger asks the leader, wherever it runs, to migrate every resource now.
func (m *Migrator) Trigger(ctx context.Context) error {
	_, err := m.config.Client.Put(ctx, m.key(triggerKey), time.Now().UTC().Format(time.RFC3339Nano))
	return err
}

// Status reads the migration status from etcd, so that every replica
// answers the same.
func (m *Migrator) Status(ctx context.Context) (Status, error) {
	status := Status{Identity: m.config.Identity, Automatic: m.config.Automatic}
	leader, err := m.config.Client.Get(ctx, m.key(ElectionKey), clientv3.WithFirstCreate()...)
	if err != nil {
		return status, err
	}
	if len(leader.Kvs) > 0 {
		status.Leader = string(leader.Kvs[0].Value)
	}
	if status.Replicas, err = m.liveReplicas(ctx); err != nil {
		return status, err
	}
	for _, r := range m.config.Resources {
		rs, err := m.loadStatus(ctx, r)
		if err != nil {
			return status, err
		}
		status.Resources = append(status.Resources, rs)
	}
	return status, nil
}

// Handler serves Path. The server's authorization applies: the caller needs
// the get or create verb on the non-resource URL /storage-migration.
func (m *Migrator) Handler(serializer runtime.NegotiatedSerializer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 30*time.Second)
		defer cancel()
		switch req.Method {
		case http.MethodGet:
		case http.MethodPost:
			if err := m.Trigger(ctx); err != nil {
				responsewriters.ErrorNegotiated(apierrors.NewServiceUnavailable(fmt.Sprintf("requesting a storage migration: %v", err)),
					serializer, schema.GroupVersion{}, w, req)
				return
			}
		default:
			responsewriters.ErrorNegotiated(apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "storage-migration"}, req.Method),
				serializer, schema.GroupVersion{}, w, req)
			return
		}
		status, err := m.Status(ctx)
		if err != nil {
			responsewriters.ErrorNegotiated(apierrors.NewServiceUnavailable(fmt.Sprintf("reading the storage migration status: %v", err)),
				serializer, schema.GroupVersion{}, w, req)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if req.Method == http.MethodPost {
			w.WriteHeader(http.StatusAccepted)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(status)
	})
}
