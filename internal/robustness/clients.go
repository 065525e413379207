package robustness

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/apiserver"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// ColorLabel is the label writes set to red or blue, so that label-selected
// watches see objects enter and leave their selection.
const ColorLabel = "robustness.example.com/color"

// Endpoint is one way to the server: a replica, in one encoding.
type Endpoint struct {
	Name   string
	Client clientset.Interface
}

// Recorder runs clients and watchers against the server and records what
// they see.
type Recorder struct {
	History *History
	// Namespace holds the keys.
	Namespace string
	Keys      []string
	// Timeout bounds every call; a call that runs out is of unknown outcome.
	Timeout time.Duration

	mu sync.Mutex
	// errors counts the calls of unknown outcome by error, to tell faults
	// apart in the log; outcomes the calls by endpoint and whether their
	// outcome is known.
	errors   map[string]int
	outcomes map[outcomeKey]int
	watchers []*watcher
}

// NewRecorder records operations on keys in namespace into h.
func NewRecorder(h *History, namespace string, keys []string) *Recorder {
	return &Recorder{History: h, Namespace: namespace, Keys: keys, Timeout: 5 * time.Second, errors: map[string]int{}, outcomes: map[outcomeKey]int{}}
}

// Run is one client until ctx ends: random operations and lists on the
// hot keys, through ep.
func (r *Recorder) Run(ctx context.Context, id int, ep Endpoint, rng *rand.Rand) {
	r.run(ctx, &client{r: r, id: id, ep: ep, rng: rng, seen: map[string]int64{}})
}

// Read is a client that only gets, until ctx ends.
func (r *Recorder) Read(ctx context.Context, id int, ep Endpoint, rng *rand.Rand) {
	r.run(ctx, &client{r: r, id: id, ep: ep, rng: rng, seen: map[string]int64{}, readOnly: true})
}

func (r *Recorder) run(ctx context.Context, c *client) {
	for n := 0; ctx.Err() == nil; n++ {
		if !c.readOnly && c.rng.IntN(10) == 0 {
			c.list(ctx)
			continue
		}
		c.operate(ctx, r.Keys[c.rng.IntN(len(r.Keys))], fmt.Sprintf("c%d-%d", c.id, n))
	}
}

type outcomeKey struct {
	endpoint string
	unknown  bool
}

// Outcomes counts the operations through the endpoints whose names start
// with prefix: answered, and of unknown outcome. Faults wait on them.
func (r *Recorder) Outcomes(prefix string) (answered, unknown int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, n := range r.outcomes {
		if strings.HasPrefix(k.endpoint, prefix) {
			if k.unknown {
				unknown += n
			} else {
				answered += n
			}
		}
	}
	return answered, unknown
}

// Errors are the calls of unknown outcome, by error.
func (r *Recorder) Errors() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.errors {
		out[k] = v
	}
	return out
}

type client struct {
	r   *Recorder
	id  int
	ep  Endpoint
	rng *rand.Rand
	// seen is the latest resourceVersion this client saw of each key: the
	// precondition of its next update or delete, stale when others wrote.
	seen     map[string]int64
	listedRV int64
	readOnly bool
}

