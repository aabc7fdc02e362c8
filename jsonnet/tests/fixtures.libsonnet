// The labels of the tests' series and the alerts they expect, made from
// _config so that they hold for any configuration.
local u = import '../lib/utils.libsonnet';
local l = import 'lib.libsonnet';

{
  _test:: {
    local c = $._config,
    local tl = c.testLabels,
    local derived(given, sel) = if given != null then given else u.equalityLabels(sel),

    // The selectors' own labels, or testLabels where given.
    cadvisorBase:: derived(tl.cadvisor, c.cadvisorSelector),
    ksmBase:: derived(tl.kubeStateMetrics, c.kubeStateMetricsSelector),
    kubeletBase:: derived(std.get(tl, 'kubelet'), c.kubeletSelector),

    // The cluster of the threshold tests: labelled as a multi-cluster
    // Prometheus labels it when showMultiCluster is on, unlabelled as a
    // single cluster's Prometheus has it otherwise.
    // A selector that matches on the cluster label gives every test series
    // one (the rules keep it whether or not showMultiCluster is on).
    cluster::
      if c.showMultiCluster then tl.cluster
      else
        local forced = [b[c.clusterLabel] for b in [$._test.cadvisorBase, $._test.ksmBase] if std.objectHas(b, c.clusterLabel)];
        if std.length(forced) > 0 then forced[0] else null,
    // The cluster names of scenarios with several clusters: generate sets
    // testLabels.clusters when the selectors match on the cluster label
    // (names they all accept); otherwise each scenario names its own.
    clusters:: std.get(tl, 'clusters'),
    clusterName(i, name):: if $._test.clusters == null then name else $._test.clusters[i],
    clusterLabels(cluster):: if cluster == null then {} else { [c.clusterLabel]: cluster },

    // ctr names a container. Every scenario has its own pod names.
    ctr(pod, container='app', cluster=$._test.cluster, namespace=tl.namespace):: {
      namespace: namespace,
      pod: pod,
      container: container,
    } + $._test.clusterLabels(cluster),
    // A container's pod, for pod-level series.
    podOf(ctr):: ctr { container:: null },

    // cAdvisor's labels of a container's cgroup; cgroup numbers a restart.
    cad(ctr, cgroup=1, extra={}):: $._test.cadvisorBase + ctr + {
      image: 'registry.example/%s:1' % ctr.container,
      id: '/kubepods/burstable/pod-%s/%s-%d' % [ctr.pod, ctr.container, cgroup],
      name: '%s-%d' % [ctr.container, cgroup],
    } + extra,
    // kube-state-metrics' labels: its series carry the pod's uid.
    uid(ctr):: 'uid-%s' % ctr.pod,
    ksm(ctr, extra={}):: $._test.ksmBase + ctr + { uid: $._test.uid(ctr) } + extra,
    ksmPod(ctr, extra={}):: $._test.ksmBase + $._test.podOf(ctr) + { uid: $._test.uid(ctr) } + extra,
    ksmNode(node, cluster=$._test.cluster, extra={}):: $._test.ksmBase + { node: node } + $._test.clusterLabels(cluster) + extra,

    // The labels an alert of a container carries.
    alertLabels(name, labels):: labels + { severity: c.alerts[name].severity } + c.extraLabels,
    // A recorded sample: recording rules add the extra labels.
    sample(name, labels, value):: { labels: l.selector(name, labels + c.extraLabels), value: value },

    // expect is an expected alert with its rendered annotations. labels
    // are the series' own (a container's, the source, the cluster); value
    // is what the description shows.
    expect(name, labels, value=null)::
      local def = $._alertDefs[name];
      local cl = std.get(labels, c.clusterLabel);
      local show = {
        label(l):: std.get(labels, l, ''),
        percent:: if value == null then '' else '%s%%' % std.format('%.4g', value * 100),
        number:: if value == null then '' else std.format('%.2f', value),
        count:: if value == null then '' else std.toString(value),
        none:: '',
        cluster:: if c.showMultiCluster && cl != null then ' on cluster %s' % cl else '',
        inCluster:: if cl != null then ' in cluster %s' % cl else '',
      };
      {
        exp_labels: $._test.alertLabels(name, labels),
        exp_annotations: {
          summary: def.summary,
          description: $._describe(def.description, show),
          runbook_url: c.runbookURLPattern % name,
        },
      },

    // equalityLabelsOf gives the labels absent() returns for selectors:
    // those of their name="value" matchers.
    equalityLabelsOf(selectors)::
      local matchers = std.flattenArrays([$._test.splitMatchers(s) for s in selectors if s != '']);
      local eq(m) =
        local i = std.findSubstr('=', m);
        std.length(i) > 0 && i[0] > 0 && m[i[0] - 1] != '!' && i[0] + 1 < std.length(m) && m[i[0] + 1] != '~';
      local name(m) = std.stripChars(std.substr(m, 0, std.findSubstr('=', m)[0]), ' ');
      local value(m) =
        local v = std.stripChars(std.substr(m, std.findSubstr('=', m)[0] + 1, std.length(m)), ' ');
        std.substr(v, 1, std.length(v) - 2);
      { [name(m)]: value(m) for m in matchers if eq(m) },
    // splitMatchers splits a selector at the commas outside quotes.
    splitMatchers(sel)::
      local chars = std.stringChars(sel);
      local out = std.foldl(function(acc, ch)
        if acc.esc then acc { cur+: ch, esc: false }
        else if ch == '\\' then acc { cur+: ch, esc: true }
        else if ch == '"' then acc { cur+: ch, quoted: !acc.quoted }
        else if ch == ',' && !acc.quoted then acc { parts+: [acc.cur], cur: '' }
        else acc { cur+: ch }, chars, { parts: [], cur: '', quoted: false, esc: false });
      [p for p in out.parts + [out.cur] if std.stripChars(p, ' ') != ''],

    // event checks an alert on an event (a kill) whose condition holds from
    // the evaluation `start` until `until` (excluded): it fires once its
    // for has elapsed, if that is before the condition ends. exp is the
    // alert as T.expect gives it, or a list of them.
    event(t, name, start, until, exp)::
      local at = std.max(start + t.E, t.at(start + $._test.minutes(c.alerts[name]['for'])));
      if at < until then { alert: name, at: at, exp: if std.type(exp) == 'array' then exp else [exp] }
      else { alert: name, at: start + t.E },

    // The names of the recording rules, and the window of rates in minutes.
    names:: $._names,
    rateMinutes::
      local m = u.seconds(c.rateWindow) / 60;
      if m < 0.5 then error 'config: rateWindow (%s) is under 30s: the kubelet\'s cAdvisor refreshes its figures every 10 to 15s, so a rate over it often has fewer than the two samples it needs, and the pack\'s tests, which write samples every 15s at the finest, cannot show it working; use 30s or more (four scrape intervals is usual)' % c.rateWindow
      else m,
    minutes(d):: u.seconds(d) / 60,
  },
}
