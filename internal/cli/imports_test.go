package cli

import (
	"go/build"
	"slices"
	"strings"
	"testing"
)

// TestImportsLintAPIOnly holds the commands to the lint API: they import
// package lint, never its parts (the engine, the checks, the output
// formats, the analyses under lint/).
func TestImportsLintAPIOnly(t *testing.T) {
	const lintPkg = "github.com/oomguard/oomguard/lint"
	pkg, err := build.Default.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pkg.Imports, lintPkg) {
		t.Errorf("internal/cli does not import %s: %v", lintPkg, pkg.Imports)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, lintPkg+"/") {
			t.Errorf("internal/cli imports %s, a part of the lint API: use package lint", imp)
		}
	}
}
