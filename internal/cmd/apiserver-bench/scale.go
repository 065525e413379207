package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	etcd, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer func() { _ = etcd.Close() }()
	points, err := bench.RunScale(ctx, servers, etcd, c.Restart, c.PID, o, logf)
	if err != nil {
		return err
	}
	bench.WriteScaleMarkdown(os.Stdout, points, o)
	jsonPath, svgPath := filepath.Join(rc.out, "scale.json"), filepath.Join(rc.out, "scale.svg")
	if err := bench.WriteJSON(jsonPath, points); err != nil {
		return err
	}
	if err := bench.WriteScaleSVG(svgPath, points, o.Sizes); err != nil {
		return err
	}
	fmt.Printf("\nwrote %s and %s; the run took %s\n", jsonPath, svgPath, time.Since(start).Round(time.Second))
	return nil
}
