package generate

import (
	"errors"
	"io"

	"github.com/oomguard/oomguard/ruletest"
)

func asInvalid(err error, target **InvalidError) bool { return errors.As(err, target) }

func writeReport(w io.Writer, ie *InvalidError) error { return ruletest.WriteText(w, ie.Report, false) }
