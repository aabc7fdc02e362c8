package cli

import (
	"github.com/spf13/pflag"

	"github.com/oomguard/oomguard/rules"
)

// loaderLimits are the loader's bounds, flags of every command that reads
// rule files: the size of every file read, the operators and nesting of an
// expression, what YAML aliases may add to a document. Each message of a
// limit reached names its flag.
type loaderLimits struct {
	fileSize      string
	exprOperators int
	exprNesting   int
	aliasNodes    int64
	aliasBytes    string
}

func addLoaderFlags(f *pflag.FlagSet, l *loaderLimits) {
	f.StringVar(&l.fileSize, "max-file-size", "16Mi", "the largest file read: rule files, tests, configs, baselines, jsonnet imports (a Kubernetes quantity: 16Mi, 64Mi)")
	f.IntVar(&l.exprOperators, "max-expr-operators", rules.DefaultMaxExprOperators, "the most operators an expression may hold")
	f.IntVar(&l.exprNesting, "max-expr-nesting", rules.DefaultMaxExprNesting, "the deepest parentheses, brackets and braces may nest in an expression")
	f.Int64Var(&l.aliasNodes, "max-alias-nodes", rules.DefaultMaxAliasNodes, "the most nodes YAML aliases may add to a document that holds fewer itself")
	f.StringVar(&l.aliasBytes, "max-alias-bytes", "4Mi", "the most text YAML aliases may add to a document that holds less itself (a Kubernetes quantity)")
}

// options returns the loader's options with the limits, or a usage error.
func (l *loaderLimits) options() (rules.Options, error) {
	size, err := parseMemory("--max-file-size", l.fileSize)
	if err != nil {
		return rules.Options{}, err
	}
	aliasBytes, err := parseMemory("--max-alias-bytes", l.aliasBytes)
	if err != nil {
		return rules.Options{}, err
	}
	switch {
	case l.exprOperators < 1:
		return rules.Options{}, usagef("--max-expr-operators %d: give a whole number above 0", l.exprOperators)
	case l.exprNesting < 1:
		return rules.Options{}, usagef("--max-expr-nesting %d: give a whole number above 0", l.exprNesting)
	case l.aliasNodes < 1:
		return rules.Options{}, usagef("--max-alias-nodes %d: give a whole number above 0", l.aliasNodes)
	}
	return rules.Options{
		MaxFileSize:      size,
		MaxExprOperators: l.exprOperators,
		MaxExprNesting:   l.exprNesting,
		MaxAliasNodes:    l.aliasNodes,
		MaxAliasBytes:    aliasBytes,
	}, nil
}
