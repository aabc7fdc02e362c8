package generate

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/rules"
)

func TestBuildMixin(t *testing.T) {
	slowUnderRace(t)
	groups, err := BuildMixin("testdata/mixins/small/mixin.libsonnet", jsonnet.MixinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].Rules[0].Record.Value != "instance:node_cpu:rate5m" || groups[1].Rules[0].Alert.Value != "NodeDown" {
		t.Fatalf("unexpected groups: %+v", groups)
	}

	// Hundreds of rules over several files, one import from -J.
	groups, err = BuildMixin("testdata/mixins/large/mixin.libsonnet", jsonnet.MixinOptions{JPath: []string{"testdata/mixins/vendor"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range groups {
		n += len(g.Rules)
	}
	if len(groups) != 40 || n != 320 {
		t.Fatalf("large mixin: %d groups, %d rules; want 40 and 320", len(groups), n)
	}
	var a, b bytes.Buffer
	if err := rules.WriteRuleFile(&a, groups, rules.WriteOptions{Encoding: rules.YAML}); err != nil {
		t.Fatal(err)
	}
	again, _ := BuildMixin("testdata/mixins/large/mixin.libsonnet", jsonnet.MixinOptions{JPath: []string{"testdata/mixins/vendor"}})
	_ = rules.WriteRuleFile(&b, again, rules.WriteOptions{Encoding: rules.YAML})
	if a.String() != b.String() {
		t.Error("two evaluations differ")
	}
}

func TestBuildMixinRefuses(t *testing.T) {
	slowUnderRace(t)
	tests := []struct {
		name string
		path string
		opts jsonnet.MixinOptions
		want string
	}{
		{"import without -J", "testdata/mixins/large/mixin.libsonnet", jsonnet.MixinOptions{}, `import "common/helpers.libsonnet": not found`},
		{"import outside", "testdata/mixins/escape/mixin.libsonnet", jsonnet.MixinOptions{}, "outside the mixin's directory"},
		{"endless recursion", "testdata/mixins/recursion/mixin.libsonnet", jsonnet.MixinOptions{}, "max stack frames exceeded"},
		{"too slow", "testdata/mixins/slow/mixin.libsonnet", jsonnet.MixinOptions{Timeout: 200 * time.Millisecond}, "evaluation took longer than 200ms: stopped (--mixin-timeout raises it)"},
		{"syntax error", "testdata/mixins/syntax/mixin.libsonnet", jsonnet.MixinOptions{}, "mixin.libsonnet:4:3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BuildMixin(tc.path, tc.opts)
			var ie *InvalidError
			if !errors.As(err, &ie) || len(ie.Errors) != 1 || !strings.Contains(ie.Errors[0].Error(), tc.want) {
				t.Fatalf("error %v, want an invalid mixin with %q", err, tc.want)
			}
		})
	}

	_, err := BuildMixin("testdata/mixins/badpromql/mixin.libsonnet", jsonnet.MixinOptions{})
	var ie *InvalidError
	if !errors.As(err, &ie) || len(ie.Errors) == 0 || !strings.Contains(ie.Errors[0].Msg, "could not parse expression") ||
		ie.Errors[0].File != "testdata/mixins/badpromql/mixin.libsonnet" || ie.Errors[0].Pos != (rules.Pos{Line: 3, Col: 45}) {
		t.Fatalf("error %v, want the invalid expression", err)
	}
}
