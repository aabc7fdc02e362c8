package report_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/lint/report"
	"github.com/oomguard/oomguard/rules"
)

// TestGitLab checks a Code Quality report of findings of every check
// against what GitLab reads of the format (its documentation's required
// fields, types and severity scale; GitLab publishes no schema file): an
// array of issues, each with a description, a check name, a fingerprint
// unique in the report, a severity of its scale and a location with a
// path and a first line.
func TestGitLab(t *testing.T) {
	ds := lintTestdata(t)
	// The same finding twice on different lines: one fingerprint each.
	dup := engine.Diagnostic{File: "a.yaml", Pos: rules.Pos{Line: 3, Col: 1}, Check: "labels/severity", Severity: engine.Warning, Message: "same"}
	dup2 := dup
	dup2.Pos.Line = 9
	ds = append(ds, dup, dup2)
	var out bytes.Buffer
	if err := report.Write(&out, "gitlab", ds, report.Meta{Checks: checks.All()}); err != nil {
		t.Fatal(err)
	}
	// Decoded strictly: nothing GitLab does not read, nothing missing.
	var issues []struct {
		Description *string `json:"description"`
		CheckName   *string `json:"check_name"`
		Fingerprint *string `json:"fingerprint"`
		Severity    *string `json:"severity"`
		Location    *struct {
			Path  *string `json:"path"`
			Lines *struct {
				Begin *int `json:"begin"`
				End   *int `json:"end"`
			} `json:"lines"`
		} `json:"location"`
	}
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&issues); err != nil {
		t.Fatalf("not a Code Quality report: %v\n%s", err, out.String())
	}
	if len(issues) != len(ds) {
		t.Fatalf("%d issues for %d findings", len(issues), len(ds))
	}
	fingerprints := map[string]bool{}
	for i, is := range issues {
		switch {
		case is.Description == nil || *is.Description == "", is.CheckName == nil || *is.CheckName != ds[i].Check,
			is.Fingerprint == nil || *is.Fingerprint == "", is.Severity == nil,
			is.Location == nil || is.Location.Path == nil || *is.Location.Path == "",
			is.Location.Lines == nil || is.Location.Lines.Begin == nil || *is.Location.Lines.Begin < 1:
			t.Fatalf("issue %d lacks a required field: %s", i, mustJSON(t, is))
		}
		if !slices.Contains([]string{"info", "minor", "major", "critical", "blocker"}, *is.Severity) {
			t.Errorf("issue %d: severity %q is not on GitLab's scale", i, *is.Severity)
		}
		if fingerprints[*is.Fingerprint] {
			t.Errorf("issue %d: fingerprint %s is not unique", i, *is.Fingerprint)
		}
		fingerprints[*is.Fingerprint] = true
	}
}

// TestGitLabSample pins the output for two findings.
func TestGitLabSample(t *testing.T) {
	ds := []engine.Diagnostic{
		{File: "deploy/a.yaml", Pos: rules.Pos{Line: 3, Col: 7}, End: rules.Pos{Line: 5, Col: 2}, Group: "g", Rule: "R", Check: "labels/severity", Severity: engine.Warning, Message: `alert "R" has no severity label`, Hint: "add labels: {severity: warning}"},
		{File: "b.yaml", Pos: rules.Pos{Line: 10, Col: 1}, Check: "syntax/invalid", Severity: engine.Error, Message: "broken"},
	}
	var out bytes.Buffer
	if err := report.GitLab(&out, ds); err != nil {
		t.Fatal(err)
	}
	want := `[
  {
    "description": "alert \"R\" has no severity label (add labels: {severity: warning})",
    "check_name": "labels/severity",
    "fingerprint": "` + engine.Fingerprint(ds[0]) + `",
    "severity": "major",
    "location": {
      "path": "deploy/a.yaml",
      "lines": {
        "begin": 3,
        "end": 5
      }
    }
  },
  {
    "description": "broken",
    "check_name": "syntax/invalid",
    "fingerprint": "` + engine.Fingerprint(ds[1]) + `",
    "severity": "critical",
    "location": {
      "path": "b.yaml",
      "lines": {
        "begin": 10
      }
    }
  }
]
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
