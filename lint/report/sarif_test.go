package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/report"
	"github.com/oomguard/oomguard/rules"
)

// lintTestdata lints every check's testdata, for findings of every kind.
func lintTestdata(t *testing.T) []lint.Diagnostic {
	t.Helper()
	files, errs, err := rules.LoadFiles([]string{"../checks/testdata/"}, nil, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds := lint.Run(files, errs, checks.All(), nil)
	if len(ds) < 100 {
		t.Fatalf("only %d findings in the checks' testdata", len(ds))
	}
	// Paths SARIF must turn into URI references.
	abs, _ := filepath.Abs("x/rules.yaml")
	ds = append(ds,
		lint.Diagnostic{File: abs, Pos: rules.Pos{Line: 1, Col: 1}, Check: "syntax/invalid", Severity: lint.Error, Message: "absolute"},
		lint.Diagnostic{File: "dir with space/a:b#c.yaml", Pos: rules.Pos{Line: 2, Col: 3}, Check: "syntax/invalid", Severity: lint.Error, Message: "odd name"},
		lint.Diagnostic{File: "<stdin>", Pos: rules.Pos{Line: 4, Col: 5}, Check: "files/no-rules", Severity: lint.Warning, Message: "from standard input"},
	)
	return ds
}

// TestSARIFSchema validates the SARIF of a run with findings of every
// check against the SARIF 2.1.0 JSON schema, with its formats asserted.
func TestSARIFSchema(t *testing.T) {
	var out bytes.Buffer
	if err := report.Write(&out, "sarif", lintTestdata(t), report.Meta{Checks: checks.All(), Version: "test"}); err != nil {
		t.Fatal(err)
	}
	schemaFile, err := os.Open("testdata/sarif-2.1.0-rtm.5.json")
	if err != nil {
		t.Fatal(err)
	}
	defer schemaFile.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("SARIF output does not validate: %v", err)
	}
	// The schema does refuse what SARIF does not allow.
	bad, err := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(out.String(), `"level": "error"`, `"level": "fatal"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(bad); err == nil {
		t.Fatalf("a result of level fatal validates")
	}

	// The schema cannot say that indexes point at the right rule.
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(checks.All()) {
		t.Errorf("%d rules, want one a check (%d)", len(run.Tool.Driver.Rules), len(checks.All()))
	}
	uris := map[string]bool{}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result of %s points at rule %d, %s", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		uris[r.Locations[0].PhysicalLocation.ArtifactLocation.URI] = true
	}
	for _, want := range []string{"../checks/testdata/syntax_invalid.yaml", "dir%20with%20space/a:b%23c.yaml", "%3Cstdin%3E"} {
		if !uris[want] {
			t.Errorf("no result with uri %q", want)
		}
	}
	found := false
	for u := range uris {
		found = found || strings.HasPrefix(u, "file:///")
	}
	if !found {
		t.Errorf("the absolute path is not a file URI: %v", uris)
	}
}

// TestFingerprint: a finding keeps its fingerprint when lines move, and
// findings that differ get different ones.
func TestFingerprint(t *testing.T) {
	a := lint.Diagnostic{File: "a.yaml", Pos: rules.Pos{Line: 3, Col: 7}, Group: "g", Rule: "R", Check: "identity/duplicate-rule", Message: "duplicate of the rule at 8:13"}
	b := a
	b.Pos.Line, b.Message = 30, "duplicate of the rule at 80:13"
	if lint.Fingerprint(a) != lint.Fingerprint(b) {
		t.Errorf("fingerprint changed when the lines moved")
	}
	for _, change := range []func(*lint.Diagnostic){
		func(d *lint.Diagnostic) { d.File = "b.yaml" },
		func(d *lint.Diagnostic) { d.Group = "h" },
		func(d *lint.Diagnostic) { d.Rule = "S" },
		func(d *lint.Diagnostic) { d.Check = "identity/alert-name" },
		func(d *lint.Diagnostic) { d.Message = "other" },
	} {
		c := a
		change(&c)
		if lint.Fingerprint(c) == lint.Fingerprint(a) {
			t.Errorf("%+v has the fingerprint of %+v", c, a)
		}
	}
}
