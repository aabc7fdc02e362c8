// Helpers shared by the rules, the alerts and the tests.
{
  // selector joins matchers, leaving out empty ones.
  selector(parts):: std.join(', ', std.filter(function(p) p != '', parts)),

  // The labels a container is identified by, cluster first when kept.
  containerLabels(c):: (if c.showMultiCluster then [c.clusterLabel] else []) + ['namespace', 'pod', 'container'],
  podLabels(c):: (if c.showMultiCluster then [c.clusterLabel] else []) + ['namespace', 'pod'],
  nodeLabels(c):: (if c.showMultiCluster then [c.clusterLabel] else []) + ['node'],
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
    else if x == std.floor(x) && std.abs(x) < 1e15 then '%d' % x
    else
      local try(p) =
        local s = std.format('%.' + p + 'f', x);
        if p >= 17 || std.parseJson(s) == x then s else try(p + 1);
      try(1),
}
