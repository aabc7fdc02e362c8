package rules

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// rulefmtVerdict runs Prometheus's own rule file parser on data and
// returns its errors.
func rulefmtVerdict(data []byte) []error {
	_, errs := rulefmt.Parse(data, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return errs
}

// prometheusModuleDir returns the directory of the pinned prometheus module,
// whose testdata holds the rule files promtool and rulefmt are tested with.
func prometheusModuleDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/prometheus").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestAgreesWithRulefmt checks that Parse accepts exactly the single-document
// rule files that Prometheus's model/rulefmt accepts: our corpus, rulefmt's
// own test files and promtool's.
func TestAgreesWithRulefmt(t *testing.T) {
	dir := prometheusModuleDir(t)
	var paths []string
	for _, pattern := range []string{
		"testdata/bad/*.yaml",
		"testdata/good/*.yaml",
		filepath.Join(dir, "model/rulefmt/testdata/*.yaml"),
		filepath.Join(dir, "cmd/promtool/testdata/rules*.yml"),
		filepath.Join(dir, "cmd/promtool/testdata/bad-rules*.yml"),
		filepath.Join(dir, "cmd/promtool/testdata/*rules.lint.yml"),
		filepath.Join(dir, "cmd/promtool/testdata/at-modifier.yml"),
		filepath.Join(dir, "cmd/promtool/testdata/negative-offset.yml"),
		filepath.Join(dir, "cmd/promtool/testdata/bad-promql.yml"),
		filepath.Join(dir, "cmd/promtool/testdata/experimental-functions.yml"),
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) < 30 {
		t.Fatalf("corpus too small: %d files", len(paths))
	}
	compared := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, ours := Parse(p, data, Options{})
		if len(f.Docs) > 1 || strings.Contains(string(data), "\n---") {
			continue // rulefmt reads only the first document
		}
		if len(f.Docs) == 1 && f.Docs[0].Kind == KindPrometheusRule || len(f.Warnings) > 0 {
			continue // not a rule file
		}
		compared++
		theirs := rulefmtVerdict(data)
		if (len(ours) == 0) != (len(theirs) == 0) {
			t.Errorf("%s: verdicts differ\n  oomguard: %v\n  rulefmt:  %v", p, ours, theirs)
		}
	}
	t.Logf("compared %d files", compared)
}
