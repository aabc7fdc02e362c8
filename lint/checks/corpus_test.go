package checks

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// corpusDir holds rules written the way kube-prometheus and kubernetes-mixin
// write them: plain rule files and PrometheusRule manifests of one or more
// documents, with the imperfections real repositories have.
const corpusDir = "testdata/corpus"

// explainRE finds an explanation of a finding: `# lint: <check>: <why>`.
var explainRE = regexp.MustCompile(`(?:^|\s)#\s*lint:\s*(\S+?)\s*:\s*(.*?)\s*$`)

// explanation is one `# lint:` comment of the corpus.
type explanation struct {
	file   string
	line   int
	check  string
	reason string
	used   bool
}

// TestCorpus lints the corpus with every check at its default settings. A
// finding of severity error there is a false positive of its check: the
// corpus is what real rule sets look like. Every other finding must be
// explained by a comment `# lint: <check>: <why>` on its line or on the line
// above it, and every such comment must explain a finding, so that the
// comments stay true as the checks change.
func TestCorpus(t *testing.T) {
	files, errs, err := rules.LoadFiles([]string{corpusDir}, nil, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nRules := 0
	for _, f := range files {
		for _, g := range f.Groups() {
			nRules += len(g.Rules)
		}
	}
	if len(files) < 6 || nRules < 150 {
		t.Errorf("the corpus has %d rules in %d files: keep it at 150 rules or more, in 6 files or more", nRules, len(files))
	}

	known := map[string]bool{}
	for _, c := range All() {
		known[c.ID] = true
	}
	byLine := map[string]map[int][]*explanation{}
	var all []*explanation
	for _, f := range files {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		byLine[f.Path] = map[int][]*explanation{}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for line := 1; sc.Scan(); line++ {
			m := explainRE.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			e := &explanation{file: f.Path, line: line, check: m[1], reason: m[2]}
			switch {
			case !known[e.check]:
				t.Errorf("%s:%d: # lint: names %q, which is not a check", e.file, e.line, e.check)
			case e.reason == "":
				t.Errorf("%s:%d: # lint: %s: gives no reason", e.file, e.line, e.check)
			}
			byLine[f.Path][line] = append(byLine[f.Path][line], e)
			all = append(all, e)
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}

	ds := engine.Run(files, errs, All(), nil)
	counts := map[string]int{}
	var falsePositives, unexplained []string
	for _, d := range ds {
		counts[d.Check]++
		if !d.End.IsValid() || d.End.Less(d.Pos) {
			t.Errorf("%v: end %v is not at or after the start", d, d.End)
		}
		if d.Severity == engine.Error {
			falsePositives = append(falsePositives, d.String())
		}
		explained := false
		for _, line := range []int{d.Pos.Line, d.Pos.Line - 1} {
			for _, e := range byLine[d.File][line] {
				if e.check == d.Check {
					e.used = true
					explained = true
				}
			}
		}
		if !explained {
			unexplained = append(unexplained, d.String())
		}
	}
	var stale []string
	for _, e := range all {
		if !e.used && known[e.check] {
			stale = append(stale, fmt.Sprintf("%s:%d: # lint: %s: %s", e.file, e.line, e.check, e.reason))
		}
	}

	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.Logf("%-40s %d", id, counts[id])
	}
	t.Logf("%d findings in %d rules of %d files", len(ds), nRules, len(files))

	if len(falsePositives) > 0 {
		t.Errorf("findings of severity error on the corpus, false positives of their checks (fix the check, or the rule if it is really wrong):\n\t%s",
			strings.Join(falsePositives, "\n\t"))
	}
	if len(unexplained) > 0 {
		t.Errorf("findings without an explanation (add `# lint: <check>: <why>` on the finding's line or the line above):\n\t%s",
			strings.Join(unexplained, "\n\t"))
	}
	if len(stale) > 0 {
		t.Errorf("explanations that match no finding of their check on their line or the next (remove them):\n\t%s",
			strings.Join(stale, "\n\t"))
	}
}
