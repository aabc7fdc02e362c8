package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/google/cadvisor/lib/metrics"
	cadvisorapi "github.com/google/cadvisor/lib/model"
	"k8s.io/klog/v2"
)

// cgroupOwner says whom a cgroup belongs to. A container's cgroup has all
// four fields, as the runtime's labels and image give them to the kubelet;
// a pod's cgroup has only namespace and pod, as the kubelet finds it in its
// pod list (GetPodByCgroupfs), and its container and image stay empty.
type cgroupOwner struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Container string `json:"container,omitempty"`
	Image     string `json:"image,omitempty"`
}

// podTable is the JSON file of cgroup owners, keyed by cgroup name
// ("/kubepods/burstable/pod<uid>/<container id>"), re-read whenever its
// modification time or size changes, so that pods can come and go while
// the exporter runs.
type podTable struct {
	path string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	owners  map[string]cgroupOwner
}

// lookup returns the owner of the cgroup, if the file names one. A file
// that cannot be read or parsed keeps the last good table and is logged:
// a scrape must not fail because a writer is halfway through.
func (t *podTable) lookup(cgroup string) (cgroupOwner, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reload(); err != nil {
		klog.Warningf("pods file: %v", err)
	}
	o, ok := t.owners[cgroup]
	return o, ok
}

func (t *podTable) reload() error {
	fi, err := os.Stat(t.path)
	if err != nil {
		return err
	}
	if t.owners != nil && fi.ModTime().Equal(t.modTime) && fi.Size() == t.size {
		return nil
	}
	data, err := os.ReadFile(t.path)
	if err != nil {
		return err
	}
	owners := map[string]cgroupOwner{}
	if err := json.Unmarshal(data, &owners); err != nil {
		return fmt.Errorf("%s: %w", t.path, err)
	}
	t.owners, t.modTime, t.size = owners, fi.ModTime(), fi.Size()
	return nil
}

// labels is the kubelet's containerPrometheusLabelsFunc
// (pkg/kubelet/server/server.go) with the pod table standing in for the
// runtime's container labels and the kubelet's pod list: every series gets
// id, name, image, pod, namespace and container, blank where unknown,
// since Prometheus wants the same label names across a family.
func (t *podTable) labels(c *cadvisorapi.ContainerInfo) map[string]string {
	var name string
	if len(c.Aliases) > 0 {
		name = c.Aliases[0]
	}
	image := c.Spec.Image
	owner, _ := t.lookup(c.Name)
	if owner.Image != "" {
		image = owner.Image
	}
	return map[string]string{
		metrics.LabelID:    c.Name,
		metrics.LabelName:  name,
		metrics.LabelImage: image,
		"pod":              owner.Pod,
		"namespace":        owner.Namespace,
		"container":        owner.Container,
	}
}
