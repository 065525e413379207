// Command apiserver-bench starts etcd, kube-apiserver, this server and
// sample-apiserver on loopback, on one etcd, and measures them back to back
// against raw etcd and a CRD of the same shape. make bench runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/example/extension-apiserver/internal/bench"
	"github.com/example/extension-apiserver/internal/localcluster"
)

// cborServing lets the server answer CBOR (ours-direct-cbor) beside JSON and
// protobuf.
const cborServing = "--feature-gates=CBORServingAndStorage=true"

func main() {
	// client-go sends CBOR only with its ClientsAllowCBOR feature, read from
	// the environment on first use.
	if err := os.Setenv("KUBE_FEATURE_ClientsAllowCBOR", "true"); err != nil {
		panic(err)
	}
	o := bench.Options{}
	flag.IntVar(&o.Objects, "objects", 3000, "objects created, read, updated and deleted per scenario")
	flag.IntVar(&o.Workers, "workers", 16, "concurrent client workers")
	flag.IntVar(&o.Lists, "lists", 30, "full lists per scenario")
	flag.IntVar(&o.Watchers, "watchers", 100, "watchers in the watch fan-out")
	flag.IntVar(&o.WatchWrites, "watch-writes", 100, "writes the watchers receive")
	flag.IntVar(&o.Runs, "runs", 3, "runs of every scenario, back to back; the report gives medians")
	binDir := flag.String("bin-dir", "_output/bin", "etcd, kube-apiserver, extension-apiserver and sample-apiserver")
	out := flag.String("out", "_output/bench", "directory of results.json and ratios.svg")
	dir := flag.String("dir", "", "state directory of the local cluster (default: a temporary directory)")
	only := flag.String("scenarios", "", "comma-separated scenarios to run (default: all); with -overload, the servers: ours, crd; with -scale, the servers: ours, crd, sample-apiserver")
	var profile bench.ProfileOptions
	flag.StringVar(&profile.Dir, "profile-dir", "", "write a CPU profile of the server of every scenario and phase here (make each phase outlast -profile-seconds with -objects); with -scale, a heap profile of every server at every size and CPU profiles of its full and paginated lists; with -overload, a heap profile at each phase's resident peak")
	flag.IntVar(&profile.Seconds, "profile-seconds", 3, "length of each CPU profile")
	serverArgs := flag.String("server-args", "", "extra space-separated flags of the extension API server, to compare settings")
	scale := flag.Bool("scale", false, "the scale run instead: memory, lists, informer sync, restart and creates as the stored objects grow through -sizes")
	so := bench.ScaleOptions{PageSize: 500}
	sizes := flag.String("sizes", "1000,10000,100000", "with -scale: comma-separated object counts, increasing")
	flag.IntVar(&so.ObjectBytes, "object-bytes", 0, "with -scale: bytes per object (default: about 500)")
	flag.Float64Var(&so.MemoryCapMiB, "memory-cap-mib", 8192, "with -scale: stop a server's growth once its resident memory passes this (0: no cap)")
	flag.DurationVar(&so.TimeCap, "time-cap", 40*time.Minute, "with -scale: stop a server's growth once it has taken this long in all (0: no cap)")
	uncapped := flag.String("uncapped", "", "with -scale: comma-separated scenarios the caps do not stop")
	etcdQuota := flag.Int64("etcd-quota-bytes", 8<<30, "with -scale: etcd's --quota-backend-bytes")
	overload := flag.Bool("overload", false, "the overload run instead: list storms and a write flood against this server and the CRD at -objects")
	var oo bench.OverloadOptions
	flag.IntVar(&oo.Informers, "informers", 50, "with -overload: informers that start at once")
	flag.IntVar(&oo.Listers, "listers", 50, "with -overload: plain JSON lists of the whole collection sent at once")
	flag.Float64Var(&oo.FloodTimes, "flood-times", 5, "with -overload: the flood offers this many times the creates per second the server managed while growing")
	flag.IntVar(&oo.FloodInFlight, "flood-in-flight", 1000, "with -overload: the flood's most unanswered requests")
	floodChild := flag.Bool("flood-child", false, "internal: be the overload run's flooding client, reading its spec on stdin")
	flag.DurationVar(&oo.FloodFor, "flood-for", 30*time.Second, "with -overload: how long the flood lasts")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *floodChild {
		if err := bench.RunFloodChild(ctx, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "apiserver-bench -flood-child: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if *overload {
		oo.Objects, oo.Workers, oo.ProfileDir = o.Objects, o.Workers, profile.Dir
		if err := runOverload(ctx, oo, runConfig{binDir: *binDir, out: *out, dir: *dir, only: *only, serverArgs: append([]string{cborServing}, strings.Fields(*serverArgs)...)}); err != nil {
			fmt.Fprintf(os.Stderr, "apiserver-bench: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if *scale {
		so.Workers, so.ProfileDir = o.Workers, profile.Dir
		if *uncapped != "" {
			so.Uncapped = strings.Split(*uncapped, ",")
		}
		if err := runScale(ctx, so, *sizes, runConfig{binDir: *binDir, out: *out, dir: *dir, only: *only, serverArgs: append([]string{cborServing}, strings.Fields(*serverArgs)...),
			etcdArgs: []string{fmt.Sprintf("--quota-backend-bytes=%d", *etcdQuota)}}); err != nil {
			fmt.Fprintf(os.Stderr, "apiserver-bench: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, o, runConfig{binDir: *binDir, out: *out, dir: *dir, only: *only, profile: profile, serverArgs: append([]string{cborServing}, strings.Fields(*serverArgs)...)}); err != nil {
		fmt.Fprintf(os.Stderr, "apiserver-bench: %v\n", err)
		os.Exit(1)
	}
}

type runConfig struct {
	binDir, out, dir, only string
	profile                bench.ProfileOptions
	serverArgs, etcdArgs   []string
}

func run(ctx context.Context, o bench.Options, rc runConfig) error {
	binDir, out, only := rc.binDir, rc.out, rc.only
	c, down, err := upCluster(ctx, rc, "apiserver-bench-")
	if err != nil {
		return err
	}
	defer down()
	scenarios, err := bench.Scenarios(ctx, c, binDir, rc.profile)
	if err != nil {
		return err
	}
	var names []string
	for _, sc := range scenarios {
		if only == "" || slices.Contains(strings.Split(only, ","), sc.Name) {
			names = append(names, sc.Name)
		}
	}
	var runs [][]bench.Result
	for run := 1; run <= max(o.Runs, 1); run++ {
		var results []bench.Result
		for _, sc := range scenarios {
			if !slices.Contains(names, sc.Name) {
				continue
			}
			logf("run %d of %d: %s", run, max(o.Runs, 1), sc.Name)
			results = append(results, bench.Run(ctx, sc, o, logf)...)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		runs = append(runs, results)
	}
	report := bench.NewReport(o, runs)
	bench.WriteMarkdown(os.Stdout, names, report)
	jsonPath, svgPath := filepath.Join(out, "results.json"), filepath.Join(out, "ratios.svg")
	if err := bench.WriteJSON(jsonPath, report); err != nil {
		return err
	}
	if err := bench.WriteSVG(svgPath, names, report.Results); err != nil {
		return err
	}
	fmt.Printf("\nwrote %s and %s\n", jsonPath, svgPath)
	for _, r := range report.Results {
		if r.Errors > 0 {
			return fmt.Errorf("%s %s: %d errors (first: %s)", r.Scenario, r.Op, r.Errors, r.FirstError)
		}
	}
	return nil
}

func logf(format string, args ...any) { fmt.Printf(">> "+format+"\n", args...) }

// upCluster starts the local cluster of a run in rc.dir, or in a new
// temporary directory named by prefix, and returns what stops it.
func upCluster(ctx context.Context, rc runConfig, prefix string) (*localcluster.Cluster, func(), error) {
	dir := rc.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", prefix)
		if err != nil {
			return nil, nil, err
		}
		dir = tmp
	}
	c, err := localcluster.Up(ctx, localcluster.Config{Dir: dir, BinDir: rc.binDir, DeployDir: "artifacts/deploy", NoController: true, ServerArgs: rc.serverArgs, EtcdArgs: rc.etcdArgs, Log: logf})
	if err != nil {
		return nil, nil, err
	}
	return c, func() { _ = localcluster.Down(dir) }, nil
}
