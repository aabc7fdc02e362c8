package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestExamplesIndented checks every command's examples as help shows them:
// there are some, and each line is blank or indented by two spaces.
func TestExamplesIndented(t *testing.T) {
	root := NewRootCmd(Streams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Name() != "help" {
			if c.Example == "" {
				t.Errorf("%s: no examples", c.CommandPath())
			}
			for _, line := range strings.Split(c.Example, "\n") {
				if line != "" && !strings.HasPrefix(line, "  ") {
					t.Errorf("%s: example line %q is not indented by two spaces", c.CommandPath(), line)
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
