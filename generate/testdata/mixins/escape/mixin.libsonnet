local other = import '../small/mixin.libsonnet';
{ prometheusRules: other.prometheusRules }
