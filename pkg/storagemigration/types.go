// Package storagemigration keeps every stored object in the storage version
// and encoding the server writes today. After --storage-versions or
// --storage-media-type changes, objects written before are rewritten, one
// by one, through the resource's own storage: the same compare-and-swap
// write every update makes, with the object unchanged, so admission,
// validation, managed fields and generation are untouched and a concurrent
// client write simply wins and is retried against.
//
// Replicas sharing an etcd coordinate there: each records, under a lease,
// the encoding it writes for each resource, and one of them, elected with
// etcd's election recipe, migrates a resource only once every live replica
// writes that resource's target encoding (a replica still writing the old
// one would undo the migration behind it). Progress is checkpointed in etcd
// after every page, so a successor resumes where a crashed migrator
// stopped.
package storagemigration

import (
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
)

// Encoding is how an object is stored: its API version and media type.
type Encoding struct {
	Version   string `json:"version"`
	MediaType string `json:"mediaType"`
}

func (e Encoding) String() string { return e.Version + " " + e.MediaType }

// Resource is one resource whose stored objects the migrator keeps current.
type Resource struct {
	GroupResource schema.GroupResource
	// Storage is the resource's storage (the watch cache over etcd); every
	// rewrite goes through it.
	Storage storage.Interface
	// NewFunc returns an empty object of the resource.
	NewFunc func() runtime.Object
	// KeyPrefix is the etcd key prefix of the resource's objects, ending in
	// "/"; StoragePrefix is the part of it the storage adds to its own keys.
	KeyPrefix, StoragePrefix string
	// Transformer reads values as the storage does (encryption at rest).
	Transformer value.Transformer
	// Target is the encoding this server writes.
	Target Encoding
	// Client reaches the etcd cluster the resource is stored in, which
	// --etcd-servers-overrides may make another than Config.Client's (the
	// one the replicas coordinate in); nil: Config.Client's.
	Client *clientv3.Client
}

// client is the etcd the resource's objects are read from.
func (r Resource) client(coordination *clientv3.Client) *clientv3.Client {
	if r.Client != nil {
		return r.Client
	}
	return coordination
}

// Name is the resource as kubectl spells it: crontabs.stable.example.com.
func (r Resource) Name() string { return r.GroupResource.String() }

// Resource states in the status.
const (
	// StateCurrent: every stored object is in the target encoding.
	StateCurrent = "Current"
	// StatePending: objects are in another encoding and automatic migration
	// is off; POST /storage-migration starts it.
	StatePending = "Pending"
	// StateWaiting: a live replica still writes another encoding.
	StateWaiting = "Waiting"
	// StateMigrating: objects are being rewritten.
	StateMigrating = "Migrating"
	// StateFailed: the last pass could not finish; it is retried.
	StateFailed = "Failed"
)

// ResourceStatus is what the migrator knows of one resource. It is also the
// checkpoint of a migration, kept in etcd, so that every replica shows it
// and a successor resumes from LastKey.
type ResourceStatus struct {
	Resource string   `json:"resource"`
	Target   Encoding `json:"target"`
	State    string   `json:"state"`
	Message  string   `json:"message,omitempty"`
	// Stored counts objects by "<version> <media type>" at the last scan.
	Stored map[string]int `json:"stored"`
	// Pending is the number of objects not yet in the target encoding
	// (StaleEncryption of them only need re-encrypting).
	Pending         int `json:"pending"`
	StaleEncryption int `json:"staleEncryption,omitempty"`
	// Migrated counts the objects rewritten towards Target by the current
	// or last migration.
	Migrated int `json:"migrated"`
	// WaitingFor names the live replicas that write another encoding.
	WaitingFor []string `json:"waitingFor,omitempty"`
	// LastKey is the last key the current migration handled; ResumedFrom is
	// the key a migrator resumed after, when it took over a migration.
	LastKey     string    `json:"lastKey,omitempty"`
	ResumedFrom string    `json:"resumedFrom,omitempty"`
	Migrator    string    `json:"migrator,omitempty"`
	StartedAt   time.Time `json:"startedAt,omitzero"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Status is the answer of GET /storage-migration.
type Status struct {
	// Identity is the replica that answered, Leader the one that migrates.
	Identity  string `json:"identity"`
	Leader    string `json:"leader,omitempty"`
	Automatic bool   `json:"automatic"`
	// Replicas are the live replicas and what each writes.
	Replicas  []ReplicaRecord  `json:"replicas"`
	Resources []ResourceStatus `json:"resources"`
}

// ReplicaRecord is what a replica publishes under its lease.
type ReplicaRecord struct {
	Identity string `json:"identity"`
	// Writes maps each resource (crontabs.stable.example.com) to the
	// encoding the replica writes it in.
	Writes map[string]Encoding `json:"writes"`
}
