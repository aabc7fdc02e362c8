package rules

import (
	"fmt"

	"github.com/oomguard/oomguard/internal/limit"
)

// Limits of an expression, checked before it is parsed. Prometheus's
// parser works out the type of every node by walking the nodes below it,
// so its cost grows with the square of how deep an expression goes: an
// expression of 8,000 operators (a + a + ...) or parentheses takes half a
// second, of 100,000 minutes. Real rules stay far below the limits: over
// 11,732 expressions of public rule sets (kube-prometheus, OpenShift's
// cluster monitoring, Thanos, Prometheus's own, awesome-prometheus-alerts),
// at most 13 operators in an expression and trees 14 deep.
const (
	// DefaultMaxExprOperators is the most binary and unary operators an
	// expression may hold.
	DefaultMaxExprOperators = 256
	// DefaultMaxExprNesting is the deepest parentheses, brackets and
	// braces may nest in an expression.
	DefaultMaxExprNesting = 128
)

func (o Options) maxExprOperators() int { return limit.Or(o.MaxExprOperators, DefaultMaxExprOperators) }

func (o Options) maxExprNesting() int { return limit.Or(o.MaxExprNesting, DefaultMaxExprNesting) }

// exprTooComplex scans a PromQL expression, without parsing it, for more
// operators or deeper nesting than the limits allow. It returns the byte
// offset where the expression goes over and what it goes over, or ok.
// Operators are counted outside string literals, comments and label
// matchers; a minus in a number (1e-5) counts too, which only ever counts
// more, never less.
func exprTooComplex(expr string, maxOps, maxNesting int) (off int, msg string, ok bool) {
	ops, depth, braces := 0, 0, 0
	op := func(at int) bool {
		ops++
		if ops > maxOps {
			off, msg = at, fmt.Sprintf("expression has more than %d operators: split it into recording rules (or raise --max-expr-operators)", maxOps)
			return true
		}
		return false
	}
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			// A string literal: to its closing quote, past escapes
			// (none in backquotes).
			for i++; i < len(expr) && expr[i] != c; i++ {
				if expr[i] == '\\' && c != '`' {
					i++
				}
			}
		case c == '#':
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
		case c == '(' || c == '[' || c == '{':
			depth++
			if c == '{' {
				braces++
			}
			if depth > maxNesting {
				return i, fmt.Sprintf("expression nests more than %d levels deep: split it into recording rules (or raise --max-expr-nesting)", maxNesting), false
			}
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
			if c == '}' && braces > 0 {
				braces--
			}
		case braces > 0:
			// Label matchers: =, !=, =~ and !~ are not operators.
		case c == '+' || c == '-' || c == '*' || c == '/' || c == '%' || c == '^':
			if op(i) {
				return off, msg, false
			}
		case c == '=' || c == '!' || c == '<' || c == '>':
			if i+1 < len(expr) && expr[i+1] == '=' {
				i++
			}
			if op(i) {
				return off, msg, false
			}
		case isWordStart(c) && (i == 0 || !isWordByte(expr[i-1])):
			j := i
			for j < len(expr) && isWordByte(expr[j]) {
				j++
			}
			switch expr[i:j] {
			case "and", "or", "unless", "atan2":
				if op(i) {
					return off, msg, false
				}
			}
			i = j - 1
		}
	}
	return 0, "", true
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isWordByte(c byte) bool {
	return isWordStart(c) || c >= '0' && c <= '9' || c == ':'
}
