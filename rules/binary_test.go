package rules

import (
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// TestBinaryScalars checks that !!binary values are read as Prometheus
// reads them: decoded from base64, in keys and values alike.
func TestBinaryScalars(t *testing.T) {
	// "dXAgPT0gMA==" is "up == 0"; "c2V2ZXJpdHk=" is "severity";
	// "Y3JpdGljYWw=" is "critical"; "NW0=" is "5m".
	src := `groups:
  - name: g
    rules:
      - alert: Down
        expr: !!binary dXAgPT0gMA==
        for: !!binary NW0=
        labels:
          !!binary c2V2ZXJpdHk=: !!binary |
            Y3JpdGljYWw=
`
	f, errs := Parse("b.yaml", []byte(src), Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	theirs, perrs := rulefmt.Parse([]byte(src), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if len(perrs) > 0 {
		t.Fatal(perrs)
	}
	want := theirs.Groups[0].Rules[0]
	r := f.Groups()[0].Rules[0]
	if r.Expr.Value != want.Expr || r.Expr.Value != "up == 0" {
		t.Errorf("expr %q, rulefmt %q", r.Expr.Value, want.Expr)
	}
	if r.For.D != want.For {
		t.Errorf("for %v, rulefmt %v", r.For.D, want.For)
	}
	if got := r.Labels.Strings(); len(got) != 1 || got["severity"] != want.Labels["severity"] || got["severity"] != "critical" {
		t.Errorf("labels %v, rulefmt %v", got, want.Labels)
	}
	// The decoded text is not in the file: positions inside it fall back
	// to the value's start, and it cannot be edited in place.
	if p := f.PosAt(r.Expr, 3); p != r.Expr.Pos {
		t.Errorf("PosAt inside a !!binary value: %v, want the value's start %v", p, r.Expr.Pos)
	}
	if _, _, _, ok := f.SourceEdit(r.Expr, 0, 2, "down"); ok {
		t.Error("SourceEdit made an edit inside a !!binary value")
	}

	_, errs = Parse("b.yaml", []byte("groups:\n  - name: !!binary '%%%'\n    rules: []\n"), Options{})
	if len(errs) == 0 || errs[0].Msg != "!!binary value contains invalid base64 data" || errs[0].Pos != (Pos{Line: 2, Col: 11}) {
		t.Errorf("invalid base64: %v", errs)
	}
}
