package checks

import (
	"strings"
	"sync"

	"github.com/oomguard/oomguard/rules"
)

// templateFacts is what the template checks read of one label or
// annotation template of an alert: the calls with the wrong number of
// arguments (labels/template-function) and the labels read from $labels
// (labels/template-dropped-label).
type templateFacts struct {
	calls []badCall
	refs  []labelRef
}

// templateCache holds the facts of a file's templates, each template
// parsed once for both checks, which run at the same time on the rules of
// the file. It keeps the facts, not the parsed templates: a file's
// template trees would be a third of lint's memory on a large file.
type templateCache struct {
	m sync.Map // *rules.Str (the template's value in its rule) -> *templateEntry
}

type templateEntry struct {
	once  sync.Once
	facts templateFacts
}

type templateCacheKey struct{}

// templatesOf returns the template cache of the file a check's context
// is about, from the context's Memo.
func templatesOf(memo func(key any, make func() any) any) *templateCache {
	return memo(templateCacheKey{}, func() any { return &templateCache{} }).(*templateCache)
}

// of returns the facts of the template v, a label's or an annotation's
// value in a rule of the file, parsing it the first time.
func (tc *templateCache) of(v *rules.Str) *templateFacts {
	if !strings.Contains(v.Value, "{{") {
		return &templateFacts{} // no action: nothing to call, nothing read
	}
	e, ok := tc.m.Load(v)
	if !ok {
		e, _ = tc.m.LoadOrStore(v, &templateEntry{})
	}
	te := e.(*templateEntry)
	te.once.Do(func() {
		tmpl := rules.ParseTemplate(v.Value)
		te.facts.calls = badCallsIn(tmpl)
		if strings.Contains(v.Value, "$labels") {
			te.facts.refs = labelRefsIn(v.Value, tmpl)
		}
	})
	return &te.facts
}
