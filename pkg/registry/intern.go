package registry

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"unique"
	"unsafe"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/recognizer"
)

// internedValueMaxLen bounds the label and annotation values that are
// interned: short values (label values, flags, owner names) repeat across
// objects, long ones (last-applied configurations, payloads) rarely do and
// would only cost a hash each.
const internedValueMaxLen = 64

// InternMetadataDecoders is a storage decoder decoration
// (DefaultStorageFactory.AddSerializationChains): every object read from
// etcd shares one copy of the metadata that repeats across objects (label and
// annotation maps of equal content, their keys and short values, owner
// references, finalizers, and the managers, versions and field sets of
// managedFields) instead of holding its own. The watch cache keeps every
// object decoded, and these repeated parts were about a third of its memory
// per object. Strings are canonicalized with package unique, so they are
// released once no object refers to them; maps through a bounded table
// (sharedMaps).
//
// Sharing is safe because stored objects are read-only once decoded: the
// watch cache already hands its one decoded object, maps included, to every
// reader (a get from the cache is a shallow copy), so code that wrote into a
// read object's labels would already corrupt the cache; writers work on deep
// copies. The one shared byte slice, FieldsV1.Raw, is replaced, never written
// into, by the managed fields code, and decoders reset the objects they
// decode into.
func InternMetadataDecoders(decoders []runtime.Decoder) []runtime.Decoder {
	return []runtime.Decoder{internMetadataDecoder{recognizer.NewDecoder(decoders...)}}
}

type internMetadataDecoder struct{ runtime.Decoder }

func (d internMetadataDecoder) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	obj, gvk, err := d.Decoder.Decode(data, defaults, into)
	if accessor, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if meta, ok := accessor.GetObjectMeta().(*metav1.ObjectMeta); ok {
			internObjectMeta(meta)
		}
	}
	return obj, gvk, err
}

func internObjectMeta(m *metav1.ObjectMeta) {
	m.Namespace = intern(m.Namespace)
	m.GenerateName = intern(m.GenerateName)
	m.Labels = sharedMaps.share(m.Labels)
	m.Annotations = sharedMaps.share(m.Annotations)
	for i := range m.Finalizers {
		m.Finalizers[i] = intern(m.Finalizers[i])
	}
	for i := range m.OwnerReferences {
		ref := &m.OwnerReferences[i]
		ref.APIVersion, ref.Kind, ref.Name = intern(ref.APIVersion), intern(ref.Kind), intern(ref.Name)
		ref.UID = unique.Make(ref.UID).Value()
	}
	for i := range m.ManagedFields {
		entry := &m.ManagedFields[i]
		entry.Manager = intern(entry.Manager)
		entry.Operation = unique.Make(entry.Operation).Value()
		entry.APIVersion = intern(entry.APIVersion)
		entry.FieldsType = intern(entry.FieldsType)
		entry.Subresource = intern(entry.Subresource)
		if entry.FieldsV1 != nil {
			entry.FieldsV1 = &metav1.FieldsV1{Raw: internBytes(entry.FieldsV1.Raw)}
		}
	}
}

func intern(s string) string {
	if s == "" {
		return s
	}
	return unique.Make(s).Value()
}

// internMap returns a map of the same entries with interned keys and short
// values. It is a new map: the decoded one may be the only copy of a caller's.
func internMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	interned := make(map[string]string, len(m))
	for k, v := range m {
		if len(v) <= internedValueMaxLen {
			v = intern(v)
		}
		interned[intern(k)] = v
	}
	return interned
}

// Bounds of the shared map table: a map whose entries take more than
// sharedMapMaxBytes (a last-applied configuration, a payload) is rarely
// equal to another's and is not shared; after sharedMapsMax distinct maps
// the table starts afresh, so that contents seen once (a label naming its
// object) cannot crowd out those that repeat. The table holds at most about
// sharedMapsMax * 2 * sharedMapMaxBytes.
const (
	sharedMapMaxBytes = 1024
	sharedMapsMax     = 4096
)

var sharedMaps = mapTable{maps: map[string]map[string]string{}}

// mapTable holds one map per distinct content: a map of a few entries costs
// about 300 bytes however little it holds, so objects whose labels (or
// annotations) are equal share one.
type mapTable struct {
	mu   sync.RWMutex
	maps map[string]map[string]string
}

// share returns the table's map of m's content, entering an interned copy of
// m when there is none; maps too large to share get an interned copy of
// their own.
func (t *mapTable) share(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	key, ok := contentKey(m)
	if !ok {
		return internMap(m)
	}
	t.mu.RLock()
	shared, found := t.maps[key]
	t.mu.RUnlock()
	if found {
		return shared
	}
	interned := internMap(m)
	t.mu.Lock()
	defer t.mu.Unlock()
	if shared, found := t.maps[key]; found {
		return shared
	}
	if len(t.maps) >= sharedMapsMax {
		clear(t.maps)
	}
	t.maps[key] = interned
	return interned
}

// contentKey spells m's entries in key order, or says m is larger than
// sharedMapMaxBytes.
func contentKey(m map[string]string) (string, bool) {
	size := 0
	for k, v := range m {
		if size += len(k) + len(v) + 2; size > sharedMapMaxBytes {
			return "", false
		}
	}
	var b strings.Builder
	b.Grow(size)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(m[k])
		b.WriteByte(0)
	}
	return b.String(), true
}

// internBytes returns a slice of the canonical copy of b, capped at its
// length so that appending to it reallocates.
func internBytes(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	s := unique.Make(string(b)).Value()
	shared := unsafe.Slice(unsafe.StringData(s), len(s))
	return shared[:len(shared):len(shared)]
}
