// Scenario tests: each group holds the realistic series of one situation
// the pack meets in real clusters, and checks what must fire and what must
// stay silent at several times. Times and values come from _config, so the
// scenarios hold for any configuration: where a threshold moves past a
// scenario's numbers, the expectation follows it.
local u = import '../lib/utils.libsonnet';
local l = import 'lib.libsonnet';

{
  _scenarios::
    local c = $._config;
    local a = c.alerts;
    local T = $._test;
    local n = T.names;
    local W = T.rateMinutes;
    local forOf(name) = T.minutes(a[name]['for']);
    local windowOf(name) = T.minutes(a[name].window);
    local near = a.ContainerMemoryNearLimit.threshold;
    local atLimit = a.ContainerMemoryAtLimit.threshold;
    local maxAge = T.minutes(c.cadvisorSampleMaxAge);
    // A memory limit of 1 GiB: fractions of it in 1024ths are exact.
    local L = 1073741824;
    local frac(k) = k * L / 1024;
    // expectIf is the alert when cond holds: a scenario's numbers against
    // a configured threshold.
    local expectIf(cond, name, labels, value=null) = if cond then [T.expect(name, labels, value)] else [];
    local uidOf(ctr) = ctr { uid: T.uid(ctr) };

    // The usual series of a running container: its memory from cAdvisor
    // (cgroup 1), its limit from both sources, and kube-state-metrics'
    // state. Segments in minutes.
    local memory(t, ctr, ws, rss, cgroup=1, from=0, to=null, cadExtra={}) = [
      t.series('container_memory_working_set_bytes', T.cad(ctr, cgroup, cadExtra), [l.seg(from, to, ws)]),
      t.series('container_memory_rss', T.cad(ctr, cgroup, cadExtra), [l.seg(from, to, rss)]),
      t.series('container_spec_memory_limit_bytes', T.cad(ctr, cgroup, cadExtra), [l.seg(from, to, L)]),
    ];
    local ksmLimit(t, ctr, from=0, to=null, ksmExtra={}) = [
      t.series('kube_pod_container_resource_limits', T.ksm(ctr, { node: 'node-1', resource: 'memory', unit: 'byte' } + ksmExtra), [l.seg(from, to, L)] + (if to == null then [] else [l.stale(to)])),
    ];
    // An OOM kill at `kill` (minutes) seen by kube-state-metrics from
    // `seen` on (a replica that reports it a scrape later): the reason, the
    // time of the termination, a restart. p: the family prefix.
    local killed(t, ctr, kill, p='kube_pod_container', reason='OOMKilled', exitCode=137, restartsBefore=0, ksmExtra={}, seen=kill) = [
      t.series(p + '_status_last_terminated_reason', T.ksm(ctr, { reason: reason } + ksmExtra), [l.seg(seen, null, 1)]),
      t.series(p + '_status_last_terminated_exitcode', T.ksm(ctr, ksmExtra), [l.seg(seen, null, exitCode)]),
      t.series(p + '_status_last_terminated_timestamp', T.ksm(ctr, ksmExtra), [l.seg(seen, null, 60 * kill)]),
      t.series(p + '_status_restarts_total', T.ksm(ctr, ksmExtra), [l.seg(0, seen, restartsBefore), l.seg(seen, null, restartsBefore + 1)]),
    ];

    // The limit-hit counters of one cgroup/kubelet combination.
    local hitsScenario(name, failcnt, eventsMax, psi, expectSource) =
      local hot = T.ctr('hits-%s' % name, 'app');
      local calm = T.ctr('calm-%s' % name, 'app');
      local hitsName = 'ContainerMemoryLimitHits';
      // 30 hits a minute, RSS at 29/32 of the limit.
      local rss = frac(928);
      {
        name: 'limit hits, %s' % name,
        span: W + forOf(hitsName) + 5,
        build(t):: {
          local at = t.at(W + forOf(hitsName)) + t.E,
          local counters(ctr, rate) =
            (if failcnt == null then [] else [t.series('container_memory_failcnt', T.cad(ctr), [l.seg(0, null, 0, if failcnt then rate else 0)], W)])
            + (if eventsMax == null then [] else [t.series('container_memory_events_max_total', T.cad(ctr), [l.seg(0, null, 0, if eventsMax then rate else 0)], W)])
            + (if psi then [
                 t.series('container_pressure_memory_waiting_seconds_total', T.cad(ctr), [l.seg(0, null, 0, 0.6)], W),
                 t.series('container_pressure_memory_stalled_seconds_total', T.cad(ctr), [l.seg(0, null, 0, 0.3)], W),
               ] else []),
          input: counters(hot, 30) + counters(calm, 0)
                 + memory(t, hot, rss, rss) + ksmLimit(t, hot)
                 + memory(t, calm, frac(256), frac(256)) + ksmLimit(t, calm),
          exprs: [{
            expr: n.limitHits,
            at: at,
            exp: [
              T.sample(n.limitHits, calm { source: if failcnt != null && eventsMax != null then 'failcnt, memory.events max' else expectSource }, 0),
              T.sample(n.limitHits, hot { source: expectSource }, 0.5),
            ],
          }],
          alerts: [{
            alert: hitsName,
            at: at,
            exp: expectIf(0.5 > a[hitsName].threshold && 928 / 1024 >= a[hitsName].minRSSRatio, hitsName, hot { source: expectSource }, 0.5),
          }],
        },
      };
    // The page cache scenario's container and series (two groups below).
    // The working-set warning and the critical alert read gauges alone
    // and are checked in a group of their own: their for can be long, and
    // a group with rates in it writes samples a fraction of the rate window
    // apart all along its story, so it must end when the alerts on rates
    // have been checked.
    local streamer = T.ctr('file-streamer', 'app');
    // Usage at the limit: 40 of RSS, 980 of cache, all of it on the
    // file lists (960 active, 20 inactive): no shared memory.
    local pageCache(t) = memory(t, streamer, frac(1004), frac(40)) + ksmLimit(t, streamer) + [
      t.series('container_memory_cache', T.cad(streamer), [l.seg(0, null, frac(980))]),
      t.series('container_memory_total_active_file_bytes', T.cad(streamer), [l.seg(0, null, frac(960))]),
      t.series('container_memory_total_inactive_file_bytes', T.cad(streamer), [l.seg(0, null, frac(20))]),
      t.series('container_memory_usage_bytes', T.cad(streamer), [l.seg(0, null, L)]),
    ];
    local pageCacheLongest = std.max(forOf('ContainerMemoryLimitHits'), forOf('ContainerMemoryPressure'));
    local pageCacheGauges = std.max(forOf('ContainerMemoryNearLimit'), forOf('ContainerMemoryAtLimit'));
    // The /metrics/resource scenario's container and its gauges, from
    // both endpoints.
    local twoEndpointsCtr = T.ctr('two-endpoints', 'app');
    local twoEndpointsResource = T.cadvisorBase + twoEndpointsCtr + { metrics_path: '/metrics/resource' };
    local twoEndpoints(t) = memory(t, twoEndpointsCtr, frac(300), frac(200)) + ksmLimit(t, twoEndpointsCtr) + [
      t.series('container_memory_working_set_bytes', twoEndpointsResource, [l.seg(0, null, frac(1020))]),
    ];

    // Scenarios of several clusters need as many cluster names the
    // selectors accept: left out where they accept fewer (a selector of
    // one cluster, say).
    local enoughClusters(n) = T.clusters == null || std.length(T.clusters) >= n;
    // The kill scenarios check ContainerMemoryAtLimit firing and then the
    // kill window at a step finer than the window: after a for of more
    // than twenty kill windows that is hundreds of evaluations or more,
    // growing with the for. Then they kill at once and leave AtLimit's
    // checks out (its firing after a long for is the page-cache groups'
    // check, at a coarse step).
    local atLimitBeforeKill = forOf('ContainerMemoryAtLimit') <= 20 * windowOf('ContainerOOMKilled');
    local atLimitLead = if atLimitBeforeKill then forOf('ContainerMemoryAtLimit') else 0;
    local ifAtLimitBeforeKill(checks) = if atLimitBeforeKill then checks else [];

    std.filter(function(d) d != null, [
      hitsScenario('cgroup v1 and a kubelet before 1.37: failcnt counts them', true, null, false, 'failcnt'),
      hitsScenario('cgroup v1 and kubelet 1.37 or later: a constant memory.events max does not hide failcnt', true, false, false, 'failcnt'),
      hitsScenario('cgroup v2 and kubelet 1.37 or later: memory.events max counts them, failcnt stays 0', false, true, true, 'memory.events max'),

      // cgroup v2 with a kubelet whose cAdvisor is older than 0.57: failcnt
      // exists and stays 0, memory.events max does not exist. The pack
      // records no reassuring 0, says the hits are uncounted, and reads
      // memory pressure instead. A node that shows neither PSI nor its
      // kubelet's cgroup version cannot be told from v1: its 0 is recorded
      // as failcnt's, and the pack says it cannot tell.
      {
        local psiNode = T.ctr('v2-psi', 'app'),
        local quietNode = T.ctr('v2-nopsi', 'app'),
        local v1Node = T.ctr('v1-old', 'app'),
        local unknownNode = T.ctr('unknown-cgroup', 'app'),
        local inst(i) = { instance: '10.0.0.%d:10250' % i },
        local uncounted = 'ContainerMemoryLimitHitsUncounted',
        local unknown = 'ContainerMemoryLimitHitsUnknown',
        local longest = std.max(W + forOf('ContainerMemoryPressure'), std.max(forOf(uncounted), forOf(unknown))),
        name: 'limit hits, cgroup v2 and a kubelet before 1.37: no counter, memory pressure instead',
        span: longest + 5,
        build(t):: {
          local at = t.at(longest) + t.E,
          input: [
            t.series('container_memory_failcnt', T.cad(psiNode, extra=inst(1)), [l.seg(0, null, 0)], W),
            t.series('container_pressure_memory_waiting_seconds_total', T.cad(psiNode, extra=inst(1)), [l.seg(0, null, 0, 18)], W),
            // Every task stalled a quarter of the time.
            t.series('container_pressure_memory_stalled_seconds_total', T.cad(psiNode, extra=inst(1)), [l.seg(0, null, 0, 15)], W),
            // A node without PSI whose kubelet says cgroup v2.
            t.series('container_memory_failcnt', T.cad(quietNode, extra=inst(2)), [l.seg(0, null, 0)], W),
            t.series('kubelet_cgroup_version', T.kubeletBase + inst(2) + T.clusterLabels(T.cluster), [l.seg(0, null, 2)]),
            // A cgroup v1 node: its failcnt of 0 is a real 0.
            t.series('container_memory_failcnt', T.cad(v1Node, extra=inst(3)), [l.seg(0, null, 0)], W),
            t.series('kubelet_cgroup_version', T.kubeletBase + inst(3) + T.clusterLabels(T.cluster), [l.seg(0, null, 1)]),
            // A node without PSI whose kubelet's /metrics is not scraped:
            // v1 or v2, nothing says.
            t.series('container_memory_failcnt', T.cad(unknownNode, extra=inst(4)), [l.seg(0, null, 0)], W),
          ] + std.flattenArrays([memory(t, ctr, frac(900), frac(900)) + ksmLimit(t, ctr) for ctr in [psiNode, quietNode, v1Node, unknownNode]]),
          exprs: [
            { expr: n.limitHits, at: at, exp: [T.sample(n.limitHits, v1Node { source: 'failcnt' }, 0), T.sample(n.limitHits, unknownNode { source: 'failcnt' }, 0)] },
            { expr: n.limitHitsUncounted, at: at, exp: [T.sample(n.limitHitsUncounted, psiNode, 1), T.sample(n.limitHitsUncounted, quietNode, 1)] },
            { expr: n.memoryStalled, at: at, exp: [T.sample(n.memoryStalled, psiNode, 0.25)] },
          ],
          alerts: [
            { alert: 'ContainerMemoryLimitHits', at: at },
            { alert: 'ContainerMemoryPressure', at: at, exp: expectIf(0.25 > a.ContainerMemoryPressure.threshold, 'ContainerMemoryPressure', psiNode, 0.25) },
            { alert: uncounted, at: at, exp: [T.expect(uncounted, T.clusterLabels(T.cluster), 2)] },
            { alert: unknown, at: at, exp: [T.expect(unknown, T.clusterLabels(T.cluster), 1)] },
          ],
        },
      },

      // A container streaming files fills its limit with page cache: usage
      // at the limit, the working set high (pages read twice are active),
      // RSS small, limit hits all the time, a little reclaim stall. It is in
      // no danger: the critical alert and the limit-hit warning stay
      // silent; the working-set warning fires where its threshold is below.
      {
        name: 'page cache at the limit: a container streaming files',
        span: W + pageCacheLongest + 5,
        build(t):: {
          local at = t.at(W + pageCacheLongest) + t.E,
          input: pageCache(t) + [
            t.series('container_memory_events_max_total', T.cad(streamer), [l.seg(0, null, 0, 600)], W),
            t.series('container_memory_failcnt', T.cad(streamer), [l.seg(0, null, 0)], W),
            // Half a percent of the time stalled in reclaim.
            t.series('container_pressure_memory_stalled_seconds_total', T.cad(streamer), [l.seg(0, null, 0, 0.3)], W),
            t.series('container_pressure_memory_waiting_seconds_total', T.cad(streamer), [l.seg(0, null, 0, 0.3)], W),
          ],
          exprs: [
            { expr: n.unreclaimableRatio, at: at, exp: [T.sample(n.unreclaimableRatio, streamer, 40 / 1024)] },
          ],
          alerts: [
            { alert: 'ContainerMemoryLimitHits', at: at, exp: expectIf(40 / 1024 >= a.ContainerMemoryLimitHits.minRSSRatio, 'ContainerMemoryLimitHits', streamer { source: 'memory.events max' }, 10) },
            { alert: 'ContainerMemoryPressure', at: at, exp: expectIf(0.005 > a.ContainerMemoryPressure.threshold, 'ContainerMemoryPressure', streamer, 0.005) },
          ],
        },
      },
      {
        name: 'page cache at the limit: the working-set warning and the critical alert',
        span: pageCacheGauges + 5,
        build(t):: {
          local at = t.at(pageCacheGauges) + t.E,
          input: pageCache(t),
          local ratio = if c.memoryMetric == 'rss' then 40 / 1024 else 1004 / 1024,
          alerts: [
            { alert: 'ContainerMemoryAtLimit', at: t.at(forOf('ContainerMemoryAtLimit')) + t.E, exp: expectIf(40 / 1024 > atLimit, 'ContainerMemoryAtLimit', streamer, 40 / 1024) },
            { alert: 'ContainerMemoryAtLimit', at: at, exp: expectIf(40 / 1024 > atLimit, 'ContainerMemoryAtLimit', streamer, 40 / 1024) },
            { alert: 'ContainerMemoryNearLimit', at: at, exp: expectIf(ratio > near, 'ContainerMemoryNearLimit', streamer, ratio) },
          ],
        },
      },

      // A container writing into an emptyDir in memory (tmpfs): its files
      // are shared memory, which cAdvisor counts as cache
      // (container_memory_cache) but which is on neither file list, and
      // which the kernel cannot reclaim without swap. RSS is small. Where
      // the file lists are exported (cAdvisor 0.50+, kubelet 1.32+) the
      // critical alert reads RSS and shared memory, and fires; on an older
      // kubelet it reads RSS alone and cannot, and only the working set
      // (ContainerMemoryNearLimit) shows it. Then the files are deleted.
      {
        local tmpfs = T.ctr('tmpfs-writer', 'app'),
        local older = T.ctr('tmpfs-writer-old-kubelet', 'app'),
        local atName = 'ContainerMemoryAtLimit',
        local nearName = 'ContainerMemoryNearLimit',
        local longest = std.max(forOf(atName), forOf(nearName)),
        name: 'shared memory (tmpfs) at the limit',
        span: longest + 10,
        build(t):: {
          local fired = t.at(forOf(atName)) + t.E,
          local both = t.at(longest) + t.E,
          local freed = both + t.E,
          local after = freed + 2 * t.E,
          // Full: 60 of RSS, 960 of cache of which 20 active and 10
          // inactive file pages, so 930 of shared memory; usage 1020, the
          // working set 1010. Freed: 30 of cache, all of it on the lists.
          local phases(full, empty) = [l.seg(0, freed, full), l.seg(freed, null, empty)],
          local series(ctr, lists) = [
            t.series('container_memory_rss', T.cad(ctr), [l.seg(0, null, frac(60))]),
            t.series('container_memory_cache', T.cad(ctr), phases(frac(960), frac(30))),
            t.series('container_memory_working_set_bytes', T.cad(ctr), phases(frac(1010), frac(80))),
            t.series('container_spec_memory_limit_bytes', T.cad(ctr), [l.seg(0, null, L)]),
          ] + (if lists then [
            t.series('container_memory_total_active_file_bytes', T.cad(ctr), [l.seg(0, null, frac(20))]),
            t.series('container_memory_total_inactive_file_bytes', T.cad(ctr), [l.seg(0, null, frac(10))]),
          ] else []) + ksmLimit(t, ctr),
          local nearRatio = if c.memoryMetric == 'rss' then 60 / 1024 else 1010 / 1024,
          input: series(tmpfs, true) + series(older, false),
          exprs: [
            {
              expr: n.unreclaimable,
              at: fired,
              exp: [T.sample(n.unreclaimable, tmpfs, frac(990)), T.sample(n.unreclaimable, older, frac(60))],
            },
            { expr: n.unreclaimableRatio, at: after, exp: [T.sample(n.unreclaimableRatio, tmpfs, 60 / 1024), T.sample(n.unreclaimableRatio, older, 60 / 1024)] },
          ],
          alerts: [
            { alert: atName, at: fired, exp: expectIf(990 / 1024 > atLimit, atName, tmpfs, 990 / 1024) },
            { alert: atName, at: both, exp: expectIf(990 / 1024 > atLimit, atName, tmpfs, 990 / 1024) },
            { alert: nearName, at: both, exp: expectIf(nearRatio > near, nearName, tmpfs, nearRatio) + expectIf(nearRatio > near, nearName, older, nearRatio) },
            { alert: atName, at: after },
          ],
        },
      },

      // A container that grows at start-up for 28 minutes (a cache warming
      // up) and then stays flat is not predicted to reach its limit, neither
      // while it grows nor while its growth is still in the window; one
      // that leaks steadily is, once the pack has a window of its history.
      {
        local cfg = a.ContainerMemoryLimitPredicted,
        local window = T.minutes(cfg.window),
        local horizon = T.minutes(cfg.horizon),
        local ramp = T.ctr('warming-cache', 'app'),
        local leak = T.ctr('leaking', 'app'),
        local name = 'ContainerMemoryLimitPredicted',
        name: 'a start-up ramp that went flat, beside a steady leak',
        span: window + forOf(name) + window / 2 + 5,
        maxStep: window / 8,
        build(t):: {
          // The ramp lasts 28 minutes, or half the window when that is
          // shorter: it ends within the container's first window.
          local rampEnd = std.min(28, std.floor(window / 2)),
          local rampSlope = std.floor(frac(700) / rampEnd),
          local early = t.at(rampEnd + forOf(name)),
          local at = t.at(window + forOf(name)) + t.E,
          local later = t.at(at + window / 2),
          // The leak is 1/1024 of the limit under the near-limit threshold
          // at `at`, and was predicted past the limit (by 1%) a for before
          // (whole bytes a minute: numbers are written fast and exactly).
          // It fires at m when it is below the threshold then, and was
          // predicted past the limit since the evaluation a for before,
          // with a window of history. (The threshold tests say which
          // configurations no steady growth can fire.)
          local pendingOf(m) = std.floor((m - forOf(name)) / t.E) * t.E,
          local top = frac(std.floor(near * 1024) - 1),
          local lead = std.max(t.E, horizon - (at - pendingOf(at))),
          local slope = std.ceil((frac(1034) - top) / lead),
          local base = std.max(0, top - slope * at),
          local leakAt(m) = base + slope * m,
          local leakFires(m) = leakAt(m) / L <= near && leakAt(pendingOf(m)) + slope * horizon >= L && pendingOf(m) >= window,
          input: [
            t.series('container_memory_working_set_bytes', T.cad(ramp), [l.seg(0, rampEnd, frac(100), rampSlope), l.seg(rampEnd, null, frac(100) + rampSlope * rampEnd)]),
            t.series('container_memory_rss', T.cad(ramp), [l.seg(0, rampEnd, frac(100), rampSlope), l.seg(rampEnd, null, frac(100) + rampSlope * rampEnd)]),
            t.series('container_memory_working_set_bytes', T.cad(leak), [l.seg(0, null, base, slope)]),
            t.series('container_memory_rss', T.cad(leak), [l.seg(0, null, base, slope)]),
          ] + std.flattenArrays([
            [t.series('container_spec_memory_limit_bytes', T.cad(ctr), [l.seg(0, null, L)])] + ksmLimit(t, ctr)
            for ctr in [ramp, leak]
          ]),
          alerts: [
            // Silent through the ramp's first window, whatever the for.
            { alert: name, at: m }
            for m in std.set([t.at(forOf(name)) + t.E, t.at(rampEnd + forOf(name) / 2), early])
          ] + [
            { alert: name, at: at, exp: if leakFires(at) then [T.expect(name, leak)] else [] },
            { alert: name, at: later, exp: if leakFires(later) then [T.expect(name, leak)] else [] },
          ],
        },
      },

      // A container at its limit is OOM-killed and restarts in a new
      // cgroup (a new id). cAdvisor's series carry explicit timestamps, so
      // Prometheus would keep the old cgroup's last sample for 5 minutes:
      // the pack reads the new one at once.
      {
        local ctr = T.ctr('restarted', 'app'),
        name: 'a restart: the old cgroup and the new one',
        span: atLimitLead + 2 * windowOf('ContainerOOMKilled') + 5,
        maxStep: windowOf('ContainerOOMKilled') / 4,
        build(t):: {
          local kill = t.at(atLimitLead) + 2 * t.E,
          input: memory(t, ctr, frac(1020), frac(1000), cgroup=1, to=kill)
                 + memory(t, ctr, frac(100), frac(90), cgroup=2, from=kill)
                 + ksmLimit(t, ctr) + killed(t, ctr, kill),
          exprs: [
            { expr: n.rss, at: kill, exp: [T.sample(n.rss, ctr, frac(90))] },
          ],
          alerts: ifAtLimitBeforeKill([
            { alert: 'ContainerMemoryAtLimit', at: kill - t.E, exp: expectIf(1000 / 1024 > atLimit, 'ContainerMemoryAtLimit', ctr, 1000 / 1024) },
            { alert: 'ContainerMemoryAtLimit', at: kill },
            { alert: 'ContainerMemoryAtLimit', at: kill + t.E },
          ]) + [
            T.event(t, 'ContainerOOMKilled', kill, kill + windowOf('ContainerOOMKilled'), T.expect('ContainerOOMKilled', uidOf(ctr))),
            { alert: 'ContainerOOMKilled', at: t.at(kill + windowOf('ContainerOOMKilled')) + t.E },
          ],
        },
      },

      // A container deleted at its limit: its cAdvisor series stop without
      // a staleness marker, kube-state-metrics' end with one.
      {
        local ctr = T.ctr('deleted', 'app'),
        name: 'a deleted container: its last sample does not keep alerts firing',
        span: forOf('ContainerMemoryAtLimit') + maxAge + 10,
        build(t):: {
          local gone = t.at(forOf('ContainerMemoryAtLimit')) + 2 * t.E,
          input: memory(t, ctr, frac(1020), frac(1000), to=gone) + ksmLimit(t, ctr, to=gone),
          alerts: [
            { alert: 'ContainerMemoryAtLimit', at: gone - t.E, exp: expectIf(1000 / 1024 > atLimit, 'ContainerMemoryAtLimit', ctr, 1000 / 1024) },
            // Past the age a live sample can have, within Prometheus's
            // 5-minute lookback.
            { alert: 'ContainerMemoryAtLimit', at: t.at(gone + maxAge + 1) },
          ],
          exprs: [
            { expr: n.rss, at: t.at(gone + maxAge + 1) },
          ],
        },
      },

      // Two kube-state-metrics replicas export every series twice; the
      // second sees the kill one scrape later.
      {
        local ctr = T.ctr('two-ksm', 'app'),
        local replica(i) = { instance: '10.1.0.%d:8080' % i },
        name: 'two kube-state-metrics replicas',
        span: atLimitLead + windowOf('ContainerOOMKilled') + 5,
        maxStep: windowOf('ContainerOOMKilled') / 4,
        build(t):: {
          local kill = t.at(atLimitLead) + 2 * t.E,
          input: memory(t, ctr, frac(1020), frac(1000), cgroup=1, to=kill)
                 + memory(t, ctr, frac(100), frac(90), cgroup=2, from=kill)
                 + ksmLimit(t, ctr, ksmExtra=replica(0)) + ksmLimit(t, ctr, ksmExtra=replica(1))
                 + killed(t, ctr, kill, ksmExtra=replica(0)) + killed(t, ctr, kill, ksmExtra=replica(1), seen=kill + t.E)
                 + [
                   t.series('kube_pod_info', T.ksmPod(ctr, { node: 'node-1', priority_class: '', created_by_kind: 'ReplicaSet' } + replica(i)), [l.seg(0, null, 1)])
                   for i in [0, 1]
                 ],
          exprs: [
            { expr: n.memoryLimit, at: kill - t.E, exp: [T.sample(n.memoryLimit, ctr, L)] },
            { expr: n.rssRatio, at: kill - t.E, exp: [T.sample(n.rssRatio, ctr, 1000 / 1024)] },
          ],
          alerts: ifAtLimitBeforeKill([
            { alert: 'ContainerMemoryAtLimit', at: kill - t.E, exp: expectIf(1000 / 1024 > atLimit, 'ContainerMemoryAtLimit', ctr, 1000 / 1024) },
          ]) + [
            // One alert while one replica has seen the kill, and one when
            // both have.
            { alert: 'ContainerOOMKilled', at: kill, exp: if forOf('ContainerOOMKilled') == 0 then [T.expect('ContainerOOMKilled', uidOf(ctr))] else [] },
            T.event(t, 'ContainerOOMKilled', kill, kill + windowOf('ContainerOOMKilled'), T.expect('ContainerOOMKilled', uidOf(ctr))),
          ],
        },
      },

      // After a node failure kube_pod_info shows the pod on its old node a
      // while longer: one series of the pod per node. The OOM score keeps
      // one node, and the join does not fail for every pod.
      {
        local ctr = T.ctr('moved', 'app'),
        local other = T.ctr('steady', 'app'),
        local capacity = 8 * L,
        name: 'a pod seen on two nodes',
        span: 5,
        build(t):: {
          input: [
            t.series('kube_pod_info', T.ksmPod(ctr, { node: node, priority_class: '', created_by_kind: 'ReplicaSet' }), [l.seg(0, null, 1)])
            for node in ['node-1', 'node-2']
          ] + [
            t.series('kube_pod_info', T.ksmPod(other, { node: 'node-1', priority_class: '', created_by_kind: 'ReplicaSet' }), [l.seg(0, null, 1)]),
          ] + [
            t.series('kube_node_status_capacity', T.ksmNode(node, extra={ resource: 'memory', unit: 'byte' }), [l.seg(0, null, capacity)])
            for node in ['node-1', 'node-2']
          ] + std.flattenArrays([
            [
              t.series('kube_pod_container_info', T.ksm(x, { image: 'registry.example/app:1', container_id: 'containerd://%s' % x.pod }), [l.seg(0, null, 1)]),
              t.series('kube_pod_status_qos_class', T.ksmPod(x, { qos_class: 'BestEffort' }), [l.seg(0, null, 1)]),
              t.series('container_memory_rss', T.cad(x), [l.seg(0, null, frac(512))]),
            ]
            for x in [ctr, other]
          ]),
          exprs: [
            { expr: 'count by (namespace, pod, container) (%s)' % n.oomScore, at: t.at(5), exp: [
              { labels: l.selector('', { namespace: x.namespace, pod: x.pod, container: 'app' }), value: 1 }
              for x in [ctr, other]
            ] },
            { expr: 'max by (namespace, pod, container) (%s)' % n.oomScore, at: t.at(5), exp: [
              { labels: l.selector('', { namespace: x.namespace, pod: x.pod, container: 'app' }), value: 1062.5 }
              for x in [ctr, other]
            ] },
          ],
        },
      },

      // Two clusters with the same namespace, pod and container names:
      // nothing of one is read as the other's, whether or not the
      // descriptions show the cluster.
      if enoughClusters(2) then {
        local east = T.ctr('shared-name', 'app', cluster=T.clusterName(0, 'east')),
        local west = T.ctr('shared-name', 'app', cluster=T.clusterName(1, 'west')),
        name: 'two clusters',
        span: atLimitLead + windowOf('ContainerOOMKilled') + 5,
        maxStep: windowOf('ContainerOOMKilled') / 4,
        build(t):: {
          local at = t.at(atLimitLead) + 2 * t.E,
          input: memory(t, east, frac(1020), frac(1000)) + ksmLimit(t, east)
                 + memory(t, west, frac(300), frac(200)) + ksmLimit(t, west)
                 + killed(t, west, at - t.E),
          exprs: [
            { expr: n.rssRatio, at: at, exp: [T.sample(n.rssRatio, east, 1000 / 1024), T.sample(n.rssRatio, west, 200 / 1024)] },
          ],
          alerts: ifAtLimitBeforeKill([
            { alert: 'ContainerMemoryAtLimit', at: at, exp: expectIf(1000 / 1024 > atLimit, 'ContainerMemoryAtLimit', east, 1000 / 1024) },
          ]) + [
            T.event(t, 'ContainerOOMKilled', at - t.E, at - t.E + windowOf('ContainerOOMKilled'), T.expect('ContainerOOMKilled', uidOf(west))),
          ],
        },
      },

      // An init container and a native sidecar (an init container with
      // restartPolicy Always) are OOM-killed: kube-state-metrics has them in
      // its init-container series.
      {
        local init = T.ctr('with-init', 'init-db'),
        local sidecar = T.ctr('with-sidecar', 'proxy'),
        local main = T.ctr('with-sidecar', 'app'),
        name: 'an init container and a native sidecar OOM-killed',
        span: 5 + windowOf('ContainerOOMKilled'),
        maxStep: windowOf('ContainerOOMKilled') / 4,
        build(t):: {
          local kill = t.at(5),
          input: killed(t, init, kill, p='kube_pod_init_container')
                 + killed(t, sidecar, kill, p='kube_pod_init_container')
                 + [
                   t.series('kube_pod_init_container_info', T.ksm(init, { image: 'registry.example/init-db:1', restart_policy: '' }), [l.seg(0, null, 1)]),
                   t.series('kube_pod_init_container_info', T.ksm(sidecar, { image: 'registry.example/proxy:1', restart_policy: 'Always' }), [l.seg(0, null, 1)]),
                   t.series('kube_pod_container_status_restarts_total', T.ksm(main), [l.seg(0, null, 0)]),
                 ],
          alerts: [
            { alert: 'ContainerOOMKilled', at: kill - t.E },
            T.event(t, 'ContainerOOMKilled', kill, kill + windowOf('ContainerOOMKilled'), [T.expect('ContainerOOMKilled', uidOf(init)), T.expect('ContainerOOMKilled', uidOf(sidecar))]),
          ],
        },
      },

      // A pod with restartPolicy Never: its container is OOM-killed and
      // stays terminated; it never restarts.
      {
        local ctr = T.ctr('run-once', 'job'),
        local oomWindow = windowOf('ContainerOOMKilled'),
        name: 'a restartPolicy Never pod OOM-killed',
        span: 5 + 2 * oomWindow,
        maxStep: oomWindow / 4,
        build(t):: {
          local kill = t.at(5),
          input: [
            t.series('kube_pod_restart_policy', T.ksmPod(ctr, { type: 'Never' }), [l.seg(0, null, 1)]),
            t.series('kube_pod_container_status_running', T.ksm(ctr), [l.seg(0, kill, 1), l.seg(kill, null, 0)]),
            t.series('kube_pod_container_status_terminated_reason', T.ksm(ctr, { reason: 'OOMKilled' }), [l.seg(kill, null, 1)]),
            t.series('kube_pod_container_status_restarts_total', T.ksm(ctr), [l.seg(0, null, 0)]),
          ],
          alerts: [
            { alert: 'ContainerOOMKilled', at: kill - t.E },
            { alert: 'ContainerOOMKilled', at: kill, exp: if forOf('ContainerOOMKilled') == 0 then [T.expect('ContainerOOMKilled', uidOf(ctr))] else [] },
            T.event(t, 'ContainerOOMKilled', kill, t.at(kill + oomWindow), T.expect('ContainerOOMKilled', uidOf(ctr))),
            { alert: 'ContainerOOMKilled', at: t.at(kill + oomWindow) },
          ],
        },
      },

      // A container killed before kube-state-metrics first scraped its pod:
      // the pod's first series already say one restart, so no restart
      // counter rises. The time of the termination tells.
      {
        local ctr = T.ctr('killed-early', 'app'),
        local oomWindow = windowOf('ContainerOOMKilled'),
        name: 'a kill before the pod\'s first scrape',
        span: 5 + 2 * oomWindow,
        maxStep: oomWindow / 4,
        build(t):: {
          local first = t.at(5),
          input: [
            t.series('kube_pod_container_status_last_terminated_reason', T.ksm(ctr, { reason: 'OOMKilled' }), [l.seg(first, null, 1)]),
            t.series('kube_pod_container_status_last_terminated_timestamp', T.ksm(ctr), [l.seg(first, null, 60 * first - 20)]),
            t.series('kube_pod_container_status_restarts_total', T.ksm(ctr), [l.seg(first, null, 1)]),
          ],
          alerts: [
            { alert: 'ContainerOOMKilled', at: first, exp: if forOf('ContainerOOMKilled') == 0 then [T.expect('ContainerOOMKilled', uidOf(ctr))] else [] },
            T.event(t, 'ContainerOOMKilled', first, first + oomWindow, T.expect('ContainerOOMKilled', uidOf(ctr))),
            { alert: 'ContainerOOMKilled', at: t.at(first + oomWindow) + t.E },
          ],
        },
      },

      // A young pod killed again and again, the first time before its first
      // scrape: every kill counts. An older pod killed once less in the
      // window stays silent.
      {
        local again = a.ContainerOOMKilledRepeatedly,
        local window = windowOf('ContainerOOMKilledRepeatedly'),
        local kills = again.threshold,
        local young = T.ctr('young', 'app'),
        local old = T.ctr('old', 'app'),
        name: 'repeated OOM kills of a young pod',
        span: window + 2 * kills + 10,
        maxStep: std.floor(window / (2 * kills + 4)),
        build(t):: {
          // The young pod is first scraped a window into the story, so that
          // the old pod's last termination before is out of the window.
          local first = t.at(window) + t.E,
          // Kills after the first scrape, every other evaluation.
          local later = [first + 2 * i * t.E for i in std.range(1, kills - 1)],
          local at = (if kills > 1 then later[kills - 2] else first) + t.E,
          local oldKills = [at - 2 * i * t.E for i in std.reverse(std.range(1, kills - 1))],
          input: [
            t.series('kube_pod_container_status_last_terminated_reason', T.ksm(young, { reason: 'OOMKilled' }), [l.seg(first, null, 1)]),
            t.series('kube_pod_container_status_last_terminated_timestamp', T.ksm(young), [
              l.seg(k[0], k[1], if k[0] == first then 60 * first - 20 else 60 * k[0])
              for k in std.mapWithIndex(function(i, s) [s, if i == std.length(later) then null else later[i]], [first] + later)
            ]),
            t.series('kube_pod_container_status_restarts_total', T.ksm(young), [
              l.seg(k[0], k[1], k[2])
              for k in std.mapWithIndex(function(i, s) [s, if i == std.length(later) then null else later[i], i + 1], [first] + later)
            ]),
            // The old pod: an ancient termination, then kills - 1 in the window.
            t.series('kube_pod_container_status_last_terminated_reason', T.ksm(old, { reason: 'OOMKilled' }), [l.seg(0, null, 1)]),
            t.series('kube_pod_container_status_last_terminated_timestamp', T.ksm(old), [
              l.seg(k[0], k[1], k[2])
              for k in std.mapWithIndex(function(i, s) [s, if i == std.length(oldKills) then null else oldKills[i], if i == 0 then 0 else 60 * s], [0] + oldKills)
            ]),
          ],
          alerts: [
            T.event(t, 'ContainerOOMKilledRepeatedly', at - t.E, first + window - 1, T.expect('ContainerOOMKilledRepeatedly', uidOf(young))),
          ],
        },
      },

      // cri-dockerd shows the pause container as container="POD"; every
      // runtime shows the pod's own cgroup with container="". Neither is a
      // container of the pod.
      {
        local ctr = T.ctr('with-pause', 'app'),
        local pause = T.cadvisorBase + T.podOf(ctr) + { container::: 'POD', image: 'registry.k8s.io/pause:3.10', id: '/kubepods/burstable/pod-with-pause/pause', name: 'k8s_POD_with-pause' },
        local podCgroup = T.cadvisorBase + T.podOf(ctr) + { container::: '', image: '', id: '/kubepods/burstable/pod-with-pause', name: '' },
        name: 'the pause container and the pod cgroup are not containers',
        span: W + 5,
        build(t):: {
          local at = t.at(W + 5),
          input: memory(t, ctr, frac(300), frac(200)) + ksmLimit(t, ctr) + [
            t.series('container_memory_working_set_bytes', pause, [l.seg(0, null, frac(1))]),
            t.series('container_memory_rss', pause, [l.seg(0, null, frac(1))]),
            t.series('container_memory_working_set_bytes', podCgroup, [l.seg(0, null, frac(302))]),
            t.series('container_memory_rss', podCgroup, [l.seg(0, null, frac(201))]),
            t.series('container_cpu_usage_seconds_total', T.cad(ctr), [l.seg(0, null, 0, 30)], W),
            t.series('container_cpu_usage_seconds_total', pause, [l.seg(0, null, 0, 0.6)], W),
            t.series('container_cpu_usage_seconds_total', podCgroup, [l.seg(0, null, 0, 30.6)], W),
          ],
          exprs: [
            { expr: n.workingSet, at: at, exp: [T.sample(n.workingSet, ctr, frac(300))] },
            { expr: n.rss, at: at, exp: [T.sample(n.rss, ctr, frac(200))] },
            { expr: n.cpuUsage, at: at, exp: [T.sample(n.cpuUsage, ctr, 0.5)] },
          ],
        },
      },

      // The kubelet serves working set and CPU usage on /metrics/resource
      // too, with fewer labels (no image). Only /metrics/cadvisor counts.
      // The working-set warning, whose for can be long, is checked in a
      // group without the rates (see the page cache scenario).
      {
        name: 'the kubelet\'s /metrics/resource beside /metrics/cadvisor',
        span: W + 5,
        build(t):: {
          local at = t.at(W) + t.E,
          input: twoEndpoints(t) + [
            t.series('container_cpu_usage_seconds_total', T.cad(twoEndpointsCtr), [l.seg(0, null, 0, 30)], W),
            t.series('container_cpu_usage_seconds_total', twoEndpointsResource, [l.seg(0, null, 0, 57)], W),
          ],
          exprs: [
            { expr: n.workingSet, at: at, exp: [T.sample(n.workingSet, twoEndpointsCtr, frac(300))] },
            { expr: n.cpuUsage, at: at, exp: [T.sample(n.cpuUsage, twoEndpointsCtr, 0.5)] },
          ],
        },
      },
      {
        name: 'the kubelet\'s /metrics/resource beside /metrics/cadvisor: the working-set warning',
        span: forOf('ContainerMemoryNearLimit') + 5,
        build(t):: {
          local at = t.at(forOf('ContainerMemoryNearLimit')) + t.E,
          input: twoEndpoints(t),
          local ratio = if c.memoryMetric == 'rss' then 200 / 1024 else 300 / 1024,
          alerts: [
            { alert: 'ContainerMemoryNearLimit', at: at, exp: expectIf(ratio > near, 'ContainerMemoryNearLimit', twoEndpointsCtr, ratio) },
          ],
        },
      },

      // Missing inputs, cluster by cluster: the pack says where it is
      // blind. Each cluster lacks one input.
      if enoughClusters(5) then {
        local cl(i, name) = T.ctr('app-%s' % name, 'app', cluster=T.clusterName(i, name)),
        local complete = cl(0, 'complete'),
        local noCadvisor = cl(1, 'no-cadvisor'),
        local noKSM = cl(2, 'no-ksm'),
        local noSplit = cl(3, 'no-cpu-split'),
        local noLimits = cl(4, 'no-limits'),
        local ksmSource = c.memoryLimitSource == 'kube-state-metrics',
        local names = ['ContainerCadvisorMetricsMissing', 'ContainerStateMetricsMissing', 'ContainerMemoryLimitsMissing', 'ContainerCPUSplitMissing'],
        local longest = std.foldl(std.max, [forOf(x) for x in names], 0),
        name: 'missing inputs, cluster by cluster',
        span: W + longest + 5,
        build(t):: {
          local at = t.at(W + longest) + t.E,
          local cadvisor(ctr, split=true, spec=true) = [
            t.series('container_memory_working_set_bytes', T.cad(ctr), [l.seg(0, null, frac(300))]),
            t.series('container_cpu_usage_seconds_total', T.cad(ctr), [l.seg(0, null, 0, 30)], W),
          ] + (if split then [
                 t.series('container_cpu_user_seconds_total', T.cad(ctr), [l.seg(0, null, 0, 20)], W),
                 t.series('container_cpu_system_seconds_total', T.cad(ctr), [l.seg(0, null, 0, 10)], W),
               ] else [])
               + (if spec then [t.series('container_spec_memory_limit_bytes', T.cad(ctr), [l.seg(0, null, L)])] else []),
          local ksm(ctr, limits=true) = [
            t.series('kube_pod_container_status_running', T.ksm(ctr), [l.seg(0, null, 1)]),
            t.series('kube_pod_container_status_restarts_total', T.ksm(ctr), [l.seg(0, null, 0)]),
          ] + (if limits then ksmLimit(t, ctr) else []),
          input: cadvisor(complete) + ksm(complete)
                 + ksm(noCadvisor)
                 + cadvisor(noKSM)
                 + cadvisor(noSplit, split=false) + ksm(noSplit)
                 + cadvisor(noLimits, spec=false) + ksm(noLimits, limits=false),
          local cluster(ctr) = T.clusterLabels(ctr[c.clusterLabel]),
          alerts: [
            { alert: 'ContainerCadvisorMetricsMissing', at: at, exp: [T.expect('ContainerCadvisorMetricsMissing', cluster(noCadvisor))] },
            { alert: 'ContainerStateMetricsMissing', at: at, exp: [T.expect('ContainerStateMetricsMissing', cluster(noKSM))] },
            {
              alert: 'ContainerMemoryLimitsMissing',
              at: at,
              exp: [T.expect('ContainerMemoryLimitsMissing', cluster(x)) for x in (if ksmSource then [noKSM, noLimits] else [noLimits])],
            },
            { alert: 'ContainerCPUSplitMissing', at: at, exp: [T.expect('ContainerCPUSplitMissing', cluster(noSplit))] },
          ],
        },
      },

      // Nothing scraped at all: every cluster is blind.
      {
        local cadvisorAbsent = $._test.equalityLabelsOf([c.cadvisorSelector, c.namespaceSelector]),
        local ksmAbsent = $._test.equalityLabelsOf([c.kubeStateMetricsSelector, c.namespaceSelector]),
        local longest = std.max(forOf('ContainerCadvisorMetricsMissing'), forOf('ContainerStateMetricsMissing')),
        name: 'no input at all',
        span: longest + 5,
        build(t):: {
          local at = t.at(longest) + t.E,
          input: [t.series('up', { job: 'unrelated' }, [l.seg(0, null, 1)])],
          alerts: [
            { alert: 'ContainerCadvisorMetricsMissing', at: at, exp: [T.expect('ContainerCadvisorMetricsMissing', cadvisorAbsent)] },
            { alert: 'ContainerStateMetricsMissing', at: at, exp: [T.expect('ContainerStateMetricsMissing', ksmAbsent)] },
          ],
        },
      },

      // A StatefulSet pod deleted and made again under the same name: a new
      // uid. The old pod's kills do not count for the new one.
      {
        local old = T.ctr('stateful-0', 'app'),
        local oldUID = old { uid: 'uid-stateful-0-a' },
        local newUID = old { uid: 'uid-stateful-0-b' },
        local again = a.ContainerOOMKilledRepeatedly,
        local window = windowOf('ContainerOOMKilledRepeatedly'),
        local kills = again.threshold,
        name: 'a pod made again under the same name is a new pod',
        span: window,
        maxStep: std.floor(window / (kills + 8)),
        build(t):: {
          local first = t.at(window / 4),
          local oldKills = [first + i * t.E for i in std.range(0, kills - 1)],
          local deleted = oldKills[kills - 1] + 3 * t.E,
          local created = deleted + t.E,
          local newKill = created + t.E,
          local ksmOld(extra={}) = T.ksmBase + oldUID + extra,
          local ksmNew(extra={}) = T.ksmBase + newUID + extra,
          local segs(times, value, end) = [
            l.seg(times[i], if i == std.length(times) - 1 then end else times[i + 1], value(i))
            for i in std.range(0, std.length(times) - 1)
          ],
          input: [
            t.series('kube_pod_container_status_last_terminated_reason', ksmOld({ reason: 'OOMKilled' }), [l.seg(first, deleted, 1), l.stale(deleted)]),
            t.series('kube_pod_container_status_last_terminated_timestamp', ksmOld(), segs(oldKills, function(i) 60 * oldKills[i], deleted) + [l.stale(deleted)]),
            t.series('kube_pod_container_status_restarts_total', ksmOld(), [l.seg(0, first, 0)] + segs(oldKills, function(i) i + 1, deleted) + [l.stale(deleted)]),
            // The new pod is OOM-killed once.
            t.series('kube_pod_container_status_last_terminated_reason', ksmNew({ reason: 'OOMKilled' }), [l.seg(newKill, null, 1)]),
            t.series('kube_pod_container_status_last_terminated_timestamp', ksmNew(), [l.seg(newKill, null, 60 * newKill)]),
            t.series('kube_pod_container_status_restarts_total', ksmNew(), [l.seg(created, newKill, 0), l.seg(newKill, null, 1)]),
          ],
          alerts: [
            // The old pod's kills, one a step apart, fit in the window but
            // for windows of a few minutes (tests cannot space kills closer
            // than a minute): then only the new pod is checked.
            T.event(t, 'ContainerOOMKilledRepeatedly', oldKills[kills - 1], deleted, T.expect('ContainerOOMKilledRepeatedly', oldUID))
            for _ in (if kills * t.E < window then [1] else [])
          ] + [
            { alert: 'ContainerOOMKilledRepeatedly', at: newKill + t.E },
            // Only the new pod's own kill, with the new uid.
            T.event(t, 'ContainerOOMKilled', newKill, newKill + windowOf('ContainerOOMKilled'), T.expect('ContainerOOMKilled', newUID)),
          ],
        },
      },

      // A node with swap (Kubernetes 1.34+, LimitedSwap for Burstable
      // pods): anonymous memory past the limit goes to swap. The ratios are
      // of memory in RAM against the memory limit, swap apart; the OOM score
      // counts swap, as the kernel does.
      {
        local ctr = T.ctr('swapping', 'app'),
        local capacity = 8 * L,
        name: 'a node with swap on',
        span: forOf('ContainerMemoryAtLimit') + 5,
        build(t):: {
          local at = t.at(forOf('ContainerMemoryAtLimit')) + t.E,
          input: memory(t, ctr, frac(1010), frac(992)) + ksmLimit(t, ctr) + [
            t.series('container_memory_swap', T.cad(ctr), [l.seg(0, null, frac(256))]),
            t.series('kube_pod_info', T.ksmPod(ctr, { node: 'node-1', priority_class: '', created_by_kind: 'ReplicaSet' }), [l.seg(0, null, 1)]),
            t.series('kube_node_status_capacity', T.ksmNode('node-1', extra={ resource: 'memory', unit: 'byte' }), [l.seg(0, null, capacity)]),
            t.series('kube_pod_container_info', T.ksm(ctr, { image: 'registry.example/app:1', container_id: 'containerd://swapping' }), [l.seg(0, null, 1)]),
            t.series('kube_pod_status_qos_class', T.ksmPod(ctr, { qos_class: 'BestEffort' }), [l.seg(0, null, 1)]),
          ],
          exprs: [
            { expr: n.rssRatio, at: at, exp: [T.sample(n.rssRatio, ctr, 992 / 1024)] },
            // 1000 * (992 + 256) / 8192 + 1000
            { expr: n.oomScore, at: at, exp: [T.sample(n.oomScore, ctr { node: 'node-1' }, 1152.34375)] },
          ],
          alerts: [
            { alert: 'ContainerMemoryAtLimit', at: at, exp: expectIf(992 / 1024 > atLimit, 'ContainerMemoryAtLimit', ctr, 992 / 1024) },
          ],
        },
      },

      // Pod-level resources (Kubernetes 1.34+): a pod-level limit and no
      // container limit. cAdvisor shows the limit on the pod's own cgroup;
      // kube-state-metrics does not export it. The containers have no ratio
      // and are not reported as unbounded; a pod with no limit at all is.
      {
        local bounded = T.ctr('pod-level-limit', 'app'),
        local unbounded = T.ctr('no-limit-at-all', 'app'),
        local name = 'ContainerWithoutMemoryLimit',
        name: 'pod-level resources: a pod-level limit and no container limit',
        span: forOf(name) + 5,
        build(t):: {
          local at = t.at(forOf(name)) + t.E,
          local podCgroup(ctr, limit) = t.series('container_spec_memory_limit_bytes', T.cadvisorBase + T.podOf(ctr) + { container::: '', image: '', id: '/kubepods/burstable/pod-%s' % ctr.pod, name: '' }, [l.seg(0, null, limit)]),
          input: std.flattenArrays([
            [
              t.series('kube_pod_container_status_running', T.ksm(ctr), [l.seg(0, null, 1)]),
              t.series('container_memory_working_set_bytes', T.cad(ctr), [l.seg(0, null, frac(500))]),
              t.series('container_spec_memory_limit_bytes', T.cad(ctr), [l.seg(0, null, 0)]),
            ]
            for ctr in [bounded, unbounded]
          ]) + [podCgroup(bounded, L), podCgroup(unbounded, 0)],
          exprs: [{ expr: n.workingSetRatio, at: at }],
          alerts: [{ alert: name, at: at, exp: [T.expect(name, unbounded)] }],
        },
      },

      // Exit code 137 is SIGKILL: an OOM kill the runtime did not report as
      // one, or a failed liveness probe, an eviction, a kill by hand. With
      // the working set near the limit just before, it is a probable OOM
      // kill; with memory low, it is not.
      {
        local name = 'ContainerProbablyOOMKilled',
        local window = windowOf(name),
        local full = T.ctr('killed-full', 'app'),
        local probe = T.ctr('killed-by-probe', 'app'),
        name: 'exit code 137 without the reason OOMKilled',
        span: 10 + window,
        maxStep: window / 4,
        build(t):: {
          local kill = t.at(10),
          input: memory(t, full, frac(1000), frac(700), cgroup=1, to=kill) + memory(t, full, frac(100), frac(80), cgroup=2, from=kill)
                 + memory(t, probe, frac(300), frac(200), cgroup=1, to=kill) + memory(t, probe, frac(100), frac(80), cgroup=2, from=kill)
                 + ksmLimit(t, full) + ksmLimit(t, probe)
                 + killed(t, full, kill, reason='Error') + killed(t, probe, kill, reason='Error'),
          alerts: [
            { alert: name, at: kill - t.E },
            if 1000 / 1024 > near then T.event(t, name, kill, kill + window, T.expect(name, uidOf(full))) else { alert: name, at: kill + t.E },
            { alert: 'ContainerOOMKilled', at: kill + t.E },
            { alert: name, at: t.at(kill + window) + t.E },
          ],
        },
      },

      // CPU: an Envoy proxy spends a third of its time in the kernel, a
      // batch job runs at its CPU limit, an idle container's few
      // milliseconds are mostly system time. None is a problem; a container
      // that spends most of half a core in the kernel, and a service held
      // at its limit, are.
      {
        local envoy = T.ctr('ingress', 'envoy'),
        local batch = T.ctr('nightly-report-28', 'report'),
        local idle = T.ctr('sleeper', 'app'),
        local kernel = T.ctr('page-faulter', 'app'),
        local service = T.ctr('api', 'app'),
        local share = a.ContainerCPUSystemShareHigh,
        local cpuNames = ['ContainerCPUSystemShareHigh', 'ContainerCPUNearLimit', 'ContainerCPUThrottlingHigh'],
        local longest = std.foldl(std.max, [forOf(x) for x in cpuNames], 0),
        name: 'CPU: a proxy, a batch job and an idle container stay quiet',
        span: W + std.max(longest, 20) + 5,
        build(t):: {
          local at = t.at(W + std.max(longest, 20)) + t.E,
          // CPU seconds a minute, user and system.
          local cpu(ctr, user, system) = [
            t.series('container_cpu_user_seconds_total', T.cad(ctr), [l.seg(0, null, 0, user)], W),
            t.series('container_cpu_system_seconds_total', T.cad(ctr), [l.seg(0, null, 0, system)], W),
            t.series('container_cpu_usage_seconds_total', T.cad(ctr), [l.seg(0, null, 0, user + system)], W),
          ],
          local limit(ctr, cores) = t.series('kube_pod_container_resource_limits', T.ksm(ctr, { node: 'node-1', resource: 'cpu', unit: 'core' }), [l.seg(0, null, cores)]),
          local throttled(ctr, share) = [
            t.series('container_cpu_cfs_periods_total', T.cad(ctr), [l.seg(0, null, 0, 600)], W),
            t.series('container_cpu_cfs_throttled_periods_total', T.cad(ctr), [l.seg(0, null, 0, 600 * share)], W),
          ],
          local podInfo(ctr, kind) = t.series('kube_pod_info', T.ksmPod(ctr, { node: 'node-1', priority_class: '', created_by_kind: kind }), [l.seg(0, null, 1)]),
          input: cpu(envoy, 7.8, 4.2) + [limit(envoy, 1), podInfo(envoy, 'ReplicaSet')] + throttled(envoy, 0)
                 + cpu(batch, 57, 3) + [limit(batch, 1), podInfo(batch, 'Job')] + throttled(batch, 0.5)
                 + cpu(idle, 0.06, 0.24) + [podInfo(idle, 'ReplicaSet')]
                 + cpu(kernel, 9, 21) + [podInfo(kernel, 'ReplicaSet')]
                 + cpu(service, 45, 12) + [limit(service, 1), podInfo(service, 'ReplicaSet')] + throttled(service, 0.1),
          alerts: [
            {
              alert: 'ContainerCPUSystemShareHigh',
              at: at,
              exp: std.flattenArrays([
                expectIf(x[1] > share.threshold && x[2] >= share.minUsageCores, 'ContainerCPUSystemShareHigh', x[0], x[1])
                for x in [[envoy, 0.35, 0.2], [batch, 0.05, 1], [idle, 0.8, 0.005], [kernel, 0.7, 0.5], [service, 12 / 57, 0.95]]
              ]),
            },
            { alert: 'ContainerCPUNearLimit', at: at, exp: expectIf(0.95 > a.ContainerCPUNearLimit.threshold, 'ContainerCPUNearLimit', service, 0.95) },
            {
              alert: 'ContainerCPUThrottlingHigh',
              at: at,
              exp: std.flattenArrays([
                expectIf(x[1] > a.ContainerCPUThrottlingHigh.threshold, 'ContainerCPUThrottlingHigh', x[0], x[1])
                for x in [[batch, 0.5], [service, 0.1]]
              ]),
            },
          ],
        },
      },

      // The kubelet gives oom_score_adj -997 to node-critical pods
      // (priority class system-node-critical) whatever their QoS class;
      // system-cluster-critical gets the ordinary formula.
      {
        local capacity = 8 * L,
        local nodeCritical = T.ctr('node-agent', 'agent'),
        local clusterCritical = T.ctr('dns', 'coredns'),
        local pods = [[nodeCritical, 'system-node-critical'], [clusterCritical, 'system-cluster-critical']],
        name: 'oom_score_adj of node-critical pods',
        span: 2,
        build(t):: {
          input: std.flattenArrays([
            [
              t.series('kube_pod_info', T.ksmPod(x[0], { node: 'node-1', priority_class: x[1], created_by_kind: 'DaemonSet' }), [l.seg(0, null, 1)]),
              t.series('kube_pod_container_info', T.ksm(x[0], { image: 'registry.example/%s:1' % x[0].container, container_id: 'containerd://%s' % x[0].pod }), [l.seg(0, null, 1)]),
              t.series('kube_pod_status_qos_class', T.ksmPod(x[0], { qos_class: 'Burstable' }), [l.seg(0, null, 1)]),
              t.series('kube_pod_container_resource_requests', T.ksm(x[0], { node: 'node-1', resource: 'memory', unit: 'byte' }), [l.seg(0, null, capacity / 4)]),
            ]
            for x in pods
          ]) + [
            t.series('kube_node_status_capacity', T.ksmNode('node-1', extra={ resource: 'memory', unit: 'byte' }), [l.seg(0, null, capacity)]),
          ],
          exprs: [{
            expr: n.oomScoreAdj,
            at: t.at(2),
            exp: [T.sample(n.oomScoreAdj, clusterCritical, 750), T.sample(n.oomScoreAdj, nodeCritical, -997)],
          }],
        },
      },
    ]),
}
