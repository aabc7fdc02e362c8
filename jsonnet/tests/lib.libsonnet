// What the pack's tests are made of: timelines of series, rendered in
// promtool's notation at the evaluation step a test group can afford.
//
// Every test group is a function of its step E (minutes): the interval at
// which the rules are evaluated. A group says how long its story lasts
// (span, in minutes, at E = 1m) and the coarsest step it can be read at
// (maxStep: a window over recorded series needs a few evaluations in it);
// the step is chosen so that no group takes more than about `steps`
// evaluations, however long the durations in the configuration: a `for` of
// 30 days is tested at a step of a day, not in 43,200 evaluations.
//
// Series are written as segments in minutes and rendered on a grid: every
// E minutes for gauges, every minute just before each evaluation for the
// inputs of rates (the `burst`), which need samples inside their window.
local u = import '../lib/utils.libsonnet';

{
  // About how many evaluations a test group may take.
  steps:: 30,
  // The limits the test runner puts on a test group by default
  // (ruletest.DefaultEvalSteps and DefaultInputSamples): the few groups
  // that need a fine step along a long for (a short window after a long
  // for) are refused over them, as a configuration no test can show
  // working.
  maxSteps:: 100000,
  maxValues:: 5000000,
  // The steps groups are put at, in minutes.
  ladder:: [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080],
  // The grids samples are written at, in minutes: the ladder, and 15s and
  // 30s for rate windows of a few minutes or less (binary fractions, so
  // that the arithmetic on them is exact).
  finest:: 0.25,
  grids:: [0.25, 0.5] + $.ladder,

  // step chooses E for a group whose story lasts span minutes at E = 1m
  // and that cannot be read coarser than maxStep. Past the ladder's top (a
  // week), the step is a whole number of weeks: every grid still divides
  // it, and a group takes about `steps` evaluations however long its story
  // (a for of ten years is read every 18 weeks).
  step(span, maxStep=null)::
    local top = $.ladder[std.length($.ladder) - 1];
    local up(m) = if m > top then top * std.ceil(m / top) else [l for l in $.ladder if l >= m][0];
    local down(m) =
      if m >= top then top * std.floor(m / top)
      else
        local under = [l for l in $.ladder if l <= m];
        if std.length(under) == 0 then 1 else under[std.length(under) - 1];
    local e = up(std.max(1, std.ceil(span / $.steps)));
    if maxStep == null || e <= maxStep then e else down(maxStep),

  minutes(d):: u.seconds(d) / 60,

  // seg is a segment of a series: from `from` (included) to `to`
  // (excluded; null: to the end) the value is v + slope a minute since
  // `from`.
  seg(from, to, v, slope=0):: { from: from, to: to, v: v, slope: slope },
  // stale is a staleness marker at t: kube-state-metrics' series of a
  // deleted pod end so (Prometheus writes it when a series leaves a
  // scrape); cAdvisor's, with explicit timestamps, just stop.
  stale(t):: { from: t, to: t + 1, stale: true },

  // context makes the helpers of a group at step E whose story ends at
  // `end` (minutes, a multiple of E).
  context(E, end):: {
    local ctx = self,
    E: E,
    end: end,
    // at is the first evaluation at or after t.
    at(t):: std.ceil(t / E) * E,
    dur(m):: u.duration(m * 60),

    // render writes segments on a grid of `grid` minutes (1 or E). burst:
    // minutes before each evaluation whose samples are needed (0: only the
    // one at the evaluation).
    render(segs, grid, burst=0)::
      local width = std.max(burst, 1);
      // Bursts before evaluations closer than their width would overlap:
      // then every point is written.
      local bursty = grid < E && E > width;
      local last = std.floor(end / grid);
      // The runs of points [i, j] (grid indexes) of a segment.
      local runs(s) =
        if std.objectHas(s, 'stale') then
          (if s.from <= end && s.from % grid == 0 then [{ i: s.from / grid, j: s.from / grid, stale: true }] else [])
        else
          local a = std.ceil(s.from / grid);
          local b0 = if s.to == null then last else std.ceil(s.to / grid) - 1;
          local b = std.min(b0, last);
          if b < a then []
          else if !bursty then [{ i: a, j: b, s: s }]
          else
            // Each evaluation k*E needs the points in (k*E - width, k*E]:
            // indexes floor((k*E - width) / grid) + 1 to k*E / grid.
            local kFrom = std.ceil(a * grid / E);
            local kTo = std.ceil((b * grid + width) / E) - 1;
            std.flattenArrays([
              local lo = std.max(a, std.floor((k * E - width) / grid) + 1);
              local hi = std.min(b, k * E / grid);
              if hi < lo then [] else [{ i: lo, j: hi, s: s }]
              for k in std.range(kFrom, kTo)
            ]);
      local all = std.flattenArrays([runs(s) for s in segs]);
      local value(r, i) = r.s.v + r.s.slope * (i * grid - r.s.from);
      local step(r) = r.s.slope * grid;
      local write(r) =
        if std.objectHas(r, 'stale') then 'stale'
        else if r.j == r.i then u.num(value(r, r.i))
        else if step(r) == 0 then u.num(value(r, r.i)) + 'x' + std.toString(r.j - r.i)
        else u.num(value(r, r.i)) + (if step(r) > 0 then '+' else '') + u.num(step(r)) + 'x' + std.toString(r.j - r.i);
      // Each run after the gap since the one before (indexes, not a fold:
      // no chain of objects as deep as the runs are many).
      local gapBefore(k) = all[k].i - (if k == 0 then 0 else all[k - 1].j + 1);
      std.join(' ', std.flattenArrays([
        local gap = gapBefore(k);
        if gap < 0 then error 'overlapping segments in a test series'
        else (if gap == 0 then [] else if gap == 1 then ['_'] else ['_x' + std.toString(gap)]) + [write(all[k])]
        for k in std.range(0, std.length(all) - 1)
      ])),

    // series is an input series: a gauge (burst 0), or the input of a rate
    // or of another function over a window of `burst` minutes.
    series(name, labels, segs, burst=0):: { name: name, labels: labels, segs: segs, burst: burst },
  },

  // selector writes a series: name{a="x", b="y"}, labels sorted. (Strings
  // are joined, not formatted: std.format is slow, and this runs for every
  // series.)
  selector(name, labels)::
    name + '{' + std.join(', ', [k + '="' + labels[k] + '"' for k in std.objectFields(labels) if labels[k] != null]) + '}',

  // group turns a group definition into a promtool test group at step E.
  // A definition has name, span, maxStep (optional) and build(ctx), which
  // returns input (ctx.series), and alerts and exprs with their times in
  // minutes (at).
  // Checks of alerts that enabled(name) says are off are left out; a group
  // left without checks is null.
  group(def, E, enabled=function(name) true)::
    // The story ends at the last check (one local: they refer to each
    // other, lazily).
    local ctx = $.context(E, end),
          end = std.foldl(std.max, times, 0),
          b = def.build(ctx),
          alerts = [t for t in std.get(b, 'alerts', []) if enabled(t.alert)],
          exprs = std.get(b, 'exprs', []),
          times = [t.at for t in alerts] + [t.at for t in exprs];
    // Rates need samples just before each evaluation, five or more in
    // their window (at least two: a window under a minute is read at a
    // grid of 15s); with gauges alone, one at each evaluation does. The
    // grid divides E.
    local bursts = [s.burst for s in b.input if s.burst > 0];
    local fine = std.max($.finest, std.foldl(std.min, bursts, 1e9) / 5);
    local grid =
      if std.length(bursts) == 0 || E <= fine then E
      else std.foldl(std.max, [g for g in $.grids if g <= fine && E % g == 0], $.finest);
    // What the group costs the test runner: evaluations, and the values
    // its input series write (the runner holds and counts those, not the
    // blanks between bursts: a rate along a for of a year is a few samples
    // before each of its thirty evaluations).
    local steps = std.floor(end / E) + 1;
    local written(s) =
      local width = std.max(s.burst, 1);
      if grid < E && E > width then steps * std.ceil(width / grid) else std.floor(end / grid) + 1;
    local values = std.foldl(function(n, s) n + written(s), b.input, 0);
    if std.length(times) == 0 then null
    else if steps > $.maxSteps || values > $.maxValues then
      error 'config: the pack\'s test "%s" (%s) cannot run with these durations: its story lasts %s and it needs an evaluation every %s and input samples every %s (%d evaluations, %d input values; the pack\'s tests run under limits of %d and %d): a short window cannot be tested along a for that long; make the for shorter or the window longer' % [
        def.name,
        std.join(', ', std.set([t.alert for t in alerts])),
        u.duration(60 * end),
        u.duration(60 * E),
        u.duration(60 * grid),
        steps,
        values,
        $.maxSteps,
        $.maxValues,
      ]
    else {
      name: def.name,
      interval: u.duration(60 * grid),
      input_series: [
        { series: $.selector(s.name, s.labels), values: ctx.render(s.segs, grid, s.burst) }
        for s in b.input
      ],
      [if std.length(alerts) > 0 then 'alert_rule_test']: [
        { eval_time: u.duration(60 * t.at), alertname: t.alert } + (if std.get(t, 'exp', []) == [] then {} else { exp_alerts: t.exp })
        for t in alerts
      ],
      [if std.length(exprs) > 0 then 'promql_expr_test']: [
        { expr: t.expr, eval_time: u.duration(60 * t.at), exp_samples: std.get(t, 'exp', []) }
        for t in exprs
      ],
      assert std.length([t for t in times if t % E != 0]) == 0 : 'test group %s checks between evaluations' % def.name,
    },
}
