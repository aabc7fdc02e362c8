// A large mixin: 20 services, 10 recording rules and 6 alerts each, over
// several files with imports, one of them from a -J library.
(import 'config.libsonnet') +
(import 'rules/services.libsonnet') +
(import 'alerts/services.libsonnet')
