package faults

import (
	"context"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	"github.com/example/extension-apiserver/pkg/apiserver"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// Where the server keeps the objects of the default namespace.
const (
	cronTabKeys = "/extension-apiserver/stable.example.com/crontabs/"
	flunderKeys = "/extension-apiserver/wardle.example.com/flunders/"
)

// ledgerTarget reads one resource's objects back, to check a ledger: the
// field the writers set, as a replica serves it and as etcd stores it.
type ledgerTarget struct {
	served func(ctx context.Context, cs clientset.Interface, name string) (string, error)
	// stored is the field in etcd's value, and whether the key is there;
	// with encrypted values it tells only the key's presence (value "").
	stored    func(ctx context.Context, name string) (value string, exists bool, err error)
	encrypted bool
}

// checkLedger checks every acknowledged write of l against both replicas and
// etcd; it returns the acknowledged writes lost and the objects in doubt.
func checkLedger(t *testing.T, l *ledger, replicas []clientset.Interface, target ledgerTarget) (lost, inDoubt int) {
	t.Helper()
	ctx := context.Background()
	for name, e := range l.snapshot() {
		if e.inDoubt {
			inDoubt++
			continue
		}
		for i, cs := range replicas {
			value, err := target.served(ctx, cs, name)
			switch {
			case e.exists && err != nil:
				lost++
				t.Errorf("replica %d: acknowledged %s is missing: %v", i, name, err)
			case e.exists && value != e.value:
				lost++
				t.Errorf("replica %d: %s holds %q, the last acknowledged write set %q", i, name, value, e.value)
			case !e.exists && !apierrors.IsNotFound(err):
				lost++
				t.Errorf("replica %d: acknowledged delete of %s, but: %v", i, name, err)
			}
		}
		value, exists, err := target.stored(ctx, name)
		if err != nil {
			t.Fatalf("etcd: %s: %v", name, err)
		}
		if exists != e.exists || (exists && !target.encrypted && value != e.value) {
			lost++
			t.Errorf("etcd: %s does not hold the last acknowledged write (exists %v, %q): exists %v, %q", name, e.exists, e.value, exists, value)
		}
	}
	return lost, inDoubt
}

// cronTabsIn reads CronTabs back from replicas and etcd; their images are
// the ledger's values.
func cronTabsIn(etcd *clientv3.Client, encrypted bool) ledgerTarget {
	return ledgerTarget{
		served: func(ctx context.Context, cs clientset.Interface, name string) (string, error) {
			ct, err := cs.StableV1().CronTabs("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return "", err
			}
			return ct.Spec.Image, nil
		},
		stored: storedField(etcd, cronTabKeys, encrypted, func(value []byte) (string, error) {
			// Decoded as the server does, whatever the storage encoding.
			obj, _, err := apiserver.Codecs.UniversalDeserializer().Decode(value, nil, &stablev1.CronTab{})
			if err != nil {
				return "", err
			}
			return obj.(*stablev1.CronTab).Spec.Image, nil
		}),
		encrypted: encrypted,
	}
}

// flundersIn reads Flunders back from replicas and etcd; their references
// are the ledger's values.
func flundersIn(etcd *clientv3.Client, encrypted bool) ledgerTarget {
	return ledgerTarget{
		served: func(ctx context.Context, cs clientset.Interface, name string) (string, error) {
			f, err := cs.WardleV1beta1().Flunders("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return "", err
			}
			return f.Spec.FlunderReference, nil
		},
		stored: storedField(etcd, flunderKeys, encrypted, func(value []byte) (string, error) {
			obj, _, err := apiserver.Codecs.UniversalDecoder().Decode(value, nil, &wardle.Flunder{})
			if err != nil {
				return "", err
			}
			return obj.(*wardle.Flunder).Spec.FlunderReference, nil
		}),
		encrypted: encrypted,
	}
}

// storedField reads the object under prefix+"default/"+name from etcd and
// its field with decode, unless its values are encrypted.
func storedField(etcd *clientv3.Client, prefix string, encrypted bool, decode func([]byte) (string, error)) func(context.Context, string) (string, bool, error) {
	return func(ctx context.Context, name string) (string, bool, error) {
		resp, err := etcd.Get(ctx, prefix+"default/"+name)
		if err != nil || len(resp.Kvs) == 0 {
			return "", false, err
		}
		if encrypted {
			return "", true, nil
		}
		value, err := decode(resp.Kvs[0].Value)
		return value, true, err
	}
}
