package cli

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// prometheusTestdata returns promtool's test corpus in the pinned
// prometheus module.
func prometheusTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/prometheus/prometheus").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "cmd", "promtool", "testdata")
}

// TestPromtoolCompat runs every row of promtool 3.16's recorded results on
// its own unit-test corpus and requires oomguard test to exit as promtool
// did, in the default mode.
func TestPromtoolCompat(t *testing.T) {
	dir := prometheusTestdata(t)
	f, err := os.Open("testdata/promtool-expected.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := 0
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if header {
			header = false
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 4 {
			t.Fatalf("bad row %q", line)
		}
		name, argStr, fileStr := cols[0], cols[1], cols[2]
		want, err := strconv.Atoi(cols[3])
		if err != nil {
			t.Fatalf("bad exit code in %q", line)
		}
		rows++
		t.Run(name, func(t *testing.T) {
			args := []string{"test"}
			for _, a := range strings.Fields(argStr) {
				args = append(args, strings.ReplaceAll(a, "$TMP", t.TempDir()))
			}
			for _, file := range strings.Fields(fileStr) {
				args = append(args, filepath.Join(dir, file))
			}
			var out, errOut bytes.Buffer
			got := Main(args, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if got != want {
				t.Errorf("oomguard %s: exit %d, promtool exits %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, want, out.String(), errOut.String())
			}
		})
	}
	if rows < 25 {
		t.Fatalf("only %d rows", rows)
	}
}
