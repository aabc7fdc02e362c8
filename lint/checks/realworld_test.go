package checks

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/oomguard/oomguard/internal/realworld"
	"github.com/oomguard/oomguard/lint/engine"
)

// findingsFile is the side file of a real-world set that says why each
// finding of a default lint of its rule files is there.
const findingsFile = "lint-findings.yaml"

// reason explains findings of one check on a real-world set: the findings
// of Check on the files File matches (a path.Match pattern inside the set;
// empty: every file), in rule Rule when set, whose message holds Message
// when set. Count is how many there are; Verdict is right (the rule has
// the problem), assumption (it has it if the assumption the message states
// holds) or wrong (a false positive of the check).
type reason struct {
	Check   string `yaml:"check"`
	File    string `yaml:"file"`
	Rule    string `yaml:"rule"`
	Message string `yaml:"message"`
	Count   int    `yaml:"count"`
	Verdict string `yaml:"verdict"`
	Reason  string `yaml:"reason"`

	line, matched int
}

func (r *reason) matches(rel string, d engine.Diagnostic) bool {
	if d.Check != r.Check || (r.Rule != "" && d.Rule != r.Rule) || (r.Message != "" && !strings.Contains(d.Message, r.Message)) {
		return false
	}
	if r.File == "" {
		return true
	}
	ok, _ := path.Match(r.File, rel)
	return ok
}

// TestRealWorld lints each public rule set of testdata/realworld (its rule
// files, as a user lints them: one run, no config, the checks on by
// default) and holds every finding to a written reason in the set's
// lint-findings.yaml: a finding no reason covers, or a reason whose count
// differs from the findings it covers, fails. The verdicts give each
// check's false-positive figure on rules written elsewhere (-v logs them).
func TestRealWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("lints 2,000 rules")
	}
	sets, err := realworld.Load(filepath.Join("..", "..", "testdata", "realworld"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, c := range All() {
		known[c.ID] = true
	}
	type tally struct{ right, assumption, wrong int }
	perCheck := map[string]*tally{}
	for _, set := range sets {
		t.Run(set.Name, func(t *testing.T) {
			res, err := engine.Inputs(engine.Options{Inputs: set.Paths(realworld.Rules), Checks: All()})
			if err != nil {
				t.Fatal(err)
			}
			reasons := readReasons(t, set, known)
			var unexplained []string
			for _, d := range res.Diagnostics {
				rel, err := filepath.Rel(set.Dir, d.File)
				if err != nil {
					t.Fatal(err)
				}
				rel = filepath.ToSlash(rel)
				var r *reason
				for _, c := range reasons {
					if c.matches(rel, d) {
						r = c
						break
					}
				}
				if r == nil {
					unexplained = append(unexplained, fmt.Sprintf("%s:%d:%d: %s (%s) in %s", rel, d.Pos.Line, d.Pos.Col, d.Message, d.Check, d.Rule))
					continue
				}
				r.matched++
				n := perCheck[d.Check]
				if n == nil {
					n = &tally{}
					perCheck[d.Check] = n
				}
				switch r.Verdict {
				case "right":
					n.right++
				case "assumption":
					n.assumption++
				case "wrong":
					n.wrong++
				}
			}
			if len(unexplained) > 0 {
				t.Errorf("%d findings without a reason in %s (fix the check if it is wrong; else explain them there):\n\t%s",
					len(unexplained), filepath.Join(set.Dir, findingsFile), strings.Join(unexplained, "\n\t"))
			}
			for _, r := range reasons {
				if r.matched != r.Count {
					t.Errorf("%s:%d: the reason for %d findings of %s covers %d", filepath.Join(set.Dir, findingsFile), r.line, r.Count, r.Check, r.matched)
				}
			}
			t.Logf("%d findings", len(res.Diagnostics))
		})
	}
	ids := make([]string, 0, len(perCheck))
	for id := range perCheck {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	t.Logf("%-40s %6s %6s %10s %6s", "check", "all", "right", "assumption", "wrong")
	for _, id := range ids {
		n := perCheck[id]
		t.Logf("%-40s %6d %6d %10d %6d", id, n.right+n.assumption+n.wrong, n.right, n.assumption, n.wrong)
	}
}

// readReasons reads a set's lint-findings.yaml, which must be listed in its
// SOURCE.md as a side file; a set without one has no finding to explain.
func readReasons(t *testing.T, set realworld.Set, known map[string]bool) []*reason {
	t.Helper()
	listed := false
	for _, f := range set.Files {
		listed = listed || (f.Path == findingsFile && f.Kind == realworld.Side)
	}
	name := filepath.Join(set.Dir, findingsFile)
	data, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if !listed {
		t.Errorf("%s: not listed in SOURCE.md as a side file", name)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode {
		t.Fatalf("%s: want a list of reasons", name)
	}
	var out []*reason
	for _, n := range doc.Content[0].Content {
		r := &reason{line: n.Line}
		if err := n.Decode(r); err != nil {
			t.Fatalf("%s:%d: %v", name, n.Line, err)
		}
		switch {
		case !known[r.Check]:
			t.Errorf("%s:%d: %q is not a check", name, n.Line, r.Check)
		case r.Count < 1:
			t.Errorf("%s:%d: count %d: a reason explains at least one finding", name, n.Line, r.Count)
		case r.Verdict != "right" && r.Verdict != "assumption" && r.Verdict != "wrong":
			t.Errorf("%s:%d: verdict %q is not right, assumption or wrong", name, n.Line, r.Verdict)
		case strings.TrimSpace(r.Reason) == "":
			t.Errorf("%s:%d: no reason", name, n.Line)
		}
		out = append(out, r)
	}
	return out
}
