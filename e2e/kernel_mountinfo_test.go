package e2e

import "testing"

// TestKernelMountinfo checks how the kernel tests find their cgroup
// hierarchies on the layouts machines have: separate v1 mounts (this
// machine), cpu and cpuacct co-mounted (most v1 distributions), and a
// cgroup v2 host, where the tests must skip and say that v2 memory is
// there.
func TestKernelMountinfo(t *testing.T) {
	none := func(string) []string { return nil }
	tests := []struct {
		name        string
		mountinfo   string
		controllers func(string) []string
		want        hierarchies
		v2memory    bool
	}{{
		name: "separate v1 hierarchies",
		mountinfo: `31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`,
		controllers: none,
		want:        hierarchies{memory: "/sys/fs/cgroup/memory", cpu: "/sys/fs/cgroup/cpu", cpuacct: "/sys/fs/cgroup/cpuacct"},
	}, {
		name: "cpu and cpuacct co-mounted",
		mountinfo: `25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
27 24 0:24 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
`,
		controllers: none,
		want:        hierarchies{memory: "/sys/fs/cgroup/memory", cpu: "/sys/fs/cgroup/cpu,cpuacct", cpuacct: "/sys/fs/cgroup/cpu,cpuacct"},
	}, {
		name:        "cgroup v2 only",
		mountinfo:   "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
		controllers: func(string) []string { return []string{"cpuset", "cpu", "io", "memory", "pids"} },
		v2memory:    true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, v2 := parseMountinfo(tc.mountinfo, tc.controllers)
			if h != tc.want || v2 != tc.v2memory {
				t.Errorf("got %+v, v2 memory %v; want %+v, %v", h, v2, tc.want, tc.v2memory)
			}
		})
	}
}
