package checks

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/lint/engine"
)

// TestDuplicateRuleIndex checks that identity/duplicate-rule finds the
// same with its index as without (each rule compared with every one
// before it): on rules of a few names that pin job, env, both, a list of
// jobs, nothing, or the same job, some with a static label, in two files.
func TestDuplicateRuleIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	var paths []string
	for f := range 2 {
		var b strings.Builder
		b.WriteString("groups:\n")
		for g := range 2 {
			fmt.Fprintf(&b, "- name: g%d\n  rules:\n", g)
			for range 300 {
				var sel string
				switch r.IntN(7) {
				case 0:
					sel = fmt.Sprintf(`job="j%d"`, r.IntN(150))
				case 1:
					sel = fmt.Sprintf(`job=~"j%d|j%d"`, r.IntN(150), r.IntN(150))
				case 2:
					sel = fmt.Sprintf(`env="e%d"`, r.IntN(6))
				case 3:
					sel = fmt.Sprintf(`instance=~"i.*%d"`, r.IntN(4))
				case 4:
					sel = `job="j1"`
				case 5:
					sel = fmt.Sprintf(`job="j%d", env="e%d"`, r.IntN(150), r.IntN(6))
				default:
					sel = fmt.Sprintf(`job=~"j%d.*"`, r.IntN(20))
				}
				fmt.Fprintf(&b, "  - record: %s\n    expr: sum by (job, env) (x{%s})\n", []string{"a:x:sum", "b:x:sum"}[r.IntN(2)], sel)
				if r.IntN(10) == 0 {
					fmt.Fprintf(&b, "    labels:\n      team: t%d\n", r.IntN(2))
				}
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("r%d.yaml", f))
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	run := func(noIndex bool) []engine.Diagnostic {
		dupNoIndex = noIndex
		defer func() { dupNoIndex = false }()
		res, err := engine.Inputs(engine.Options{Inputs: paths, Checks: []*engine.Check{IdentityDuplicateRule}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Diagnostics
	}
	indexed, all := run(false), run(true)
	if len(all) < 100 {
		t.Fatalf("%d findings without the index: the input should hold many duplicates", len(all))
	}
	if !reflect.DeepEqual(indexed, all) {
		t.Errorf("with the index %d findings, without %d; they differ", len(indexed), len(all))
		for i := range min(len(indexed), len(all)) {
			if !reflect.DeepEqual(indexed[i], all[i]) {
				t.Errorf("first difference:\n%+v\n%+v", indexed[i], all[i])
				break
			}
		}
	}
}

// TestDuplicateRuleBudget: rules of one name that pin no label in common
// are compared each with those before it, at most DuplicateComparisons of
// them; past that a rule gets a note, not a finding, and the work stays
// linear in the rules. Raised, the budget finds the duplicate again.
func TestDuplicateRuleBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("groups:\n- name: g\n  rules:\n")
	for i := range 49 {
		// Regexps that end in different digits: no fixed values to index
		// by, and disjoint only through their automata.
		fmt.Fprintf(&b, "  - record: job:x:sum\n    expr: sum by (job, instance) (x{instance=~\"i.*-%d\"})\n", i)
	}
	// The fiftieth is the forty-fifth again: past the first ten before it.
	b.WriteString("  - record: job:x:sum\n    expr: sum by (job, instance) (x{instance=~\"i.*-44\"})\n")
	path := filepath.Join(t.TempDir(), "r.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(budget int) (findings, notes []engine.Diagnostic) {
		cfg := engine.DefaultConfig()
		cfg.DuplicateComparisons = budget
		res, err := engine.Inputs(engine.Options{Inputs: []string{path}, Checks: []*engine.Check{IdentityDuplicateRule}, Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range res.Diagnostics {
			if d.Severity == engine.Note {
				notes = append(notes, d)
			} else {
				findings = append(findings, d)
			}
		}
		return findings, notes
	}
	findings, notes := run(10)
	// Rules 12 to 50 have more than 10 rules before them to compare with.
	if len(findings) != 0 || len(notes) != 39 {
		t.Fatalf("budget 10: %d findings, %d notes, want 0 and 39", len(findings), len(notes))
	}
	if !strings.Contains(notes[0].Message, "more than 10 of them to compare with (lint.budgets duplicateComparisons in .oomguard.yaml raises it)") {
		t.Errorf("note %q", notes[0].Message)
	}
	for _, budget := range []int{0, 49} {
		findings, notes = run(budget)
		if len(notes) != 0 || len(findings) != 1 || !strings.Contains(findings[0].Message, "is already defined at") || findings[0].Pos.Line != 102 {
			t.Errorf("budget %d: findings %v, notes %v, want the fiftieth rule a duplicate", budget, findings, notes)
		}
	}
}
