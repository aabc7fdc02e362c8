package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/oomguard/oomguard/config"
	"github.com/oomguard/oomguard/generate"
	"github.com/oomguard/oomguard/internal/atomicfile"
	"github.com/oomguard/oomguard/internal/unidiff"
	"github.com/oomguard/oomguard/jsonnet"
	"github.com/oomguard/oomguard/rules"
	"github.com/oomguard/oomguard/ruletest"
)

type generateOptions struct {
	ConfigFile string
	Sets       []string
	Format     string
	Encoding   string
	Output     string
	OutDir     string
	TestsDir   string
	Name       string
	Namespace  string
	Labels     []string
	Check      bool
	Mixin      string
	JPath      []string
	Timeout    time.Duration
	MaxMemory  string
	MaxStack   int
	Limits     loaderLimits
}

func newGenerateCmd(s Streams, runF func(*generateOptions) error) *cobra.Command {
	o := &generateOptions{}
	cmd := &cobra.Command{
		Use:   "generate [flags]",
		Short: "Generate the container-resources rule pack",
		Long: strings.TrimSpace(`
Generate writes oomguard's rule pack for container resources: memory working
set and RSS against the limit, limit hits, OOM kills, CPU user/system split,
throttling and usage against the limit, and the OOM score of every container.

The pack is a jsonnet mixin. Generate evaluates it with your configuration:
the generate section of .oomguard.yaml (a YAML mirror of the mixin's
_config; --config names another file), then --set. It loads every rule
through the PromQL parser and Prometheus's validation and runs the pack's own
unit tests on the Prometheus engine; only then does it write. Nothing is
written when any of this fails.

Output: one PrometheusRule (the default; named oomguard-container-resources in
namespace monitoring, labelled for kube-prometheus) or a plain rule file, in
YAML or JSON, on stdout, to -o FILE, or one file per rule group with
--out-dir. --tests DIR writes the pack's unit tests beside a copy of the
rules they test. --check writes nothing; when the files on disk differ from
what would be generated, it prints a unified diff that brings them up to
date on stdout (git apply or patch -p1 applies it) and exits 1.`),
		Example: examples(`
  # The whole pack as a PrometheusRule, ready for kubectl apply
  oomguard generate | kubectl apply -f -

  # A plain rule file, and the unit tests with the rules they test
  oomguard generate --format rules -o rules/containers.yaml --tests tests/

  # Other thresholds, and the cluster label kept for a Thanos ruler
  oomguard generate --set alerts.ContainerMemoryNearLimit.threshold=0.85 --set showMultiCluster=true

  # In CI: fail when the committed file is out of date
  oomguard generate -o deploy/oomguard-rules.yaml --check

  # Any other mixin, as a PrometheusRule
  oomguard generate --mixin vendor/kubernetes-mixin/mixin.libsonnet -J vendor --name kubernetes-mixin`),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("generate takes no arguments: to write the pack to a file, use -o %s (or --out-dir DIR for a file per group)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runGenerate(s, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ConfigFile, "config", "", "config `FILE` (default .oomguard.yaml when it exists)")
	f.StringArrayVar(&o.Sets, "set", nil, "set a pack option, `key=value` with a dotted key into the mixin's _config (repeatable)")
	f.StringVar(&o.Format, "format", generate.FormatPrometheusRule, "prometheusrule or rules")
	f.StringVar(&o.Encoding, "encoding", "yaml", "yaml or json")
	f.StringVarP(&o.Output, "output", "o", "", "write to `FILE` (atomically) instead of stdout")
	f.StringVar(&o.OutDir, "out-dir", "", "write one file per rule group into `DIR`")
	f.StringVar(&o.TestsDir, "tests", "", "write the pack's unit tests, with a copy of the rules they test, into `DIR`")
	f.StringVar(&o.Name, "name", "", "metadata.name of the PrometheusRule (default oomguard-container-resources)")
	f.StringVar(&o.Namespace, "namespace", "", "metadata.namespace of the PrometheusRule (default monitoring)")
	f.StringArrayVar(&o.Labels, "label", nil, "metadata label `key=value` (repeatable; replaces the default labels)")
	f.StringVar(&o.Mixin, "mixin", "", "generate from another mixin at `PATH` (its prometheusRules and prometheusAlerts) instead of the pack")
	f.StringArrayVarP(&o.JPath, "jpath", "J", nil, "with --mixin, a library `DIR` imports may come from (repeatable)")
	f.DurationVar(&o.Timeout, "mixin-timeout", jsonnet.DefaultTimeout, "with --mixin, the longest the evaluation may take")
	f.StringVar(&o.MaxMemory, "mixin-memory", "512Mi", "with --mixin, the most memory the evaluation may use (a Kubernetes quantity: 512Mi, 2Gi)")
	f.IntVar(&o.MaxStack, "mixin-stack", jsonnet.DefaultMaxStack, "with --mixin, the deepest the evaluation's calls may nest (jsonnet's max stack frames)")
	addLoaderFlags(f, &o.Limits)
	f.BoolVar(&o.Check, "check", false, "write nothing; exit 1 with a diff when files on disk differ from what would be generated")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"prometheusrule", "rules"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("encoding", cobra.FixedCompletions([]string{"yaml", "json"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("set", completeSetKeys)
	return cmd
}

func (o *generateOptions) validate() error {
	if o.Format != generate.FormatPrometheusRule && o.Format != generate.FormatRules {
		return usagef("--format %q: use prometheusrule or rules", o.Format)
	}
	if o.Encoding != "yaml" && o.Encoding != "json" {
		return usagef("--encoding %q: use yaml or json", o.Encoding)
	}
	if o.Output != "" && o.OutDir != "" {
		return usagef("-o and --out-dir do not go together")
	}
	if o.Check && o.Output == "" && o.OutDir == "" && o.TestsDir == "" {
		return usagef("--check needs files to compare: -o, --out-dir or --tests")
	}
	if o.Format == generate.FormatRules && (o.Name != "" || o.Namespace != "" || len(o.Labels) > 0) {
		return usagef("--name, --namespace and --label apply to --format prometheusrule only")
	}
	if err := validateName(o.Name); err != nil {
		return err
	}
	if _, err := parseMemory("--mixin-memory", o.MaxMemory); err != nil {
		return err
	}
	if o.MaxStack < 1 {
		return usagef("--mixin-stack %d: give a whole number above 0", o.MaxStack)
	}
	if _, err := o.Limits.options(); err != nil {
		return err
	}
	if o.Mixin == "" && len(o.JPath) > 0 {
		return usagef("-J goes with --mixin")
	}
	if o.Mixin != "" && (len(o.Sets) > 0 || o.TestsDir != "") {
		return usagef("--set and --tests apply to oomguard's own pack, not to --mixin")
	}
	_, err := parseKeyValues("--label", o.Labels, true)
	return err
}

func runGenerate(s Streams, o *generateOptions) error {
	// An output that cannot be a file is refused before the work.
	if o.Output != "" {
		if st, err := os.Stat(o.Output); err == nil && !st.Mode().IsRegular() {
			load, _ := o.Limits.options()
			_, err := rules.ReadRegular(o.Output, load.MaxFileSize)
			return err
		}
	}
	pack, err := buildPack(o)
	var ce *generate.ConfigError
	var fe *config.Error
	var ie *generate.InvalidError
	switch {
	case errors.As(err, &ce), errors.As(err, &fe):
		// One line at the setting, exit 2: not a usage problem.
		return err
	case errors.As(err, &ie):
		printProblems(s.ErrOut, "error", ie.Errors)
		if ie.Report != nil {
			_ = ruletest.WriteText(s.ErrOut, ie.Report, false)
		}
		return &findingsError{"oomguard generate: " + ie.Error() + "; nothing written"}
	case err != nil:
		return err
	}
	for _, w := range pack.Warnings {
		fmt.Fprintf(s.ErrOut, "oomguard: %s\n", w)
	}

	meta := generate.DefaultMeta()
	if o.Mixin != "" {
		meta.Name = mixinName(o.Mixin)
	}
	if o.Name != "" {
		meta.Name = o.Name
	}
	if o.Mixin != "" {
		// Another project's rules: the PrometheusRule is of that
		// application, not of oomguard.
		meta.Labels["app.kubernetes.io/name"] = meta.Name
	}
	if o.Namespace != "" {
		meta.Namespace = o.Namespace
	}
	if len(o.Labels) > 0 {
		meta.Labels, _ = parseKeyValues("--label", o.Labels, true)
	}
	enc := rules.Encoding(o.Encoding)

	// Every file to write, by path, and what it holds (for messages);
	// stdout when there is none.
	var files []generate.File
	var what []string
	switch {
	case o.OutDir != "":
		perGroup, err := generate.RenderPerGroup(pack.Groups, o.Format, enc, meta)
		if err != nil {
			return err
		}
		for i, f := range perGroup {
			files = append(files, generate.File{Name: filepath.Join(o.OutDir, f.Name), Data: f.Data})
			what = append(what, fmt.Sprintf("group %q", pack.Groups[i].Name.Value))
		}
	default:
		data, err := generate.Render(pack.Groups, o.Format, enc, meta)
		if err != nil {
			return err
		}
		if o.Output == "" && o.TestsDir == "" {
			_, err := s.Out.Write(data)
			return err
		}
		if o.Output == "" && !o.Check {
			if _, err := s.Out.Write(data); err != nil {
				return err
			}
		}
		if o.Output != "" {
			files = append(files, generate.File{Name: o.Output, Data: data})
			what = append(what, "-o")
		}
	}
	if o.TestsDir != "" {
		plain, err := generate.Render(pack.Groups, generate.FormatRules, rules.YAML, meta)
		if err != nil {
			return err
		}
		files = append(files, generate.File{Name: filepath.Join(o.TestsDir, "rules.yaml"), Data: plain})
		what = append(what, "--tests (the rules)")
		for _, t := range pack.Tests {
			files = append(files, generate.File{Name: filepath.Join(o.TestsDir, t.Name), Data: t.Data})
			what = append(what, fmt.Sprintf("--tests (%s)", t.Name))
		}
	}
	if err := checkCollisions(files, what); err != nil {
		return err
	}

	if o.Check {
		return checkDrift(s, files)
	}
	return writeFiles(files, o.OutDir, o.TestsDir)
}

// checkCollisions refuses to write two files to one place: two groups whose
// names give the same file name, or -o naming a file of --tests.
func checkCollisions(files []generate.File, what []string) error {
	first := map[string]int{}
	for i, f := range files {
		key := samePlace(f.Name)
		if j, ok := first[key]; ok {
			return usagef("%s and %s would both be written to %s; nothing written", what[j], what[i], f.Name)
		}
		first[key] = i
	}
	return nil
}

// samePlace returns a key equal for paths that name the same file: the
// absolute path with the links of its directory, and of itself, resolved.
func samePlace(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	dir, base := filepath.Split(abs)
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if real, err := filepath.EvalSymlinks(d); err == nil {
			rest, _ := filepath.Rel(d, filepath.Join(dir, base))
			return filepath.Join(real, rest)
		}
		if d == filepath.Dir(d) {
			return abs
		}
	}
}

// writeFiles writes what generate made: the files of --out-dir, and those
// of --tests, each as one set (all old or all new, even when interrupted);
// -o alone, atomically.
func writeFiles(files []generate.File, outDir, testsDir string) error {
	// A file that may not be written stops the run before anything is.
	for _, f := range files {
		if err := atomicfile.CheckWritable(f.Name); err != nil {
			return err
		}
	}
	type set struct {
		dir   string
		files []atomicfile.File
	}
	var sets []*set
	byPlace := map[string]*set{}
	var single []generate.File
	for _, f := range files {
		dir := filepath.Dir(f.Name)
		key := samePlace(dir)
		if !(outDir != "" && key == samePlace(outDir) || testsDir != "" && key == samePlace(testsDir)) {
			single = append(single, f)
			continue
		}
		st := byPlace[key]
		if st == nil {
			st = &set{dir: dir}
			byPlace[key] = st
			sets = append(sets, st)
		}
		st.files = append(st.files, atomicfile.File{Name: filepath.Base(f.Name), Data: f.Data})
	}
	for _, st := range sets {
		if err := atomicfile.WriteSet(st.dir, st.files); err != nil {
			return fmt.Errorf("writing %s: %w", st.dir, err)
		}
	}
	for _, f := range single {
		if err := os.MkdirAll(filepath.Dir(f.Name), 0o777); err != nil {
			return err
		}
		if err := atomicfile.Write(f.Name, f.Data); err != nil {
			return fmt.Errorf("writing %s: %w", f.Name, err)
		}
	}
	return nil
}

// checkDrift compares files on disk with what generate would write. On
// drift it prints, on standard output, the unified diff that brings the
// files up to date (git apply or patch -p1 takes it, from the directory
// generate ran in) and exits 1, naming the files on standard error.
func checkDrift(s Streams, files []generate.File) error {
	var drift []string
	for _, f := range files {
		got, err := rules.ReadRegular(f.Name, int64(len(f.Data))+1)
		var big *rules.TooLargeError
		missing := false
		switch {
		case errors.As(err, &big):
			// Larger than what would be written: out of date, without
			// reading it.
			drift = append(drift, f.Name)
			fmt.Fprintf(s.ErrOut, "%s: larger than the %d bytes that would be generated\n", f.Name, len(f.Data))
			continue
		case errors.Is(err, os.ErrNotExist):
			got, missing = nil, true
		case err != nil:
			return err
		}
		if !missing && bytes.Equal(got, f.Data) {
			continue
		}
		drift = append(drift, f.Name)
		// A file that is not there: the diff creates it.
		if _, err := s.Out.Write(unidiff.Diff(filepath.ToSlash(filepath.Clean(f.Name)), got, missing, f.Data)); err != nil {
			return err
		}
	}
	if len(drift) > 0 {
		return &findingsError{"oomguard generate --check: out of date: " + strings.Join(drift, ", ") +
			"; run oomguard generate without --check, or apply the diff printed on standard output"}
	}
	return nil
}

// buildPack builds oomguard's pack with the configuration, or another
// mixin with --mixin.
func buildPack(o *generateOptions) (*generate.Pack, error) {
	load, _ := o.Limits.options()
	if o.Mixin != "" {
		maxMemory, _ := parseMemory("--mixin-memory", o.MaxMemory)
		groups, err := generate.BuildMixin(o.Mixin, jsonnet.MixinOptions{JPath: o.JPath, Timeout: o.Timeout, MaxMemory: maxMemory, MaxStack: o.MaxStack, Load: load})
		if err != nil {
			return nil, err
		}
		return &generate.Pack{Groups: groups}, nil
	}
	file, err := config.Load(o.ConfigFile, load.MaxFileSize)
	if err != nil {
		return nil, err
	}
	overrides := file.Generate
	for _, kv := range o.Sets {
		if err := overrides.Set(kv); err != nil {
			return nil, err
		}
	}
	return generate.Build(overrides)
}

// parseMemory reads a memory size as a Kubernetes quantity (512Mi, 2Gi,
// 1G), in bytes.
func parseMemory(flag, s string) (int64, error) {
	q, err := resource.ParseQuantity(s)
	if err != nil || q.Sign() <= 0 {
		return 0, usagef("%s %q: give a size such as 512Mi or 2Gi", flag, s)
	}
	return q.Value(), nil
}

// mixinName names a PrometheusRule after a mixin's directory, or file.
func mixinName(path string) string {
	base := filepath.Base(filepath.Dir(path))
	if strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) != "mixin" || base == "." || base == "/" {
		base = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	name := strings.Trim(nameInvalid.ReplaceAllString(strings.ToLower(base), "-"), "-.")
	if name == "" {
		name = "mixin"
	}
	return name
}

// completeSetKeys completes the keys of --set, key= with the default and
// what the knob holds as the description, and no space after; a mapping of
// labels as key. (extraLabels.), a label name to follow.
func completeSetKeys(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	keys, err := generate.SetKeys()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []cobra.Completion
	for _, k := range keys {
		if !strings.HasPrefix(k.Name, prefix) {
			continue
		}
		if k.Labels() {
			out = append(out, cobra.CompletionWithDesc(k.Name, k.What))
			continue
		}
		out = append(out, cobra.CompletionWithDesc(k.Name+"=", "default "+k.Default+" ("+k.What+")"))
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}
