local slow = std.foldl(function(acc, x) acc + x, std.range(1, 100000000), 0);
{ prometheusRules: { groups: [{ name: 'g', rules: [{ record: 'r', expr: std.toString(slow) }] }] } }
