package main

import (
	"errors"
	"io"
	"strings"
	"sync"
	"syscall"

	cadvisorapi "github.com/google/cadvisor/lib/model"
)

// oomCounts counts the kernel's OOM kills by the cgroup of the task
// killed, read from the kernel log, as the kubelet's OOM watcher does
// (pkg/kubelet/oom since 1.37): the kubelet serves that count as
// container_oom_events_total in place of cAdvisor's own, which the
// cAdvisor library, with no OOM watcher of its own, leaves at 0.
type oomCounts struct {
	mu       sync.Mutex
	byCgroup map[string]uint64
}

func newOOMCounts() *oomCounts { return &oomCounts{byCgroup: map[string]uint64{}} }

func (c *oomCounts) get(cgroup string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byCgroup[cgroup]
}

func (c *oomCounts) add(cgroup string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byCgroup[cgroup]++
}

// watch reads kernel log records from r, one a Read as /dev/kmsg gives
// them, until r ends or fails, and counts each OOM kill. Like the kubelet
// it reads the log from its start, so kills from before the exporter
// started count too, while the kernel's ring buffer still holds them.
// Records lost to the ring buffer wrapping (EPIPE) are skipped.
func (c *oomCounts) watch(r io.Reader) error {
	buf := make([]byte, 8192)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if cgroup, ok := oomKilledCgroup(string(buf[:n])); ok {
				c.add(cgroup)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, syscall.EPIPE):
			// The reader fell behind the ring buffer: go on from the
			// oldest record left.
		case errors.Is(err, io.EOF):
			return nil
		default:
			return err
		}
	}
}

// oomKilledCgroup reads one kernel log record ("PRIORITY,SEQ,USEC,FLAGS;
// MESSAGE", then continuation lines) and says whether it is the line the
// kernel writes for each OOM kill, and the cgroup of the task killed:
//
//	oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=/pod,task_memcg=/pod/ctr,task=app,pid=1,uid=0
//
// (kernels 4.19 and later; on cgroup v1 the memory hierarchy's path). The
// kernels before it wrote "Task in /pod/ctr killed as a result of limit of
// /pod" instead, which is read too.
func oomKilledCgroup(record string) (string, bool) {
	_, msg, ok := strings.Cut(record, ";")
	if !ok {
		return "", false
	}
	msg, _, _ = strings.Cut(msg, "\n")
	if rest, ok := strings.CutPrefix(msg, "oom-kill:"); ok {
		for field := range strings.SplitSeq(rest, ",") {
			if v, ok := strings.CutPrefix(field, "task_memcg="); ok && v != "" {
				return v, true
			}
		}
		return "", false
	}
	if rest, ok := strings.CutPrefix(msg, "Task in "); ok {
		if cgroup, _, ok := strings.Cut(rest, " killed as a result of limit of "); ok && cgroup != "" {
			return cgroup, true
		}
	}
	return "", false
}

// oomEventsProvider serves the OOM watcher's counts as each container's
// OOM events, as the kubelet's oomEventsHostAdapter does
// (pkg/kubelet/server/server.go).
type oomEventsProvider struct {
	infoProvider
	counts *oomCounts
}

func (p oomEventsProvider) GetRequestedContainersInfo(containerName string, options cadvisorapi.RequestOptions) (map[string]*cadvisorapi.ContainerInfo, error) {
	infos, err := p.infoProvider.GetRequestedContainersInfo(containerName, options)
	for _, info := range infos {
		n := p.counts.get(info.Name)
		for _, s := range info.Stats {
			s.OOMEvents = n
		}
	}
	return infos, err
}
