package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/report"
	"github.com/oomguard/oomguard/rules"
)

// lintTestdata lints every check's testdata, for findings of every kind.
func lintTestdata(t *testing.T) []engine.Diagnostic {
	t.Helper()
	files, errs, err := rules.LoadFiles([]string{"../checks/testdata/"}, nil, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds := engine.Run(files, errs, checks.All(), nil)
	if len(ds) < 100 {
		t.Fatalf("only %d findings in the checks' testdata", len(ds))
	}
	// Paths SARIF must turn into URI references.
	abs, _ := filepath.Abs("x/rules.yaml")
	ds = append(ds,
		engine.Diagnostic{File: abs, Pos: rules.Pos{Line: 1, Col: 1}, Check: "syntax/invalid", Severity: engine.Error, Message: "absolute"},
		engine.Diagnostic{File: "dir with space/a:b#c.yaml", Pos: rules.Pos{Line: 2, Col: 3}, Check: "syntax/invalid", Severity: engine.Error, Message: "odd name"},
		engine.Diagnostic{File: "<stdin>", Pos: rules.Pos{Line: 4, Col: 5}, Check: "files/no-rules", Severity: engine.Warning, Message: "from standard input"},
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
	schema := validateSARIF(t, out.Bytes())
	// The schema does refuse what SARIF does not allow.
	bad, err := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(out.String(), `"level": "error"`, `"level": "fatal"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(bad); err == nil {
		t.Fatalf("a result of level fatal validates")
	}
	checkIndexes(t, out.Bytes())
}

// validateSARIF validates a SARIF log against the SARIF 2.1.0 schema, with
// its formats asserted, and returns the schema.
func validateSARIF(t *testing.T, sarif []byte) *jsonschema.Schema {
	t.Helper()
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
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(sarif))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("SARIF output does not validate: %v", err)
	}
	return schema
}

// checkIndexes checks what the schema cannot: that indexes point at the
// right rule, and the URIs of the paths.
func checkIndexes(t *testing.T, sarif []byte) {
	t.Helper()
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
	if err := json.Unmarshal(sarif, &log); err != nil {
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

// TestSARIFFixes checks the fixes SARIF carries: the schema takes them, and
// each, made in its file's text, gives the text lint --fix would write for
// that finding alone.
func TestSARIFFixes(t *testing.T) {
	res, err := engine.Inputs(engine.Options{Inputs: []string{"../checks/testdata/"}, Checks: checks.All(), Source: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := report.Write(&out, "sarif", res.Diagnostics, report.Meta{Checks: checks.All(), Version: "test", Edit: res.Edit}); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, out.Bytes())
	var log struct {
		Runs []struct {
			Results []struct {
				Fixes []struct {
					ArtifactChanges []struct {
						Replacements []struct {
							DeletedRegion struct {
								StartLine, StartColumn, EndLine, EndColumn int
							} `json:"deletedRegion"`
							InsertedContent struct{ Text string } `json:"insertedContent"`
						} `json:"replacements"`
					} `json:"artifactChanges"`
				} `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	fixes := 0
	for i, r := range log.Runs[0].Results {
		d := res.Diagnostics[i]
		if len(r.Fixes) == 0 {
			if !d.Fix.IsZero() && d.File != "<stdin>" {
				t.Logf("no SARIF fix for %v (not an edit in place)", d)
			}
			continue
		}
		fixes++
		src, err := os.ReadFile(d.File)
		if err != nil {
			t.Fatal(err)
		}
		// lint --fix of this finding alone: lint the file again for its
		// Fix against this parse.
		again, err := engine.Inputs(engine.Options{Inputs: []string{d.File}, Checks: checks.All(), Source: true})
		if err != nil {
			t.Fatal(err)
		}
		var one []engine.Diagnostic
		for _, a := range again.Diagnostics {
			if a.Pos == d.Pos && a.Check == d.Check && a.Message == d.Message {
				one = append(one, a)
			}
		}
		g, _ := rules.Parse(d.File, src, rules.Options{})
		want, _, err := engine.ApplyFixes(g, one, rules.Options{})
		if err != nil || want == nil {
			t.Fatalf("%v: lint --fix makes nothing of it: %v", d, err)
		}
		rep := r.Fixes[0].ArtifactChanges[0].Replacements[0]
		got := replace(src, rep.DeletedRegion.StartLine, rep.DeletedRegion.StartColumn, rep.DeletedRegion.EndLine, rep.DeletedRegion.EndColumn, rep.InsertedContent.Text)
		if string(got) != string(want) {
			t.Errorf("%v: the SARIF fix gives\n%s\nlint --fix gives\n%s", d, got, want)
		}
	}
	if fixes < 5 {
		t.Errorf("only %d results with fixes", fixes)
	}
}

// replace makes an edit given by lines and columns (characters, 1-based,
// the end not included) in src.
func replace(src []byte, sl, sc, el, ec int, text string) []byte {
	off := func(line, col int) int {
		o := 0
		for l := 1; l < line; l++ {
			o += bytes.IndexByte(src[o:], '\n') + 1
		}
		return o + len(string([]rune(string(src[o:]))[:col-1]))
	}
	from, to := off(sl, sc), off(el, ec)
	return append(append(append([]byte(nil), src[:from]...), text...), src[to:]...)
}

// TestFingerprint: a finding keeps its fingerprint when lines move, and
// findings that differ get different ones.
func TestFingerprint(t *testing.T) {
	a := engine.Diagnostic{File: "a.yaml", Pos: rules.Pos{Line: 3, Col: 7}, Group: "g", Rule: "R", Check: "identity/duplicate-rule", Message: "duplicate of the rule at 8:13"}
	b := a
	b.Pos.Line, b.Message = 30, "duplicate of the rule at 80:13"
	if engine.Fingerprint(a) != engine.Fingerprint(b) {
		t.Errorf("fingerprint changed when the lines moved")
	}
	for _, change := range []func(*engine.Diagnostic){
		func(d *engine.Diagnostic) { d.File = "b.yaml" },
		func(d *engine.Diagnostic) { d.Group = "h" },
		func(d *engine.Diagnostic) { d.Rule = "S" },
		func(d *engine.Diagnostic) { d.Check = "identity/alert-name" },
		func(d *engine.Diagnostic) { d.Message = "other" },
	} {
		c := a
		change(&c)
		if engine.Fingerprint(c) == engine.Fingerprint(a) {
			t.Errorf("%+v has the fingerprint of %+v", c, a)
		}
	}
}
