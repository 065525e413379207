package localcluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// reservations hold a lock on each port FreePort handed out, for as long
// as this process lives.
var reservations struct {
	sync.Mutex
	files []*os.File
}

// FreePort returns a loopback TCP port for a child process to listen on.
// A port found free is closed again before the child binds it, so two
// guards keep others off it meanwhile: it comes from below the kernel's
// ephemeral range, which ":0" listeners and outgoing connections draw
// from, and it stays reserved by a file lock until this process exits,
// against the other test processes on the machine (packages run in
// parallel) and later calls in this one.
func FreePort() (int, error) {
	low, high, err := reservablePorts()
	if err != nil {
		return 0, err
	}
	dir := filepath.Join(os.TempDir(), "extension-apiserver-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return 0, err
	}
	for range 1000 {
		port := low + rand.IntN(high-low)
		lock, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			return 0, err
		}
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			lock.Close() // reserved by another process, or already handed out here
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			lock.Close()
			continue
		}
		l.Close()
		reservations.Lock()
		reservations.files = append(reservations.files, lock)
		reservations.Unlock()
		return port, nil
	}
	return 0, errors.New("no free loopback port below the ephemeral range after 1000 tries")
}

// reservablePorts is the range FreePort draws from: the 10,000 ports below
// the kernel's ephemeral range.
func reservablePorts() (low, high int, err error) {
	high = 32768 // Linux's default start of the ephemeral range
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if fields := strings.Fields(string(data)); len(fields) == 2 {
			if start, err := strconv.Atoi(fields[0]); err == nil {
				high = start
			}
		}
	}
	if high < 11024 {
		return 0, 0, fmt.Errorf("the ephemeral port range starts at %d, leaving no room below it", high)
	}
	return high - 10000, high, nil
}
