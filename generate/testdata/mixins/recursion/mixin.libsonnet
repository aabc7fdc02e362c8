local f(n) = f(n + 1) + 1;
{ prometheusRules: { groups: [{ name: 'g', rules: [{ record: 'r', expr: std.toString(f(0)) }] }] } }
