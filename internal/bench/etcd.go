package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EtcdTarget stores the same JSON objects directly in etcd, as an API
// server would at its best: put-if-absent transactions, compare-and-swap
// updates, linearizable reads.
type EtcdTarget struct {
	client *clientv3.Client
	prefix string
}

// NewEtcdTarget returns a target under prefix.
func NewEtcdTarget(client *clientv3.Client, prefix string) *EtcdTarget {
	return &EtcdTarget{client: client, prefix: prefix}
}

func (t *EtcdTarget) key(i int) string { return t.prefix + objectName(i) }

func (t *EtcdTarget) value(i int, stamp int64, image string) string {
	obj := wireObject{APIVersion: "stable.example.com/v1", Kind: "CronTab",
		Metadata: metav1.ObjectMeta{Name: objectName(i), Namespace: "default", Labels: map[string]string{"app.kubernetes.io/part-of": "bench"},
			Annotations: benchAnnotations(map[string]string{StampAnnotation: strconv.FormatInt(stamp, 10)})},
		Spec: map[string]any{"cronSpec": "*/5 * * * *", "image": image, "replicas": 2},
	}
	data, _ := json.Marshal(&obj)
	return string(data)
}

func (t *EtcdTarget) Create(ctx context.Context, i int) error {
	resp, err := t.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(t.key(i)), "=", 0)).
		Then(clientv3.OpPut(t.key(i), t.value(i, 0, "registry.example.com/cron:"+strconv.Itoa(i)))).Commit()
	if err == nil && !resp.Succeeded {
		err = fmt.Errorf("%s exists", t.key(i))
	}
	return err
}

func (t *EtcdTarget) Get(ctx context.Context, i int) error {
	resp, err := t.client.Get(ctx, t.key(i))
	if err == nil && len(resp.Kvs) != 1 {
		err = fmt.Errorf("%s not found", t.key(i))
	}
	if err == nil {
		err = json.Unmarshal(resp.Kvs[0].Value, &wireObject{})
	}
	return err
}

func (t *EtcdTarget) List(ctx context.Context) (int, error) {
	resp, err := t.client.Get(ctx, t.prefix, clientv3.WithPrefix())
	if err != nil {
		return 0, err
	}
	items := make([]wireObject, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		if err := json.Unmarshal(kv.Value, &items[i]); err != nil {
			return 0, err
		}
	}
	return len(resp.Kvs), nil
}

func (t *EtcdTarget) Update(ctx context.Context, i int) error {
	get, err := t.client.Get(ctx, t.key(i))
	if err != nil {
		return err
	}
	if len(get.Kvs) != 1 {
		return fmt.Errorf("%s not found", t.key(i))
	}
	resp, err := t.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(t.key(i)), "=", get.Kvs[0].ModRevision)).
		Then(clientv3.OpPut(t.key(i), t.value(i, 0, fmt.Sprintf("updated-%d-%d", i, get.Kvs[0].ModRevision)))).Commit()
	if err == nil && !resp.Succeeded {
		err = fmt.Errorf("%s changed concurrently", t.key(i))
	}
	return err
}

func (t *EtcdTarget) Delete(ctx context.Context, i int) error {
	resp, err := t.client.Delete(ctx, t.key(i))
	if err == nil && resp.Deleted != 1 {
		err = fmt.Errorf("%s not found", t.key(i))
	}
	return err
}

func (t *EtcdTarget) Stamp(ctx context.Context, i int, nanos int64) error {
	_, err := t.client.Put(ctx, t.key(i), t.value(i, nanos, "stamped"))
	return err
}

func (t *EtcdTarget) Watch(ctx context.Context) (<-chan int64, error) {
	stamps := make(chan int64, 1024)
	w := t.client.Watch(ctx, t.prefix, clientv3.WithPrefix())
	go func() {
		defer close(stamps)
		for resp := range w {
			for _, ev := range resp.Events {
				var obj wireObject
				if json.Unmarshal(ev.Kv.Value, &obj) != nil {
					continue
				}
				if nanos, err := strconv.ParseInt(obj.Metadata.Annotations[StampAnnotation], 10, 64); err == nil && nanos > 0 {
					stamps <- nanos
				}
			}
		}
	}()
	return stamps, nil
}
