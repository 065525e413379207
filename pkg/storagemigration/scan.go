package storagemigration

import (
	"bytes"
	"context"
	"encoding/json"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage/value"
)

// Keys per etcd range read: counting reads large pages; migrating reads
// small ones, as each page ends with a checkpoint.
const (
	countPageSize   = 500
	migratePageSize = 100
)

// protobufPrefix starts every value k8s.io/apimachinery's protobuf
// serializer writes.
var protobufPrefix = []byte("k8s\x00")

// storedObject is one etcd value as the migrator sees it.
type storedObject struct {
	key      string
	encoding Encoding
	// staleEncryption is set when the value was encrypted with a key that
	// is no longer the one writes use.
	staleEncryption bool
}

func (o storedObject) current(target Encoding) bool {
	return o.encoding == target && !o.staleEncryption
}

// classify tells how a value is stored. A value that cannot be read (no
// longer decryptable, or not an encoding this server writes) is reported as
// such, with an "unreadable" encoding, and counts as pending.
func classify(ctx context.Context, r Resource, kv keyValue) storedObject {
	o := storedObject{key: kv.key}
	data, stale, err := r.Transformer.TransformFromStorage(ctx, kv.value, value.DefaultContext(kv.key))
	if err != nil {
		o.encoding = Encoding{Version: "unknown", MediaType: "unreadable"}
		return o
	}
	o.staleEncryption = stale
	o.encoding = EncodingOf(data)
	return o
}

// EncodingOf tells the API version and media type of a value as the
// server's storage writes it (after decryption): protobuf, JSON, or
// "unknown".
func EncodingOf(data []byte) Encoding {
	switch {
	case bytes.HasPrefix(data, protobufPrefix):
		var unknown runtime.Unknown
		e := Encoding{Version: "unknown", MediaType: runtime.ContentTypeProtobuf}
		if unknown.Unmarshal(data[len(protobufPrefix):]) == nil {
			e.Version = unknown.APIVersion
		}
		return e
	case bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{")):
		var typeMeta runtime.TypeMeta
		e := Encoding{Version: "unknown", MediaType: runtime.ContentTypeJSON}
		if json.Unmarshal(data, &typeMeta) == nil {
			e.Version = typeMeta.APIVersion
		}
		return e
	}
	return Encoding{Version: "unknown", MediaType: "unknown"}
}

type keyValue struct {
	key   string
	value []byte
}

// forEachPage reads the resource's keys in order, after the key after (all
// of them when after is empty), pageSize at a time, and stops at the first
// error fn returns.
func forEachPage(ctx context.Context, client *clientv3.Client, r Resource, after string, pageSize int64, fn func([]keyValue) error) error {
	end := clientv3.GetPrefixRangeEnd(r.KeyPrefix)
	from := r.KeyPrefix
	if after != "" {
		from = after + "\x00"
	}
	for {
		resp, err := client.Get(ctx, from, clientv3.WithRange(end), clientv3.WithLimit(pageSize))
		if err != nil {
			return err
		}
		if len(resp.Kvs) == 0 {
			return nil
		}
		page := make([]keyValue, len(resp.Kvs))
		for i, kv := range resp.Kvs {
			page[i] = keyValue{key: string(kv.Key), value: kv.Value}
		}
		if err := fn(page); err != nil {
			return err
		}
		if !resp.More {
			return nil
		}
		from = page[len(page)-1].key + "\x00"
	}
}

// census counts a resource's stored objects by encoding.
type census struct {
	stored          map[string]int
	pending         int
	staleEncryption int
}

func takeCensus(ctx context.Context, client *clientv3.Client, r Resource) (census, error) {
	c := census{stored: map[string]int{}}
	err := forEachPage(ctx, client, r, "", countPageSize, func(page []keyValue) error {
		for _, kv := range page {
			o := classify(ctx, r, kv)
			c.stored[o.encoding.String()]++
			if !o.current(r.Target) {
				c.pending++
				if o.staleEncryption {
					c.staleEncryption++
				}
			}
		}
		return nil
	})
	return c, err
}
