{
  prometheusRules: {
    groups: [
  },
}
