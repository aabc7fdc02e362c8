package checks

import (
	"fmt"
	"github.com/oomguard/oomguard/rules"
	"regexp"
	"sort"
	"strings"
)

var camelCase = regexp.MustCompile(`^[A-Z][a-zA-Z0-9]*$`)

var levelMetricOps = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$`)

func kindOf(r *rules.Rule) string {
	if r.IsAlert() {
		return "alert"
	}
	return "recording rule"
}

func ruleKey(r *rules.Rule) string {
	labels := r.Labels.Strings()
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s", kindOf(r), r.Name())
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, labels[k])
	}
	return b.String()
}
