package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/example/extension-apiserver/internal/bench"
)

// runScale grows this server, the CRD and sample-apiserver through the
// sizes on one local cluster and writes scale.json and scale.svg.
func runScale(ctx context.Context, o bench.ScaleOptions, sizes string, rc runConfig) error {
	for _, field := range strings.Split(sizes, ",") {
		size, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || size <= 0 || (len(o.Sizes) > 0 && size <= o.Sizes[len(o.Sizes)-1]) {
			return fmt.Errorf("-sizes %q: want increasing positive counts", sizes)
		}
		o.Sizes = append(o.Sizes, size)
	}
	start := time.Now()
	c, down, err := upCluster(ctx, rc, "apiserver-bench-scale-")
	if err != nil {
		return err
	}
	defer down()
	servers, err := bench.ScaleServers(ctx, c, rc.binDir, o.ObjectBytes)
	if err != nil {
		return err
	}
	// This server grows last at each size: the others may stop at a memory
	// cap and leave the run first, giving their memory back to the machine.
	servers = append(servers[1:], servers[0])
	if rc.only != "" {
		servers = slices.DeleteFunc(servers, func(s bench.ScaleServer) bool {
			return !slices.Contains(strings.Split(rc.only, ","), s.Clients[0].Scenario)
		})
	}
	etcd, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer func() { _ = etcd.Close() }()
	points, runErr := bench.RunScale(ctx, servers, etcd, c.Restart, c.PID, o, logf)
	// The figures taken so far are written even when the run failed: a
	// long run's first sizes are worth keeping.
	jsonPath, svgPath := filepath.Join(rc.out, "scale.json"), filepath.Join(rc.out, "scale.svg")
	if err := bench.WriteJSON(jsonPath, points); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("%w (the figures so far are in %s)", runErr, jsonPath)
	}
	bench.WriteScaleMarkdown(os.Stdout, points, o)
	if err := bench.WriteScaleSVG(svgPath, points, o.Sizes); err != nil {
		return err
	}
	fmt.Printf("\nwrote %s and %s; the run took %s\n", jsonPath, svgPath, time.Since(start).Round(time.Second))
	return nil
}
