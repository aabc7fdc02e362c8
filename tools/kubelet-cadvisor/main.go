// Command kubelet-cadvisor serves /metrics/cadvisor the way the kubelet
// does, for cgroups that no container runtime made: the real-kernel
// end-to-end test's synthetic containers.
//
// It embeds the cAdvisor library at the version the pinned Kubernetes uses,
// starts its container manager with the raw cgroup factory restricted to the
// given cgroup prefixes (the kubelet passes its cgroup roots the same way),
// and registers cAdvisor's own Prometheus collectors with the metric set and
// request options of the kubelet's server (pkg/kubelet/server/server.go).
// Nothing here writes metric text: every series comes from cAdvisor.
//
// The one thing a kubelet knows that cAdvisor does not is which pod and
// container a cgroup belongs to. The kubelet reads it from the runtime's
// container labels, and for pod cgroups from its own pod list; here a JSON
// file written by whoever plays the kubelet's part says it (see podTable).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/google/cadvisor/lib/cache/memory"
	"github.com/google/cadvisor/lib/container"
	"github.com/google/cadvisor/lib/manager"
	"github.com/google/cadvisor/lib/metrics"
	cadvisorapi "github.com/google/cadvisor/lib/model"
	"github.com/google/cadvisor/lib/utils/sysfs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

// statsCacheDuration is how long the kubelet keeps stats in memory
// (pkg/kubelet/cadvisor/cadvisor_linux.go).
const statsCacheDuration = 2 * time.Minute

type options struct {
	listen       string
	pods         string
	rawPrefixes  string
	housekeeping time.Duration
	maxHousekeep time.Duration
	kmsg         string
}

func main() {
	klog.InitFlags(nil)
	var o options
	flag.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to serve /metrics/cadvisor on")
	flag.StringVar(&o.pods, "pods", "", "JSON file naming the pod and container of each cgroup (re-read when it changes)")
	flag.StringVar(&o.rawPrefixes, "raw-cgroup-prefixes", "", "comma-separated cgroup name prefixes the raw factory watches, as the kubelet's cgroup roots (required)")
	// The kubelet sets cAdvisor's housekeeping to 10s, at most 15s, dynamic.
	// A test that scrapes every second wants fresher stats.
	flag.DurationVar(&o.housekeeping, "housekeeping", time.Second, "interval between cAdvisor's housekeepings of a container")
	flag.DurationVar(&o.maxHousekeep, "max-housekeeping", 2*time.Second, "largest interval between housekeepings")
	flag.StringVar(&o.kmsg, "kmsg", "/dev/kmsg", "kernel log to count OOM kills from, as the kubelet's OOM watcher does (\"\" for none: container_oom_events_total stays cAdvisor's 0)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "kubelet-cadvisor:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	prefixes := splitList(o.rawPrefixes)
	if len(prefixes) == 0 {
		// An empty list would make the raw factory watch every cgroup of
		// the machine: never what a test means.
		return errors.New("-raw-cgroup-prefixes is required")
	}
	if o.pods == "" {
		return errors.New("-pods is required")
	}
	if err := flag.Set("housekeeping_interval", o.housekeeping.String()); err != nil {
		return err
	}
	// As the kubelet does: no event storage.
	for name, value := range map[string]string{"event_storage_event_limit": "default=0", "event_storage_age_limit": "default=0"} {
		if err := flag.Set(name, value); err != nil {
			return err
		}
	}

	allowDynamic := false
	m, err := manager.New(memory.New(statsCacheDuration, nil), sysfs.NewRealSysFs(),
		manager.HousekeepingConfig{Interval: &o.maxHousekeep, AllowDynamic: &allowDynamic},
		managerMetrics(), prefixes, nil, "", 0)
	if err != nil {
		return fmt.Errorf("cAdvisor manager: %w", err)
	}
	if err := m.Start(); err != nil {
		return fmt.Errorf("starting cAdvisor: %w", err)
	}
	defer m.Stop()

	var p infoProvider = m
	if o.kmsg != "" {
		// As the kubelet: without the kernel log the exporter still
		// serves, and says what it lacks.
		f, err := os.Open(o.kmsg)
		if err != nil {
			klog.Errorf("OOM watcher: %v; container_oom_events_total will stay 0", err)
		} else {
			defer f.Close()
			counts := newOOMCounts()
			go func() {
				if err := counts.watch(f); err != nil && !errors.Is(err, os.ErrClosed) {
					klog.Errorf("OOM watcher stopped: %v", err)
				}
			}()
			p = oomEventsProvider{infoProvider: m, counts: counts}
		}
	}
	reg := newRegistry(p, &podTable{path: o.pods})
	mux := http.NewServeMux()
	mux.Handle("/metrics/cadvisor", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })

	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(os.Stderr, "kubelet-cadvisor: serving http://%s/metrics/cadvisor for cgroups under %s\n", l.Addr(), strings.Join(prefixes, ", "))
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// managerMetrics is the metric set the kubelet's cAdvisor manager collects
// (pkg/kubelet/cadvisor/cadvisor_linux.go, New). Pressure (PSI) is added
// there only on cgroup v2 hosts with PSI; disk usage only with legacy stats
// or local storage isolation.
func managerMetrics() container.MetricSet {
	return container.MetricSet{
		container.CpuUsageMetrics:     struct{}{},
		container.MemoryUsageMetrics:  struct{}{},
		container.DiskIOMetrics:       struct{}{},
		container.NetworkUsageMetrics: struct{}{},
		container.ProcessMetrics:      struct{}{},
		container.OOMMetrics:          struct{}{},
	}
}

// serverMetrics is the metric set the kubelet's /metrics/cadvisor handler
// exports (pkg/kubelet/server/server.go, InstallDefaultHandlers).
func serverMetrics() container.MetricSet {
	return container.MetricSet{
		container.CpuUsageMetrics:     struct{}{},
		container.MemoryUsageMetrics:  struct{}{},
		container.DiskIOMetrics:       struct{}{},
		container.DiskUsageMetrics:    struct{}{},
		container.NetworkUsageMetrics: struct{}{},
		container.AppMetrics:          struct{}{},
		container.ProcessMetrics:      struct{}{},
		container.OOMMetrics:          struct{}{},
	}
}

// infoProvider is what cAdvisor's collectors read; its manager is one.
type infoProvider interface {
	GetRequestedContainersInfo(containerName string, options cadvisorapi.RequestOptions) (map[string]*cadvisorapi.ContainerInfo, error)
	GetVersionInfo() (*cadvisorapi.VersionInfo, error)
	GetMachineInfo() (*cadvisorapi.MachineInfo, error)
}

// newRegistry registers cAdvisor's machine and container collectors as the
// kubelet's /metrics/cadvisor handler does.
func newRegistry(p infoProvider, pods *podTable) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewPrometheusMachineCollector(p, serverMetrics()))
	reg.MustRegister(metrics.NewPrometheusCollector(p, pods.labels, serverMetrics(), clock.RealClock{},
		cadvisorapi.RequestOptions{IdType: cadvisorapi.TypeName, Count: 1, Recursive: true}))
	return reg
}
