package robustness

import (
	"context"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// list is one list of the namespace, of a random kind: consistent, from
// the cache (resourceVersion 0), exactly at or not older than a
// resourceVersion this client listed before, or consistent in pages of 2.
func (c *client) list(ctx context.Context) {
	l := List{Client: c.id, Via: c.ep.Name}
	switch c.rng.IntN(5) {
	case 0:
	case 1:
		l.ResourceVersion = "0"
	case 2:
		if c.listedRV != 0 {
			l.ResourceVersion, l.Match = strconv.FormatInt(c.listedRV, 10), string(metav1.ResourceVersionMatchExact)
		}
	case 3:
		if c.listedRV != 0 {
			l.ResourceVersion, l.Match = strconv.FormatInt(c.listedRV, 10), string(metav1.ResourceVersionMatchNotOlderThan)
		}
	case 4:
		l.Limit = 2
	}
	if ctx.Err() != nil {
		return
	}
	if c.r.recordList(ctx, c.ep.Client, &l) && l.Complete {
		c.listedRV = l.Pages[0].RV
	}
}

// recordList lists with l's options, following continue tokens, and
// records what came back; it tells whether any page came back.
func (r *Recorder) recordList(ctx context.Context, cs clientset.Interface, l *List) bool {
	opts := metav1.ListOptions{ResourceVersion: l.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatch(l.Match), Limit: l.Limit}
	l.Call = r.History.Now()
	for {
		callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.Timeout)
		page, err := cs.StableV1().CronTabs(r.Namespace).List(callCtx, opts)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				r.classify(err)
			}
			break
		}
		l.Pages = append(l.Pages, pageOf(page))
		if page.Continue == "" {
			l.Complete = true
			break
		}
		opts = metav1.ListOptions{Limit: l.Limit, Continue: page.Continue}
	}
	l.Return = r.History.Now()
	if len(l.Pages) > 0 {
		r.History.addList(*l)
	}
	return len(l.Pages) > 0
}

func pageOf(list *stablev1.CronTabList) Page {
	rv, _ := strconv.ParseInt(list.ResourceVersion, 10, 64)
	p := Page{RV: rv}
	for i := range list.Items {
		p.Items = append(p.Items, objectOf(&list.Items[i]))
	}
	return p
}
