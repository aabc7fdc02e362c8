// Exponential time, little memory: 2^40 calls, 40 deep.
local slow(n) = if n == 0 then 1 else slow(n - 1) + slow(n - 1);
{ prometheusRules: { groups: [{ name: 'g', rules: [{ record: 'r', expr: std.toString(slow(40)) }] }] } }
