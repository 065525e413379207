package localcluster

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// startDetached starts a long-running process in its own session, with its
// output in <dir>/logs/<name>.log, and records its pid in <dir>/pids so that
// Down can stop it after the starting process has exited (make demo-up).
func startDetached(dir, name, binary string, args ...string) (pid int, err error) {
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return 0, err
	}
	logFile, err := os.Create(filepath.Join(dir, "logs", name+".log"))
	if err != nil {
		return 0, err
	}
	defer logFile.Close()
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting %s: %w", name, err)
	}
	pids, err := os.OpenFile(filepath.Join(dir, "pids"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	defer pids.Close()
	_, err = fmt.Fprintf(pids, "%d %s\n", cmd.Process.Pid, name)
	// Reap the child when this process outlives it; after this process
	// exits, init does.
	go func() { _ = cmd.Wait() }()
	return cmd.Process.Pid, err
}

// stopAll stops the processes recorded in <dir>/pids, newest first: SIGTERM,
// then SIGKILL for those still running after timeout.
func stopAll(dir string, timeout time.Duration) error {
	f, err := os.Open(filepath.Join(dir, "pids"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var pids []int
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if pid, err := strconv.Atoi(strings.Fields(scanner.Text())[0]); err == nil {
			pids = append(pids, pid)
		}
	}
	f.Close()
	for i := len(pids) - 1; i >= 0; i-- {
		if err := stopProcess(pids[i], timeout); err != nil {
			return err
		}
	}
	return os.Remove(filepath.Join(dir, "pids"))
}

// stopProcess sends SIGTERM and waits until pid has exited, with SIGKILL
// after grace.
func stopProcess(pid int, grace time.Duration) error {
	_ = syscall.Kill(pid, syscall.SIGTERM)
	if WaitExited(pid, grace) {
		return nil
	}
	return killProcess(pid)
}

// killProcess sends SIGKILL and waits until pid has exited.
func killProcess(pid int) error {
	_ = syscall.Kill(pid, syscall.SIGKILL)
	if !WaitExited(pid, 10*time.Second) {
		return fmt.Errorf("process %d still runs 10 s after SIGKILL", pid)
	}
	return nil
}

// WaitExited reports whether pid exited (a zombie counts as exited) within
// timeout.
func WaitExited(pid int, timeout time.Duration) bool {
	return wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true,
		func(context.Context) (bool, error) { return !alive(pid), nil }) == nil
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie (exited, not yet reaped) is not running.
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err != nil || !strings.Contains(string(stat), ") Z ")
}

// CPUSeconds returns the user and system CPU time of a process, from
// /proc/<pid>/stat (in ticks of USER_HZ, 100 per second on Linux).
func CPUSeconds(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may contain spaces; fields count from after ')'.
	stat := string(data)
	fields := strings.Fields(stat[strings.LastIndexByte(stat, ')')+2:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	return (utime + stime) / 100, nil
}

// pidOf returns the pid recorded last for name in <dir>/pids: a restarted
// process is recorded again.
func pidOf(dir, name string) (int, error) {
	pids, err := pidsOf(dir, name)
	if err != nil {
		return 0, err
	}
	if len(pids) == 0 {
		return 0, fmt.Errorf("no process %q in %s", name, dir)
	}
	return pids[len(pids)-1], nil
}

// pidsOf returns every pid recorded for name in <dir>/pids, oldest first.
func pidsOf(dir, name string) ([]int, error) {
	data, err := os.ReadFile(filepath.Join(dir, "pids"))
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, line := range strings.Split(string(data), "\n") {
		if fields := strings.Fields(line); len(fields) == 2 && fields[1] == name {
			pid, err := strconv.Atoi(fields[0])
			if err != nil {
				return nil, fmt.Errorf("%s/pids: %q: %w", dir, line, err)
			}
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// stopForRestart stops a component (SIGTERM, and SIGKILL if it still runs
// after grace) and keeps its log as logs/<name>.log.<n>.
func (c *Cluster) stopForRestart(name string, grace time.Duration) error {
	pid, err := c.PID(name)
	if err != nil {
		return err
	}
	if err := stopProcess(pid, grace); err != nil {
		return err
	}
	return c.keepLog(name)
}

// Restart stops a component and starts it again with the same command line,
// read from /proc; it returns the new pid at once, for the caller to time
// readiness. A component still draining after 15 s is killed (a
// kube-apiserver serving aggregated watches can take its whole request
// timeout, a minute, to drain).
func (c *Cluster) Restart(name string) (int, error) {
	pid, err := c.PID(name)
	if err != nil {
		return 0, err
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0, fmt.Errorf("the command line of %s: %w", name, err)
	}
	argv := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	if err := c.stopForRestart(name, 15*time.Second); err != nil {
		return 0, err
	}
	return startDetached(c.Dir, name, argv[0], argv[1:]...)
}
