package cli

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/oomguard/oomguard/internal/atomicfile"
	"github.com/oomguard/oomguard/rules"
)

type convertOptions struct {
	To                  string
	Name                string
	Namespace           string
	Labels              []string
	Annotations         []string
	Encoding            string
	Output              string
	Thanos              bool
	IgnoreUnknownFields bool
	Inputs              []string
	Limits              loaderLimits
}

const (
	toPrometheusRule = "prometheusrule"
	toRules          = "rules"
)

func newConvertCmd(s Streams, runF func(*convertOptions) error) *cobra.Command {
	o := &convertOptions{}
	cmd := &cobra.Command{
		Use:   "convert --to prometheusrule|rules [flags] FILE|DIR|-...",
		Short: "Convert between plain rule files and PrometheusRule manifests",
		Long: strings.TrimSpace(`
Convert reads plain Prometheus rule files and PrometheusRule manifests (single
documents, multi-document files, kind: List), checks them as strictly as
Prometheus does, and writes them in the other form.

--to prometheusrule writes one PrometheusRule per input document, named after
its file (or keeping its own metadata); with --name, one PrometheusRule that
holds every group. --to rules writes one plain rule file with every group.

Nothing is written when an input has errors: they are printed as
path:line:col: error: message and the exit code is 1. Output goes to stdout,
or with -o to a file that is replaced atomically.`),
		Example: examples(`
  # A rule file to a PrometheusRule for the Prometheus Operator
  oomguard convert --to prometheusrule --name node-alerts --namespace monitoring \
    --label prometheus=k8s --label role=alert-rules rules.yaml

  # Every rule file below a directory, one PrometheusRule each, applied directly
  oomguard convert --to prometheusrule --namespace monitoring rules/ | kubectl apply -f -

  # A PrometheusRule back to a plain rule file (what yq '.spec' does, checked)
  oomguard convert --to rules -o rules.yaml prometheusrule.yaml

  # From standard input, as JSON
  cat rules.yaml | oomguard convert --to prometheusrule --name x --encoding json -`),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Inputs = args
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runConvert(s, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.To, "to", "", "output form: prometheusrule or rules (required)")
	f.StringVar(&o.Name, "name", "", "metadata.name of a single PrometheusRule holding every group")
	f.StringVar(&o.Namespace, "namespace", "", "metadata.namespace of the PrometheusRules")
	f.StringArrayVar(&o.Labels, "label", nil, "metadata label `key=value` of the PrometheusRules (repeatable)")
	f.StringArrayVar(&o.Annotations, "annotation", nil, "metadata annotation `key=value` of the PrometheusRules (repeatable)")
	f.StringVar(&o.Encoding, "encoding", "yaml", "output encoding: yaml or json")
	f.StringVarP(&o.Output, "output", "o", "", "write to `FILE` (atomically) instead of stdout")
	f.BoolVar(&o.Thanos, "thanos", false, "keep Thanos Ruler's partial_response_strategy in plain rule files")
	f.BoolVar(&o.IgnoreUnknownFields, "ignore-unknown-fields", false, "accept unknown keys in the input")
	addLoaderFlags(f, &o.Limits)
	_ = cmd.RegisterFlagCompletionFunc("to", cobra.FixedCompletions([]string{toPrometheusRule, toRules}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("encoding", cobra.FixedCompletions([]string{"yaml", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (o *convertOptions) validate() error {
	o.To = strings.ToLower(o.To)
	switch o.To {
	case toPrometheusRule, toRules:
	case "":
		return usagef("--to is required: prometheusrule or rules")
	default:
		return usagef("--to %q: use prometheusrule or rules", o.To)
	}
	if o.Encoding != string(rules.YAML) && o.Encoding != string(rules.JSON) {
		return usagef("--encoding %q: use yaml or json", o.Encoding)
	}
	if len(o.Inputs) == 0 {
		return usagef("no input: give rule files, directories, globs or - for standard input")
	}
	if o.To == toRules {
		for flag, set := range map[string]bool{"--name": o.Name != "", "--namespace": o.Namespace != "", "--label": len(o.Labels) > 0, "--annotation": len(o.Annotations) > 0} {
			if set {
				return usagef("%s applies to --to prometheusrule only", flag)
			}
		}
	}
	if err := validateName(o.Name); err != nil {
		return err
	}
	if o.Namespace != "" {
		if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
			return usagef("--namespace %q is not a valid Kubernetes namespace: %s", o.Namespace, strings.Join(errs, "; "))
		}
	}
	if _, err := parseKeyValues("--label", o.Labels, true); err != nil {
		return err
	}
	if _, err := parseKeyValues("--annotation", o.Annotations, false); err != nil {
		return err
	}
	for _, in := range o.Inputs {
		if in == "-" && o.To == toPrometheusRule && o.Name == "" {
			return usagef("--name is required when reading standard input")
		}
	}
	return nil
}

// parseKeyValues parses key=value flags; labels must also be valid
// Kubernetes label keys and values.
func parseKeyValues(flag string, kvs []string, label bool) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("%s %q: want key=value", flag, kv)
		}
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return nil, usagef("%s %q: invalid key: %s", flag, kv, strings.Join(errs, "; "))
		}
		if label {
			if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
				return nil, usagef("%s %q: invalid value: %s", flag, kv, strings.Join(errs, "; "))
			}
		}
		out[k] = v
	}
	return out, nil
}

func runConvert(s Streams, o *convertOptions) error {
	load, err := o.Limits.options()
	if err != nil {
		return err
	}
	in, err := rules.ExpandInputs(o.Inputs)
	if err != nil {
		return err
	}
	printSkipped(s.ErrOut, in.Skipped)
	load.IgnoreUnknownFields, load.Thanos = o.IgnoreUnknownFields, o.Thanos
	files, errs, err := rules.LoadFiles(in.Paths, s.In, load)
	if err != nil {
		return err
	}
	var warnings rules.ErrorList
	for _, f := range files {
		warnings = append(warnings, f.Warnings...)
	}
	if len(errs) == 0 {
		errs = checkHasGroups(files)
	}
	var out bytes.Buffer
	if len(errs) == 0 {
		var more rules.ErrorList
		if o.To == toRules {
			more, err = convertToRules(&out, files, o, &warnings)
		} else {
			more, err = convertToPrometheusRule(&out, files, o)
		}
		if err != nil {
			return err
		}
		errs = append(errs, more...)
	}
	printProblems(s.ErrOut, "warning", warnings)
	if len(errs) > 0 {
		printProblems(s.ErrOut, "error", errs)
		return &findingsError{fmt.Sprintf("oomguard convert: %s; nothing written", plural(len(errs), "error"))}
	}
	if o.Output == "" {
		_, err := s.Out.Write(out.Bytes())
		return err
	}
	if err := atomicfile.Write(o.Output, out.Bytes()); err != nil {
		return fmt.Errorf("writing %s: %w", o.Output, err)
	}
	return nil
}

// checkHasGroups refuses inputs that hold no rule group at all: converting
// nothing is almost always a wrong path or a wrong file.
func checkHasGroups(files []*rules.File) rules.ErrorList {
	var errs rules.ErrorList
	total := 0
	for _, f := range files {
		total += len(f.Groups())
	}
	if total > 0 {
		return nil
	}
	for _, f := range files {
		errs = append(errs, &rules.Error{File: f.Path, Pos: rules.Pos{Line: 1, Col: 1}, Msg: "no rule group in this file"})
	}
	return errs
}

// uniqueGroups reports groups whose name another group already has: a rule
// file and a PrometheusRule both need unique group names.
func uniqueGroups(files []*rules.File, docs func(*rules.File) []*rules.Document) ([]*rules.Group, rules.ErrorList) {
	var groups []*rules.Group
	var errs rules.ErrorList
	first := map[string]string{}
	for _, f := range files {
		for _, d := range docs(f) {
			for _, g := range d.Groups {
				if where, dup := first[g.Name.Value]; dup {
					errs = append(errs, &rules.Error{File: f.Path, Pos: g.Name.Pos,
						Msg: fmt.Sprintf("group %q is already defined at %s; the output needs unique group names", g.Name.Value, where)})
					continue
				}
				first[g.Name.Value] = fmt.Sprintf("%s:%s", f.Path, g.Name.Pos)
				groups = append(groups, g)
			}
		}
	}
	return groups, errs
}

func allDocs(f *rules.File) []*rules.Document { return f.Docs }

func convertToRules(out *bytes.Buffer, files []*rules.File, o *convertOptions, warnings *rules.ErrorList) (rules.ErrorList, error) {
	groups, errs := uniqueGroups(files, allDocs)
	if len(errs) > 0 {
		return errs, nil
	}
	if !o.Thanos {
		for _, f := range files {
			for _, g := range f.Groups() {
				if g.PartialResponseStrategy.Value != "" {
					*warnings = append(*warnings, &rules.Error{File: f.Path, Pos: g.PartialResponseStrategy.KeyPos,
						Msg: fmt.Sprintf("group %q: partial_response_strategy dropped: Prometheus rule files do not allow it (--thanos keeps it for Thanos Ruler)", g.Name.Value)})
				}
			}
		}
	}
	return nil, rules.WriteRuleFile(out, groups, rules.WriteOptions{Encoding: rules.Encoding(o.Encoding), Thanos: o.Thanos})
}

func convertToPrometheusRule(out *bytes.Buffer, files []*rules.File, o *convertOptions) (rules.ErrorList, error) {
	labels, _ := parseKeyValues("--label", o.Labels, true)
	annotations, _ := parseKeyValues("--annotation", o.Annotations, false)
	var prs []*monitoringv1.PrometheusRule
	var errs rules.ErrorList
	if o.Name != "" {
		groups, dupErrs := uniqueGroups(files, allDocs)
		if len(dupErrs) > 0 {
			return dupErrs, nil
		}
		meta := rules.ObjectMeta{Name: o.Name, Namespace: o.Namespace}
		// A single PrometheusRule keeps its own metadata under the flags.
		if docs := allPrometheusRuleDocs(files); len(docs) == 1 && len(files) == 1 && len(files[0].Docs) == 1 {
			meta = docMeta(docs[0], "")
			meta.Name = o.Name
			if o.Namespace != "" {
				meta.Namespace = o.Namespace
			}
		}
		meta.Labels = merge(meta.Labels, labels)
		meta.Annotations = merge(meta.Annotations, annotations)
		prs = append(prs, rules.PrometheusRule(meta, groups))
	} else {
		names := map[string]string{}
		for _, f := range files {
			for _, d := range f.Docs {
				meta := docMeta(d, defaultName(f.Path, d))
				if o.Namespace != "" {
					meta.Namespace = o.Namespace
				}
				meta.Labels = merge(meta.Labels, labels)
				meta.Annotations = merge(meta.Annotations, annotations)
				key := meta.Namespace + "/" + meta.Name
				where := fmt.Sprintf("%s:%s", f.Path, d.Pos)
				if first, dup := names[key]; dup {
					errs = append(errs, &rules.Error{File: f.Path, Pos: d.Pos,
						Msg: fmt.Sprintf("PrometheusRule %s would be written twice (also from %s); use --name to merge, or rename the file", key, first)})
					continue
				}
				names[key] = where
				if errs := validation.IsDNS1123Subdomain(meta.Name); len(errs) > 0 {
					return rules.ErrorList{{File: f.Path, Pos: d.Pos,
						Msg: fmt.Sprintf("%q is not a valid PrometheusRule name (%s); use --name", meta.Name, strings.Join(errs, "; "))}}, nil
				}
				prs = append(prs, rules.PrometheusRule(meta, d.Groups))
			}
		}
	}
	if len(errs) > 0 {
		return errs, nil
	}
	return nil, rules.WritePrometheusRules(out, prs, rules.Encoding(o.Encoding))
}

func allPrometheusRuleDocs(files []*rules.File) []*rules.Document {
	var docs []*rules.Document
	for _, f := range files {
		for _, d := range f.Docs {
			if d.Kind == rules.KindPrometheusRule {
				docs = append(docs, d)
			}
		}
	}
	return docs
}

func docMeta(d *rules.Document, fallbackName string) rules.ObjectMeta {
	if d.Meta == nil {
		return rules.ObjectMeta{Name: fallbackName}
	}
	m := rules.ObjectMeta{
		Name:        d.Meta.Name.Value,
		Namespace:   d.Meta.Namespace.Value,
		Labels:      d.Meta.Labels.Strings(),
		Annotations: d.Meta.Annotations.Strings(),
	}
	if m.Name == "" {
		m.Name = fallbackName
	}
	return m
}

var nameInvalid = regexp.MustCompile(`[^a-z0-9.-]+`)

// defaultName derives a Kubernetes name from a file name: lower case, other
// characters turned into dashes; the document number is added when a file
// has several.
func defaultName(path string, d *rules.Document) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name := strings.Trim(nameInvalid.ReplaceAllString(strings.ToLower(base), "-"), "-.")
	if d.Index > 0 {
		name = fmt.Sprintf("%s-%d", name, d.Index+1)
	}
	return name
}

func merge(base, over map[string]string) map[string]string {
	if len(base) == 0 && len(over) == 0 {
		return nil
	}
	out := make(map[string]string, len(base)+len(over))
	maps.Copy(out, base)
	maps.Copy(out, over)
	return out
}

// validateName checks a --name for a PrometheusRule; empty is fine.
func validateName(name string) error {
	if name == "" {
		return nil
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return usagef("--name %q is not a valid Kubernetes name: %s", name, strings.Join(errs, "; "))
	}
	return nil
}
