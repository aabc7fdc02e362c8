package ruletest

import (
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/oomguard/oomguard/rules"
)

// FileCoverage says which rules of one rule file some assertion exercised,
// directly (an alert_rule_test of the alert, an expression reading the
// recorded series) or through the rules those read.
type FileCoverage struct {
	Path  string
	Rules []RuleCoverage
}

// RuleCoverage is one rule and whether it was exercised.
type RuleCoverage struct {
	Kind      string // "alert" or "record"
	Name      string
	Group     string
	Line      int
	Exercised bool
}

// Covered returns the number of exercised rules and the number of rules.
func (fc *FileCoverage) Covered() (exercised, total int) {
	for _, r := range fc.Rules {
		if r.Exercised {
			exercised++
		}
	}
	return exercised, len(fc.Rules)
}

// exprNames returns the rule keys an expression reads: record:NAME for
// every metric name it selects, alert:NAME for ALERTS and ALERTS_FOR_STATE
// selections by alertname (alert:* when it names none).
func exprNames(c *config, expr string) []string {
	e, err := c.parser.ParseExpr(expr)
	if err != nil {
		return nil
	}
	return namesRead(e)
}

func namesRead(e parser.Expr) []string {
	var out []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name, alertname := "", ""
		nameRegexp := false
		for _, m := range vs.LabelMatchers {
			switch {
			case m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual:
				name = m.Value
			case m.Name == model.MetricNameLabel:
				nameRegexp = true
			case m.Name == labels.AlertName && m.Type == labels.MatchEqual:
				alertname = m.Value
			}
		}
		switch {
		case name == "ALERTS" || name == "ALERTS_FOR_STATE":
			if alertname == "" {
				alertname = "*"
			}
			out = append(out, "alert:"+alertname)
		case name != "":
			out = append(out, "record:"+name)
		case nameRegexp:
			out = append(out, "record:*")
		}
		return nil
	})
	return out
}

// coverage works out, for every rule file of a test file, which rules the
// test groups that ran exercised.
func coverage(fr *FileReport) []*FileCoverage {
	pf := fr.prepared
	if pf == nil {
		return nil
	}
	var exercised []string
	for _, j := range pf.jobs {
		exercised = append(exercised, j.exercised...)
	}
	type node struct {
		rule  *rules.Rule
		reads []string
	}
	byKey := map[string][]*node{}
	var all []*node
	for _, rf := range pf.ruleFiles {
		if rf.model == nil {
			continue
		}
		for _, g := range rf.model.Groups() {
			for _, r := range g.Rules {
				n := &node{rule: r}
				if r.Parsed != nil {
					n.reads = namesRead(r.Parsed)
				}
				key := "record:" + r.Record.Value
				if r.IsAlert() {
					key = "alert:" + r.Alert.Value
				}
				byKey[key] = append(byKey[key], n)
				all = append(all, n)
			}
		}
	}
	done := map[*node]bool{}
	var visit func(key string)
	visit = func(key string) {
		var targets []*node
		switch key {
		case "alert:*":
			for _, n := range all {
				if n.rule.IsAlert() {
					targets = append(targets, n)
				}
			}
		case "record:*":
			for _, n := range all {
				if !n.rule.IsAlert() {
					targets = append(targets, n)
				}
			}
		default:
			targets = byKey[key]
		}
		for _, n := range targets {
			if done[n] {
				continue
			}
			done[n] = true
			for _, k := range n.reads {
				visit(k)
			}
		}
	}
	for _, k := range exercised {
		visit(k)
	}
	var out []*FileCoverage
	for _, rf := range pf.ruleFiles {
		if rf.model == nil {
			continue
		}
		fc := &FileCoverage{Path: rf.path}
		for _, g := range rf.model.Groups() {
			for _, r := range g.Rules {
				kind := "record"
				if r.IsAlert() {
					kind = "alert"
				}
				covered := false
				for _, n := range byKey[kind+":"+r.Name()] {
					if n.rule == r && done[n] {
						covered = true
					}
				}
				fc.Rules = append(fc.Rules, RuleCoverage{Kind: kind, Name: r.Name(), Group: g.Name.Value, Line: r.Pos.Line, Exercised: covered})
			}
		}
		out = append(out, fc)
	}
	return out
}
