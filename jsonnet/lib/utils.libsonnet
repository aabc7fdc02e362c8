// Helpers shared by the rules, the alerts and the tests.
{
  // selector joins matchers, leaving out empty ones.
  selector(parts):: std.join(', ', std.filter(function(p) p != '', parts)),

  // The labels a container is identified by, the cluster label first:
  // kept in every aggregation and join whether or not showMultiCluster is
  // on, as kubernetes-mixin does, so that two clusters are never merged (a
  // label the series do not carry is empty and changes nothing).
  containerLabels(c):: [c.clusterLabel, 'namespace', 'pod', 'container'],
  // A container of one pod object: a pod deleted and made again under the
  // same name has a new uid (kube-state-metrics series only).
  containerUIDLabels(c):: [c.clusterLabel, 'namespace', 'pod', 'uid', 'container'],
  podLabels(c):: [c.clusterLabel, 'namespace', 'pod'],
  podUIDLabels(c):: [c.clusterLabel, 'namespace', 'pod', 'uid'],
  nodeLabels(c):: [c.clusterLabel, 'node'],
  clusterLabels(c):: [c.clusterLabel],
  list(labels):: std.join(', ', labels),

  // seconds parses a Prometheus duration such as 1h30m.
  seconds(d)::
    local units = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
    local chars = std.stringChars(d);
    local flush(num, unit) =
      if num == '' && unit == '' then 0
      else if num == '' || unit == '' || !std.objectHas(units, unit) then error 'bad duration %s' % d
      else units[unit] * std.parseInt(num);
    local parse(i, num, unit, total) =
      if i == std.length(chars) then total + flush(num, unit)
      else if std.member('0123456789', chars[i]) then
        if unit != '' then parse(i + 1, chars[i], '', total + flush(num, unit))
        else parse(i + 1, num + chars[i], '', total)
      else parse(i + 1, num, unit + chars[i], total);
    if d == '0' then 0 else parse(0, '', '', 0),

  // duration writes seconds as a Prometheus duration: 1h, 15m, 90s.
  duration(secs)::
    local s = std.floor(secs);
    if s != secs then error 'not a whole number of seconds: %s' % secs
    else if s == 0 then '0s'
    else if s % 86400 == 0 then std.toString(s / 86400) + 'd'
    else if s % 3600 == 0 then std.toString(s / 3600) + 'h'
    else if s % 60 == 0 then std.toString(s / 60) + 'm'
    else std.toString(s) + 's',

  // equalityLabels turns a selector of name="value" matchers into labels,
  // for test series; other matchers cannot be turned into a series.
  equalityLabels(sel)::
    if sel == '' then {} else {
      [std.stripChars(std.split(m, '=')[0], ' ')]: std.stripChars(std.split(m, '=')[1], ' "')
      for m in std.split(sel, ',')
      if (std.length(std.findSubstr('=~', m)) == 0 && std.length(std.findSubstr('!=', m)) == 0
          || error 'test labels cannot be derived from the selector %s: set _config.testLabels' % sel)
    },

  // num writes a number exactly and briefly: 0.9, not 0.90000000000000002
  // (the shortest decimal that reads back as the same number).
  num(x)::
    if std.type(x) != 'number' then error 'not a number: %s' % std.toString(x)
    else if x == 0 then '0'
    else if x == std.floor(x) && std.abs(x) < 1e15 then std.toString(x)
    else
      local try(p) =
        local s = std.format('%.' + p + 'f', x);
        if p >= 17 || std.parseJson(s) == x then s else try(p + 1);
      try(1),
}
