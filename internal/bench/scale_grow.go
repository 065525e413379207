package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/example/extension-apiserver/internal/localcluster"
)

// Why a server's growth stopped short of a size (ScalePoint metrics
// "stopped_<reason>", valued the objects it reached).
const (
	stoppedMemoryCap = "memory_cap"
	stoppedTimeCap   = "time_cap"
)

// capCheckObjects is the most objects created between two checks of the
// caps: a CRD grows by about 30 MiB per 10,000.
const capCheckObjects = 10000

// growth is what one growth step measured.
type growth struct {
	// reached is the object count at the end: the size, unless stopped.
	reached int
	// stopped is why the growth ended early ("" when it did not).
	stopped string
	elapsed time.Duration
	// rates holds the creates per second of each tenth of the step, at the
	// object count that tenth ended at; residentMiB the server's resident
	// memory there (no forced collection).
	rates, residentMiB []ScalePoint
	// serverCPUms and etcdCPUms are CPU per create, summed over the step.
	serverCPUms, etcdCPUms float64
}

// capped tells whether the caps of o stop the server (its first scenario).
func (o ScaleOptions) capped(s ScaleServer) bool {
	for _, scenario := range o.Uncapped {
		if scenario == s.Clients[0].Scenario {
			return false
		}
	}
	return o.MemoryCapMiB > 0 || o.TimeCap > 0
}

// grow creates objects from..to-1 in tenths, and within them in chunks of
// at most capCheckObjects, after each of which it checks the caps: the
// server's resident memory against o.MemoryCapMiB and spent plus this
// step's time against o.TimeCap.
func grow(ctx context.Context, s ScaleServer, from, to int, spent time.Duration, o ScaleOptions, pidOf func(string) (int, error)) (growth, error) {
	g := growth{reached: from}
	pid, err := pidOf(s.Process)
	if err != nil {
		return g, err
	}
	etcdPID, err := pidOf("etcd")
	if err != nil {
		return g, err
	}
	cpuBefore, err := cpuSeconds([]int{pid})
	if err != nil {
		return g, err
	}
	etcdBefore, err := cpuSeconds([]int{etcdPID})
	if err != nil {
		return g, err
	}
	capped := o.capped(s)
	start := time.Now()
	for i := 1; i <= 10 && g.stopped == ""; i++ {
		end := from + (to-from)*i/10
		if end <= g.reached {
			continue
		}
		var tenthTime time.Duration
		tenthFrom := g.reached
		for g.reached < end && g.stopped == "" {
			chunk := min(end-g.reached, capCheckObjects)
			first := g.reached
			r := measure(ctx, Scenario{}, "create", chunk, o.Workers, func(ctx context.Context, i int) error {
				return s.Writer.Create(ctx, first+i)
			})
			if r.Errors > 0 {
				return g, fmt.Errorf("%d of %d creates failed (first: %s)", r.Errors, chunk, r.FirstError)
			}
			tenthTime += time.Duration(float64(chunk) / r.OpsPerS * float64(time.Second))
			g.reached += chunk
			if !capped {
				continue
			}
			resident, err := rssMiB([]int{pid})
			if err != nil {
				return g, err
			}
			switch {
			case o.MemoryCapMiB > 0 && resident > o.MemoryCapMiB:
				g.stopped = stoppedMemoryCap
			case o.TimeCap > 0 && spent+time.Since(start) > o.TimeCap:
				g.stopped = stoppedTimeCap
			}
		}
		resident, err := rssMiB([]int{pid})
		if err != nil {
			return g, err
		}
		g.rates = append(g.rates, ScalePoint{Objects: g.reached, Metric: "create_ops_per_s", Value: float64(g.reached-tenthFrom) / tenthTime.Seconds()})
		g.residentMiB = append(g.residentMiB, ScalePoint{Objects: g.reached, Metric: "resident_mib", Value: resident})
	}
	g.elapsed = time.Since(start)
	cpuAfter, err := cpuSeconds([]int{pid})
	if err != nil {
		return g, err
	}
	etcdAfter, err := cpuSeconds([]int{etcdPID})
	if err != nil {
		return g, err
	}
	if created := g.reached - from; created > 0 {
		g.serverCPUms = (cpuAfter - cpuBefore) * 1000 / float64(created)
		g.etcdCPUms = (etcdAfter - etcdBefore) * 1000 / float64(created)
	}
	return g, nil
}

// retire takes a server that stopped out of the run: its objects are
// deleted from etcd (in ranges of 1,000 keys, so that no watch event batch
// of the server grows huge) and the server is restarted, so that the
// memory it held goes back to the machine for the servers still growing.
func retire(ctx context.Context, s ScaleServer, etcd *clientv3.Client, restart func(string) (int, error)) error {
	end := clientv3.GetPrefixRangeEnd(s.EtcdPrefix)
	for {
		resp, err := etcd.Get(ctx, s.EtcdPrefix, clientv3.WithRange(end), clientv3.WithKeysOnly(), clientv3.WithLimit(1000))
		if err != nil {
			return err
		}
		if len(resp.Kvs) == 0 {
			break
		}
		last := string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
		if _, err := etcd.Delete(ctx, string(resp.Kvs[0].Key), clientv3.WithRange(last)); err != nil {
			return err
		}
	}
	pid, err := restart(s.Process)
	if err != nil {
		return err
	}
	return localcluster.WaitHTTP(ctx, s.Client, s.URL+"/readyz", 5*time.Minute, pid)
}

// etcdSpace is etcd's database at one size: its size and the part in use,
// then its size after a compaction at the current revision and a
// defragmentation, and how long the defragmentation blocked it.
type etcdSpace struct {
	dbMiB, inUseMiB, defragmentedMiB, residentMiB float64
	defrag                                        time.Duration
}

func measureEtcdSpace(ctx context.Context, etcd *clientv3.Client, etcdPID int) (etcdSpace, error) {
	var space etcdSpace
	endpoint := etcd.Endpoints()[0]
	status, err := etcd.Status(ctx, endpoint)
	if err != nil {
		return space, err
	}
	space.dbMiB, space.inUseMiB = float64(status.DbSize)/(1<<20), float64(status.DbSizeInUse)/(1<<20)
	if space.residentMiB, err = rssMiB([]int{etcdPID}); err != nil {
		return space, err
	}
	// The servers compact every five minutes; one of them may have just
	// compacted to this revision.
	if _, err := etcd.Compact(ctx, status.Header.Revision, clientv3.WithCompactPhysical()); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
		return space, err
	}
	defragCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	start := time.Now()
	if _, err := etcd.Defragment(defragCtx, endpoint); err != nil {
		return space, err
	}
	space.defrag = time.Since(start)
	if status, err = etcd.Status(ctx, endpoint); err != nil {
		return space, err
	}
	space.defragmentedMiB = float64(status.DbSize) / (1 << 20)
	return space, nil
}
