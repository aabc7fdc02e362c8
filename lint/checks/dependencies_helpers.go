package checks

import "github.com/oomguard/oomguard/lint"

// recordingRule is a recording rule with the group it is in.
type recordingRule struct {
	rule  *ruleSummary
	group *groupSummary
}

type recordingRulesKey struct{}

// recordingRulesOf returns recordingRules of the file summaries the checks
// across files keep, built once for all of them.
func recordingRulesOf(c *lint.FilesContext) map[string][]recordingRule {
	return c.Memo(recordingRulesKey{}, func() any { return recordingRules(summaries(c)) }).(map[string][]recordingRule)
}

// recordingRules maps a recorded name to the rules of the files that
// record it, in the order of the files.
func recordingRules(sums []*summary) map[string][]recordingRule {
	out := map[string][]recordingRule{}
	for _, s := range sums {
		for i := range s.rules {
			r := &s.rules[i]
			if r.record != "" {
				out[r.record] = append(out[r.record], recordingRule{r, &s.groups[r.group]})
			}
		}
	}
	return out
}
