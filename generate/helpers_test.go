package generate

import (
	"errors"
	"io"
	"testing"

	"github.com/oomguard/oomguard/ruletest"
)

func asInvalid(err error, target **InvalidError) bool { return errors.As(err, target) }

func writeReport(w io.Writer, ie *InvalidError) error { return ruletest.WriteText(w, ie.Report, false) }

// slowUnderRace skips, with the race detector on, a test that evaluates
// or builds the pack, one build after another: the detector makes each
// jsonnet evaluation and test run five to ten times slower (TestBuildCache:
// 53 s against 6 s), and what such a test checks is not concurrent (the
// test runner's own concurrency is ruletest's tests', the build cache's is
// TestPackTestCacheConcurrent's, and TestPack/default builds and tests the
// pack under the detector once). make test runs this package a second time
// without the race detector, every test.
func slowUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("slow under the race detector: make test runs it without (go test ./generate/)")
	}
}
