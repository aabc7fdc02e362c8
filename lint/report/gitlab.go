package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"strconv"

	"github.com/oomguard/oomguard/lint/engine"
)

// gitlabIssue is one entry of a GitLab Code Quality report: the subset of
// the Code Climate issue format GitLab reads.
type gitlabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path  string      `json:"path"`
	Lines gitlabLines `json:"lines"`
}

type gitlabLines struct {
	Begin int `json:"begin"`
	End   int `json:"end,omitempty"`
}

// gitlabSeverity maps a severity onto GitLab's scale (info, minor, major,
// critical, blocker).
var gitlabSeverity = map[engine.Severity]string{engine.Info: "info", engine.Warning: "major", engine.Error: "critical"}

// GitLab writes a GitLab Code Quality report: a JSON array of issues, each
// with its check, the file relative to the repository, its lines and a
// fingerprint that stays when lines move (engine.Fingerprint; findings that
// share one are told apart by their order, as GitLab needs them unique).
func GitLab(w io.Writer, ds []engine.Diagnostic) error {
	out := make([]gitlabIssue, 0, len(ds))
	seen := map[string]int{}
	for _, d := range ds {
		fp := engine.Fingerprint(d)
		if n := seen[fp]; n > 0 {
			sum := sha256.Sum256([]byte(fp + "/" + strconv.Itoa(n)))
			seen[fp]++
			fp = hex.EncodeToString(sum[:16])
		} else {
			seen[fp] = 1
		}
		desc := d.Message
		if d.Hint != "" {
			desc += " (" + d.Hint + ")"
		}
		lines := gitlabLines{Begin: max(d.Pos.Line, 1)}
		if hasExtent(d) && d.End.Line > lines.Begin {
			lines.End = d.End.Line
		}
		out = append(out, gitlabIssue{
			Description: desc,
			CheckName:   d.Check,
			Fingerprint: fp,
			Severity:    gitlabSeverity[d.Severity],
			Location:    gitlabLocation{Path: filepath.ToSlash(d.File), Lines: lines},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