func (c *client) operate(ctx context.Context, key, image string) {
	kinds := []OpKind{Create, Get, Get, Update, Update, Replace, Patch, Delete}
	op := Operation{Client: c.id, Kind: kinds[c.rng.IntN(len(kinds))], Key: key, Via: c.ep.Name}
	if c.readOnly {
		op.Kind = Get
	}
	if op.write() && op.Kind != Delete {
		op.Image = image
	}
	if op.Kind == Update || op.Kind == Delete {
		op.Precondition = c.seen[key]
	}
	if op.Kind == Update && op.Precondition == 0 {
		op.Kind = Replace // nothing seen to require: a PUT without resourceVersion
	}
	crontabs := c.ep.Client.StableV1().CronTabs(c.r.Namespace)
	color := []string{"red", "blue"}[c.rng.IntN(2)]
	suspend := c.rng.IntN(2) == 0
	object := func(rv int64) *stablev1.CronTab {
		ct := &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: key, Labels: map[string]string{ColorLabel: color}},
			Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: image, Replicas: ptr.To[int32](1), Suspend: ptr.To(suspend)}}
		if rv != 0 {
			ct.ResourceVersion = strconv.FormatInt(rv, 10)
		}
		return ct
	}
	// Stopping the run lets calls in flight finish: one cancelled by the
	// stop could still land after the last revision the check reads.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.r.Timeout)
	defer cancel()
	op.Call = c.r.History.Now()
	var out *stablev1.CronTab
	var err error
	switch op.Kind {
	case Create:
		out, err = crontabs.Create(callCtx, object(0), metav1.CreateOptions{})
	case Get:
		out, err = crontabs.Get(callCtx, key, metav1.GetOptions{})
	case Update:
		out, err = crontabs.Update(callCtx, object(op.Precondition), metav1.UpdateOptions{})
	case Replace:
		out, err = crontabs.Update(callCtx, object(0), metav1.UpdateOptions{})
	case Patch:
		patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}},"spec":{"image":%q,"suspend":%t}}`, ColorLabel, color, image, suspend)
		out, err = crontabs.Patch(callCtx, key, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	case Delete:
		// The answer is a Status: the object's last version is the
		// precondition's.
		err = crontabs.Delete(callCtx, key, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: ptr.To(strconv.FormatInt(op.Precondition, 10))}})
	}
	op.Return = c.r.History.Now()
	op.Result = c.r.classify(err)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return // never reached a server: no operation happened
	}
	if op.Result == OK && out != nil {
		op.Output = objectOf(out)
		if op.Kind != Delete {
			c.seen[key] = op.Output.RV
		}
	}
	if op.Result == NotFound {
		delete(c.seen, key)
	}
	c.r.mu.Lock()
	c.r.outcomes[outcomeKey{c.ep.Name, op.Result == Unknown}]++
	c.r.mu.Unlock()
	c.r.History.addOp(op)
}

func (r *Recorder) classify(err error) Result {
	switch {
	case err == nil:
		return OK
	case apierrors.IsNotFound(err):
		return NotFound
	case apierrors.IsAlreadyExists(err):
		return AlreadyExists
	case apierrors.IsConflict(err):
		return Conflict
	}
	key := "other"
	var status apierrors.APIStatus
	switch {
	case errors.As(err, &status):
		key = fmt.Sprintf("%d %s", status.Status().Code, status.Status().Reason)
	case errors.Is(err, context.DeadlineExceeded):
		key = "time-out"
	case errors.Is(err, syscall.ECONNREFUSED):
		key = "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		key = "connection reset"
	}
	r.mu.Lock()
	r.errors[key]++
	r.mu.Unlock()
	return Unknown
}

func objectOf(ct *stablev1.CronTab) Object {
	rv, _ := strconv.ParseInt(ct.ResourceVersion, 10, 64)
	return Object{Name: ct.Name, Image: ct.Spec.Image, RV: rv, Labels: ct.Labels, Suspend: ptr.Deref(ct.Spec.Suspend, false)}
}

// DecodeStored turns a CronTab as etcd stores it (JSON or protobuf, any
// stored version) into the fields the checks compare.
func DecodeStored(_ string, value []byte) (Object, error) {
	obj, _, err := apiserver.Codecs.UniversalDecoder(stablev1.SchemeGroupVersion).Decode(value, nil, &stablev1.CronTab{})
	if err != nil {
		return Object{}, err
	}
	ct, ok := obj.(*stablev1.CronTab)
	if !ok {
		return Object{}, fmt.Errorf("stored %T, not a CronTab", obj)
	}
	return objectOf(ct), nil
}
