package engine

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/oomguard/oomguard/rules"
)

// Suppressions is the Loader value of the check that reports suppression
// comments without a reason or that match no finding.
const Suppressions = "suppressions"

// suppressRE finds `# oomguard:ignore <id> <reason>` and
// `# oomguard:ignore-file <id> <reason>` in a line.
// The reason runs to the end of the line or to another comment.
var suppressRE = regexp.MustCompile(`(?:^|\s)#\s*oomguard:(ignore-file|ignore)(?:\s+([a-z]+/[a-z0-9-]+))?(?:\s+([^#]*))?`)

type suppression struct {
	file   string
	line   int
	col    int
	endCol int  // just after the comment's text
	whole  bool // ignore-file
	check  string
	reason string
	used   bool
}

// suppressions reads the suppression comments of a file.
func suppressions(f *rules.File) []*suppression {
	var out []*suppression
	for n := 1; n <= f.LineCount(); n++ {
		if !bytes.Contains(f.Line(n), []byte("oomguard:ignore")) {
			continue
		}
		line := string(f.Line(n))
		m := suppressRE.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		s := &suppression{file: f.Path, line: n, col: len([]rune(line[:m[0]])) + 1,
			endCol: len([]rune(strings.TrimRight(line, " \t\r"))) + 1, whole: line[m[2]:m[3]] == "ignore-file"}
		if m[4] >= 0 {
			s.check = line[m[4]:m[5]]
		}
		if m[6] >= 0 {
			s.reason = strings.TrimSpace(line[m[6]:m[7]])
		}
		out = append(out, s)
	}
	return out
}

// fileSuppressions is what suppress needs of a file: its suppression
// comments and, when it has some, the first line of each rule by group and
// name.
type fileSuppressions struct {
	path     string
	comments []*suppression
	ruleLine map[string]int
}

func suppressionsOf(f *rules.File) fileSuppressions {
	s := fileSuppressions{path: f.Path, comments: suppressions(f)}
	if len(s.comments) == 0 {
		return s
	}
	s.ruleLine = map[string]int{}
	for _, g := range f.Groups() {
		for _, r := range g.Rules {
			s.ruleLine[g.Name.Value+"\x00"+r.Name()] = r.Pos.Line
		}
	}
	return s
}

// suppress drops the diagnostics that suppression comments cover and
// reports the comments that are malformed or cover nothing.
func suppress(files []fileSuppressions, ds []Diagnostic, ignores []Ignore, report *Check, severity Severity) []Diagnostic {
	byFile := map[string][]*suppression{}
	ruleLine := map[string]map[string]int{} // file -> rule name -> first line
	for _, f := range files {
		byFile[f.path] = f.comments
		ruleLine[f.path] = f.ruleLine
	}
	used := make([]bool, len(ignores))
	var out []Diagnostic
	for _, d := range ds {
		covered := false
		start := ruleLine[d.File][d.Group+"\x00"+d.Rule]
		for _, s := range byFile[d.File] {
			if s.check != d.Check || s.reason == "" {
				continue
			}
			if s.whole || s.line == d.Pos.Line || s.line == d.Pos.Line-1 || start > 0 && (s.line == start || s.line == start-1) {
				s.used = true
				covered = true
			}
		}
		for i := range ignores {
			if !covered && ignores[i].matches(d) {
				used[i] = true
				covered = true
			}
		}
		if !covered {
			out = append(out, d)
		}
	}
	if report == nil {
		return out
	}
	for _, f := range files {
		for _, s := range byFile[f.path] {
			var msg string
			switch {
			case s.check == "":
				msg = "oomguard:ignore needs the ID of a check and a reason"
			case s.reason == "":
				msg = fmt.Sprintf("oomguard:ignore %s needs a reason", s.check)
			case !s.used:
				msg = fmt.Sprintf("oomguard:ignore %s matches no finding: remove it", s.check)
			default:
				continue
			}
			out = append(out, Diagnostic{File: s.file, Pos: rules.Pos{Line: s.line, Col: s.col}, End: rules.Pos{Line: s.line, Col: s.endCol}, Check: report.ID, Severity: severity, Message: msg})
		}
	}
	// An entry of the config that matched nothing is reported when it could
	// have: some file linted now is one it names.
	for i, ig := range ignores {
		if used[i] {
			continue
		}
		relevant := false
		for _, f := range files {
			relevant = relevant || ig.matchesFile(f.path)
		}
		if relevant {
			out = append(out, Diagnostic{File: ig.File, Pos: ig.Pos, End: ig.Pos, Check: report.ID, Severity: severity,
				Message: fmt.Sprintf("ignore entry for %s matches no finding: remove it", ig.Check)})
		}
	}
	return out
}
