package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/oomguard/oomguard/lint/engine"
)

// SARIF 2.1.0 (OASIS), the subset oomguard fills. Code-scanning services
// read tool.driver.rules for the checks' documentation, and results with a
// ruleId, a level, a message and a physical location.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
	FullDescription      sarifMessage       `json:"fullDescription"`
	Help                 sarifMessage       `json:"help"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
	// Enabled is false for the policy checks, which run only when the
	// config turns them on.
	Enabled *bool `json:"enabled,omitempty"`
}

type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Fixes               []sarifFix        `json:"fixes,omitempty"`
}

// sarifFix is a safe fix: one replacement in the finding's file.
type sarifFix struct {
	Description     sarifMessage          `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Replacements     []sarifReplacement    `json:"replacements"`
}

type sarifReplacement struct {
	// An empty region (end equal to start) is an insertion.
	DeletedRegion   sarifRegion          `json:"deletedRegion"`
	InsertedContent sarifArtifactContent `json:"insertedContent"`
}

type sarifArtifactContent struct {
	Text string `json:"text"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation  `json:"physicalLocation"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// SARIF writes a SARIF 2.1.0 log of one run, with every check of meta as a
// rule of the driver.
func SARIF(w io.Writer, ds []engine.Diagnostic, meta Meta) error {
	index := map[string]int{}
	rules := make([]sarifRule, 0, len(meta.Checks))
	for _, c := range meta.Checks {
		index[c.ID] = len(rules)
		rules = append(rules, sarifRule{
			ID:                   c.ID,
			ShortDescription:     sarifMessage{Text: c.Title},
			FullDescription:      sarifMessage{Text: c.Doc},
			Help:                 sarifMessage{Text: c.Doc, Markdown: c.Doc},
			DefaultConfiguration: sarifConfiguration{Level: sarifLevel(c.Severity), Enabled: offUnlessPolicy(c)},
		})
	}
	results := make([]sarifResult, 0, len(ds))
	for _, d := range ds {
		if d.Severity == engine.Note {
			continue // notes are for text and json
		}
		i, ok := index[d.Check]
		if !ok {
			// A diagnostic of a check not passed in: describe it anyway
			// so that ruleIndex stays valid.
			i = len(rules)
			index[d.Check] = i
			rules = append(rules, sarifRule{ID: d.Check, ShortDescription: sarifMessage{Text: d.Check}, FullDescription: sarifMessage{Text: d.Check},
				Help: sarifMessage{Text: d.Check}, DefaultConfiguration: sarifConfiguration{Level: sarifLevel(d.Severity)}})
		}
		text := d.Message
		if d.Hint != "" {
			text += " (" + d.Hint + ")"
		}
		r := sarifResult{
			RuleID:    d.Check,
			RuleIndex: i,
			Level:     sarifLevel(d.Severity),
			Message:   sarifMessage{Text: text},
			Locations: []sarifLocation{{
				PhysicalLocation: sarifPhysicalLocation{
					ArtifactLocation: sarifArtifactLocation{URI: fileURI(d.File)},
					Region:           region(d),
				},
			}},
			PartialFingerprints: map[string]string{"oomguard/v1": engine.Fingerprint(d)},
		}
		if meta.Edit != nil {
			if e, ok := meta.Edit(d); ok {
				desc := d.Hint
				if desc == "" {
					desc = d.Message
				}
				r.Fixes = []sarifFix{{
					Description: sarifMessage{Text: desc},
					ArtifactChanges: []sarifArtifactChange{{
						ArtifactLocation: sarifArtifactLocation{URI: fileURI(d.File)},
						Replacements: []sarifReplacement{{
							DeletedRegion:   sarifRegion{StartLine: e.Start.Line, StartColumn: e.Start.Col, EndLine: e.End.Line, EndColumn: e.End.Col},
							InsertedContent: sarifArtifactContent{Text: e.Text},
						}},
					}},
				}}
			}
		}
		if d.Rule != "" {
			r.Locations[0].LogicalLocations = []sarifLogicalLocation{{Name: d.Rule, FullyQualifiedName: d.Group + "/" + d.Rule, Kind: "member"}}
		}
		results = append(results, r)
	}
	version := meta.Version
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{Name: "oomguard", Version: version,
				InformationURI: "https://github.com/oomguard/oomguard", Rules: rules}},
			// yaml reports columns in characters.
			ColumnKind: "unicodeCodePoints",
			Results:    results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func sarifLevel(s engine.Severity) string {
	switch s {
	case engine.Error:
		return "error"
	case engine.Warning:
		return "warning"
	}
	return "note"
}

// fileURI turns a path as the user gave it into a URI reference: relative
// paths stay relative (code scanning resolves them against the checkout),
// absolute ones become file URIs.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: strings.TrimPrefix(p, "./")}).String()
}

// region is where d is: its start, and its end when it has an extent.
func region(d engine.Diagnostic) sarifRegion {
	r := sarifRegion{StartLine: max(d.Pos.Line, 1), StartColumn: d.Pos.Col}
	if hasExtent(d) {
		r.EndLine, r.EndColumn = d.End.Line, d.End.Col
	}
	return r
}

// offUnlessPolicy is a policy check's default "enabled": false; nil (true,
// SARIF's default) for the others.
func offUnlessPolicy(c *engine.Check) *bool {
	if !c.Policy {
		return nil
	}
	off := false
	return &off
}
