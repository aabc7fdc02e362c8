package cli

import (
	"runtime"
	"testing"
)

// TestVersionLine checks the line `oomguard version` prints for a build
// stamped as make build stamps it; the scripts see only the unstamped test
// binary, and the docs tests check make build's stamp end to end.
func TestVersionLine(t *testing.T) {
	defer func(v, c, d string) { version, commit, commitDate = v, c, d }(version, commit, commitDate)
	version, commit, commitDate = "v0.3.1-4-g5a799d1", "5a799d1118ba9fe898336c8b17345626253a94dd", "2026-12-05T07:13:18Z"
	want := "oomguard v0.3.1-4-g5a799d1 (commit 5a799d1118ba9fe898336c8b17345626253a94dd, committed 2026-12-05T07:13:18Z, " +
		"Prometheus 3.16.0, " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if got := versionLine(); got != want {
		t.Errorf("versionLine() = %q, want %q", got, want)
	}
	if got := currentVersion(); got != "v0.3.1-4-g5a799d1" {
		t.Errorf("currentVersion() = %q", got)
	}
}
