package registry

import (
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
// annotation keys, short values, owner references, finalizers, and the
// managers, versions and field sets of managedFields) instead of holding its
// own. The watch cache keeps every object decoded, and these repeated parts
// were about a tenth of its memory per object. Copies are canonicalized with
// package unique, so they are released once no object refers to them.
//
// Sharing is safe because stored objects are read-only once decoded (the
// watch cache already hands one decoded object to every reader); the one
// shared byte slice, FieldsV1.Raw, is replaced, never written into, by the
// managed fields code, and decoders reset the objects they decode into.
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
	m.Labels = internMap(m.Labels)
	m.Annotations = internMap(m.Annotations)
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
