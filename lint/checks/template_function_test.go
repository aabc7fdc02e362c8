package checks

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/template"
)

// expand renders a template as Prometheus renders an alert's annotations.
func expand(text string) error {
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := template.AlertTemplateData(map[string]string{"job": "api"}, nil, "", promql.Sample{F: 0.5})
	te := template.NewTemplateExpander(context.Background(), defs+text, "t", data, model.Time(0),
		func(context.Context, string, time.Time) (promql.Vector, error) { return nil, nil }, nil, nil)
	_, err := te.Expand()
	return err
}

// TestTemplateFunctionsArity: the arities the check reads from the
// template engine are those the engine enforces. Each function is called
// with as many arguments as the check says it takes, and with one more:
// the engine refuses the count only in the second case.
func TestTemplateFunctionsArity(t *testing.T) {
	funcs := templateFunctions()
	if len(funcs) < 30 {
		t.Fatalf("%d template functions read from the engine", len(funcs))
	}
	for name, a := range funcs {
		call := func(n int) string {
			return "{{ " + name + strings.Repeat(` "x"`, n) + " }}"
		}
		if err := expand(call(a.min)); err != nil && strings.Contains(err.Error(), "wrong number of args") {
			t.Errorf("%s with %d: %v", name, a.min, err)
		}
		if !a.variadic {
			if err := expand(call(a.min + 1)); err == nil || !strings.Contains(err.Error(), "wrong number of args") {
				t.Errorf("%s with %d: %v, want wrong number of args", name, a.min+1, err)
			}
		}
	}
}

// TestTemplateFunctionsAgainstEngine: on the check's testdata and more, a
// template has a finding exactly when Prometheus fails to render it for a
// wrong number of arguments.
func TestTemplateFunctionsAgainstEngine(t *testing.T) {
	for _, text := range []string{
		"value {{value}}", "{{ humanize }}", "{{ $value | humanize }}", `{{ reReplaceAll "a" $labels.job }}`,
		`{{ reReplaceAll "a" "b" $labels.job }}`, `{{ if gt $value 1.0 2.0 }}x{{ end }}`, `{{ if gt $value 1.0 }}x{{ end }}`,
		`{{ $labels.job | toUpper | printf "%s!" }}`, `{{ toUpper }}`, `{{ printf "%s" toUpper }}`, `{{ now | humanizeTimestamp }}`,
		`{{ with query "up" }}{{ . | first | value }}{{ end }}`, `{{ label "job" }}`, `{{ stripPort "a:1" "b" }}`,
	} {
		err := expand(text)
		engine := err != nil && strings.Contains(err.Error(), "wrong number of args")
		if check := len(badCalls(text)) > 0; check != engine {
			t.Errorf("%s: the check says %v, the engine %v (%v)", text, check, engine, err)
		}
	}
}
