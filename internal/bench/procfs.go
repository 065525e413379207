package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/example/extension-apiserver/internal/localcluster"
)

// clockTicks is USER_HZ, the unit of /proc/stat times on Linux.
const clockTicks = 100

// cpuSeconds returns the user+system CPU time of the processes.
func cpuSeconds(pids []int) (float64, error) {
	var total float64
	for _, pid := range pids {
		seconds, err := localcluster.CPUSeconds(pid)
		if err != nil {
			return 0, err
		}
		total += seconds
	}
	return total, nil
}

// machineCPU returns the busy and the total CPU time of the machine, in
// seconds summed over its CPUs, from /proc/stat.
func machineCPU() (busy, total float64, err error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, 0, fmt.Errorf("parsing /proc/stat: %q", line)
	}
	for i, field := range fields[1:9] {
		v, err := strconv.ParseFloat(field, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parsing /proc/stat: %q", line)
		}
		total += v / clockTicks
		if i != 3 && i != 4 { // idle, iowait
			busy += v / clockTicks
		}
	}
	return busy, total, nil
}

// rssMiB returns the resident set size of the processes.
func rssMiB(pids []int) (float64, error) {
	var total float64
	for _, pid := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return 0, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				kb, err := strconv.ParseFloat(strings.Fields(line)[1], 64)
				if err != nil {
					return 0, err
				}
				total += kb / 1024
			}
		}
	}
	return total, nil
}

// cpuSample is the CPU time, in seconds, of the server, the load generator
// and etcd at one moment.
type cpuSample struct{ server, backend, client, etcd float64 }

func sampleCPU(sc Scenario) cpuSample {
	var s cpuSample
	s.server, _ = cpuSeconds(sc.PIDs)
	s.client, _ = cpuSeconds([]int{os.Getpid()})
	if sc.BackendPID != 0 {
		s.backend, _ = cpuSeconds([]int{sc.BackendPID})
	}
	if sc.EtcdPID != 0 {
		s.etcd, _ = cpuSeconds([]int{sc.EtcdPID})
	}
	return s
}

// since stores the CPU spent per 1000 of ops operations since before in r.
func (s cpuSample) since(before cpuSample, ops int, r *Result) {
	if ops <= 0 {
		return
	}
	per1000 := func(after, before float64) float64 { return (after - before) * 1000 / float64(ops) }
	r.CPUSecondsPer1000 = per1000(s.server, before.server)
	r.ClientCPUSecondsPer1000 = per1000(s.client, before.client)
	if before.backend != 0 {
		r.BackendCPUSecondsPer1000 = per1000(s.backend, before.backend)
	}
	if before.etcd != 0 {
		r.EtcdCPUSecondsPer1000 = per1000(s.etcd, before.etcd)
	}
}
