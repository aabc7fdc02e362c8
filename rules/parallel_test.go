package rules

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// TestParallelValidation: a large file validated on all cores reports the
// same errors, in the same order, as on one.
func TestParallelValidation(t *testing.T) {
	data := ruleFile(2000)
	// Break every 97th expression and template.
	var b bytes.Buffer
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if i%97 == 0 && bytes.Contains(line, []byte("max by")) {
			line = bytes.Replace(line, []byte("max by"), []byte("max by by"), 1)
		}
		if i%89 == 0 && bytes.Contains(line, []byte("{{ $labels.container }}")) {
			line = bytes.Replace(line, []byte("{{ $labels.container }}"), []byte("{{ $labels.container "), 1)
		}
		b.Write(line)
	}
	parse := func(procs int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		f, errs := Parse("big.yaml", b.Bytes(), Options{})
		parsed := 0
		for _, g := range f.Groups() {
			for _, r := range g.Rules {
				if r.Parsed != nil {
					parsed++
				}
			}
		}
		return fmt.Sprintf("%d parsed\n%v", parsed, errs)
	}
	one, all := parse(1), parse(4)
	if one != all {
		t.Errorf("one core and four disagree:\n%s\n---\n%s", one, all)
	}
	if !bytes.Contains([]byte(one), []byte("could not parse expression")) || !bytes.Contains([]byte(one), []byte(`annotation "description": template`)) {
		t.Errorf("the broken rules are not reported:\n%.500s", one)
	}
}
