package engine

import (
	"strings"

	"github.com/oomguard/oomguard/rules"
)

// spanEnd returns the end of sp: its own when set, else the end of the
// YAML value of rule r, group g or the document's metadata that starts at
// sp.Start, else sp.Start.
func spanEnd(f *rules.File, g *rules.Group, r *rules.Rule, sp Span) rules.Pos {
	if sp.End.IsValid() {
		return sp.End
	}
	p := sp.Start
	end := p
	try := func(s rules.Str) bool {
		if s.Present && s.Pos == p {
			// The end of the text, not of the line breaks a block scalar
			// keeps.
			if n := len(strings.TrimRight(s.Value, " \t\r\n")); n > 0 {
				end = f.PosAt(s, n)
			}
			return true
		}
		return false
	}
	tryMap := func(m rules.Map) bool {
		for _, kv := range m {
			if try(kv.Key) || try(kv.Value) {
				return true
			}
		}
		return false
	}
	if r != nil {
		if try(r.Alert) || try(r.Record) || try(r.Expr) || try(r.For.Str) || try(r.KeepFiringFor.Str) ||
			tryMap(r.Labels) || tryMap(r.Annotations) {
			return end
		}
	}
	if g != nil {
		if try(g.Name) || try(g.Interval.Str) || try(g.QueryOffset.Str) || try(g.Limit.Str) || tryMap(g.Labels) {
			return end
		}
	}
	if f != nil {
		for _, d := range f.Docs {
			if m := d.Meta; m != nil && (try(m.Name) || try(m.Namespace) || tryMap(m.Labels) || tryMap(m.Annotations)) {
				return end
			}
		}
	}
	return end
}
