package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oomguard/oomguard/generate"
	"github.com/oomguard/oomguard/lint"
	"github.com/oomguard/oomguard/lint/checks"
	"github.com/oomguard/oomguard/rules"
)

// TestKubernetes applies PrometheusRule manifests to a real kube-apiserver
// serving the project's CRD: every manifest oomguard generates, and a
// corpus of broken ones that lint must judge as the server does.
func TestKubernetes(t *testing.T) {
	c := startCluster(t)
	t.Run("generated", func(t *testing.T) { testGenerated(t, c) })
	t.Run("broken", func(t *testing.T) { testBroken(t, c) })
}

// testGenerated applies what `oomguard generate` writes, client-side and
// server-side, and reads it back.
func testGenerated(t *testing.T, c *cluster) {
	// The goldens are the byte-exact output of oomguard generate for three
	// configurations in YAML and JSON (generate's tests keep them so).
	files, err := filepath.Glob("../generate/testdata/*.prometheusrule.*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 6 {
		t.Fatalf("found %d generated manifests, want the 6 goldens", len(files))
	}
	// One file a group, as --out-dir writes them.
	pack, err := generate.Build(generate.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	meta := generate.DefaultMeta()
	meta.Namespace = "per-group"
	perGroup, err := generate.RenderPerGroup(pack.Groups, generate.FormatPrometheusRule, rules.YAML, meta)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range perGroup {
		p := filepath.Join(dir, f.Name)
		writeFile(t, p, f.Data)
		files = append(files, p)
	}
	c.mustRun(t, "create", "namespace", "monitoring")
	c.mustRun(t, "create", "namespace", "per-group")

	for _, file := range files {
		name := strings.TrimPrefix(file, "../")
		if strings.HasPrefix(file, dir) {
			name = "out-dir/" + filepath.Base(file)
		}
		t.Run(name, func(t *testing.T) {
			want := readManifest(t, file)

			// Client-side: create, then a second apply changes nothing.
			out := c.mustRun(t, "apply", "-f", file)
			if !strings.Contains(out, " created") {
				t.Errorf("kubectl apply: %s, want created", out)
			}
			if out := c.mustRun(t, "apply", "-f", file); !strings.Contains(out, " unchanged") {
				t.Errorf("kubectl apply again: %s, want unchanged", out)
			}
			c.checkStored(t, file, want)

			// Server-side over the client-side object: kubectl takes
			// the fields over from the client-side manager.
			c.mustRun(t, "apply", "--server-side", "-f", file)
			c.checkStored(t, file, want)

			// Server-side on its own.
			c.mustRun(t, "delete", "-f", file)
			if out := c.mustRun(t, "apply", "--server-side", "-f", file); !strings.Contains(out, " serverside-applied") {
				t.Errorf("kubectl apply --server-side: %s, want serverside-applied", out)
			}
			c.mustRun(t, "apply", "--server-side", "-f", file)
			c.checkStored(t, file, want)
			c.mustRun(t, "delete", "-f", file)
		})
	}
}

// readManifest reads a PrometheusRule file as kubectl does.
func readManifest(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := sigsyaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// checkStored reads the object back and compares it with the manifest:
// the spec whole, and the metadata the manifest sets.
func (c *cluster) checkStored(t *testing.T, file string, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(c.mustRun(t, "get", "-f", file, "-o", "json")), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got["spec"], want["spec"]) {
		g, _ := json.MarshalIndent(got["spec"], "", "  ")
		w, _ := json.MarshalIndent(want["spec"], "", "  ")
		t.Errorf("stored spec differs from the manifest\nstored:\n%s\nmanifest:\n%s", g, w)
	}
	gm, _ := got["metadata"].(map[string]any)
	wm, _ := want["metadata"].(map[string]any)
	for _, k := range []string{"name", "namespace", "labels"} {
		if !reflect.DeepEqual(gm[k], wm[k]) {
			t.Errorf("stored metadata.%s = %v, manifest has %v", k, gm[k], wm[k])
		}
	}
}

// serverChecks are the lint checks that say what the apiserver says.
var serverChecks = []string{"manifests/crd-schema", "manifests/metadata", "manifests/size"}

// testBroken applies each manifest of testdata/manifests client-side and
// server-side and compares the server's verdict with lint's:
//
//   - every manifest the server refuses, lint reports as an error;
//   - every manifest for which lint's errors are all from the checks that
//     mirror the server (serverChecks), the server refuses, in the way
//     those checks say (manifests/size's annotation limit is client-side
//     apply's alone);
//   - no manifest the server takes gets an error from those checks.
//
// Each file also says in a first-line comment what the server makes of it,
// so that a corpus that stopped exercising a case would show.
func testBroken(t *testing.T, c *cluster) {
	files, err := filepath.Glob("testdata/manifests/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"broken-csa", "broken-ssa"} {
		c.mustRun(t, "create", "namespace", ns)
	}
	var refused, mirrored int
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			expect, ok := strings.CutPrefix(first, "# server: ")
			if !ok {
				t.Fatalf("first line %q: want # server: accepts|refuses|refuses client-side", first)
			}
			expect, _, _ = strings.Cut(expect, ";")

			_, csaErr, csaFail := c.run("apply", "-n", "broken-csa", "-f", file)
			_, ssaErr, ssaFail := c.run("apply", "--server-side", "-n", "broken-ssa", "-f", file)
			csa, ssa := csaFail != nil, ssaFail != nil
			t.Logf("client-side: %s", verdict(csa, csaErr))
			t.Logf("server-side: %s", verdict(ssa, ssaErr))
			var server string
			switch {
			case csa && ssa:
				server = "refuses"
			case csa:
				server = "refuses client-side"
			case ssa:
				server = "refuses server-side"
			default:
				server = "accepts"
			}
			if server != strings.TrimSpace(expect) {
				t.Errorf("the server %s; the file says it %s", server, expect)
			}

			errs, ids := lintErrors(t, file)
			for _, d := range errs {
				t.Logf("lint: %v", d)
			}
			if (csa || ssa) && len(errs) == 0 {
				t.Errorf("the server refuses it and lint reports no error")
			}
			onlyServer := len(ids) > 0
			for _, id := range ids {
				onlyServer = onlyServer && slices.Contains(serverChecks, id)
			}
			if onlyServer {
				mirrored++
				clientOnly := true
				for _, d := range errs {
					clientOnly = clientOnly && d.Check == "manifests/size" && strings.Contains(d.Message, "client-side")
				}
				switch {
				case clientOnly && !csa:
					t.Errorf("lint says client-side apply is refused, and it is not")
				case !clientOnly && !(csa && ssa):
					t.Errorf("lint reports only server-side errors, and the server does not refuse it both ways")
				}
			}
			if !csa && !ssa {
				for _, d := range errs {
					if slices.Contains(serverChecks, d.Check) {
						t.Errorf("the server accepts it, but lint says it would not: %v", d)
					}
				}
			} else {
				refused++
			}
		})
	}
	t.Logf("%d manifests, %d refused by the server, %d with only server-mirroring lint errors", len(files), refused, mirrored)
	if refused < 10 || mirrored < 5 {
		t.Errorf("the corpus exercises too little: %d refused, %d mirrored", refused, mirrored)
	}
}

func verdict(failed bool, stderr string) string {
	if !failed {
		return "accepted"
	}
	return "refused: " + strings.TrimSpace(stderr)
}

// lintErrors lints a file with every check at its default severity and
// returns the errors and the IDs of the checks that found them.
func lintErrors(t *testing.T, file string) ([]lint.Diagnostic, []string) {
	t.Helper()
	files, loadErrs, err := rules.LoadFiles([]string{file}, nil, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var errs []lint.Diagnostic
	var ids []string
	for _, d := range lint.Run(files, loadErrs, checks.All(), nil) {
		if d.Severity < lint.Error {
			continue
		}
		errs = append(errs, d)
		if !slices.Contains(ids, d.Check) {
			ids = append(ids, d.Check)
		}
	}
	return errs, ids
}
