package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
)

// Progress modes, the values of --progress.
var progressModes = []string{"auto", "always", "never"}

// progressDelayEnv sets how long a command works before its progress line
// shows (a Go duration; default progressDelay). It is for tests, which need
// the line at once rather than after a second; users have --progress.
const progressDelayEnv = "OOMGUARD_PROGRESS_DELAY"

const (
	// progressDelay: work shorter than this shows no line at all.
	progressDelay = time.Second
	// progressEvery: the line is drawn at most about this often (ten
	// times a second), however fast the counts change.
	progressEvery = 100 * time.Millisecond
)

// addProgressFlag adds --progress to a command.
func addProgressFlag(cmd *cobra.Command, mode *string) {
	cmd.Flags().StringVar(mode, "progress", "auto", "a progress line on standard error for work over a second: auto (when standard error is a terminal, not in CI or with TERM=dumb), always or never")
	_ = cmd.RegisterFlagCompletionFunc("progress", cobra.FixedCompletions(progressModes, cobra.ShellCompDirectiveNoFileComp))
}

func checkProgressMode(mode string) error {
	if !slices.Contains(progressModes, mode) {
		return usagef("--progress %q: use auto, always or never", mode)
	}
	return nil
}

// progress is the line on standard error that says how far long work has
// got: what is done of how much, and an estimate of the time left. It shows
// only once the work has taken progressDelay, is redrawn in place (a
// carriage return, no escape sequences) at most every progressEvery, and
// is wiped before anything else is written to standard error and when the
// work ends, so that a command prints the same with or without it. A nil
// *progress does nothing.
type progress struct {
	w      io.Writer
	prefix string // "oomguard lint"
	unit   string // what is counted: "file"
	// phase says what happens before there is a count; finishing what
	// happens once everything counted is done.
	phase, finishing string
	delay            time.Duration
	width            int // of the terminal, 0 when unknown

	mu          sync.Mutex
	start       time.Time
	done, total int
	detail      string // after the count: ", 4210 rules"
	// The estimate: the rate since rateStart, when rateDone were done.
	rateStart time.Time
	rateDone  int
	drawn     int // characters of the line on the screen, 0 when none
	lastDraw  time.Time
	stopped   bool
	quit      chan struct{}
	ticker    sync.WaitGroup
}

// startProgress starts a progress line on errOut, or returns nil when the
// mode and errOut say there is none: with auto, errOut must be a terminal,
// CI must not be set (as CI services set it) and TERM must not be dumb.
func startProgress(errOut io.Writer, mode, prefix, unit, phase, finishing string) *progress {
	width := 0
	switch mode {
	case "never":
		return nil
	case "auto":
		f, ok := errOut.(*os.File)
		if !ok || !isTTY(f) || inCI() || os.Getenv("TERM") == "dumb" {
			return nil
		}
		width = termWidth(f)
	}
	delay := progressDelay
	if d, err := time.ParseDuration(os.Getenv(progressDelayEnv)); err == nil && d >= 0 {
		delay = d
	}
	now := time.Now()
	p := &progress{w: errOut, prefix: prefix, unit: unit, phase: phase, finishing: finishing,
		delay: delay, width: width, start: now, rateStart: now, quit: make(chan struct{})}
	// The ticker shows the line once the delay is over, and keeps the
	// estimate current while no count changes.
	p.ticker.Go(func() {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case now := <-t.C:
				p.mu.Lock()
				// A tick a little early after a drawing by set still
				// waits for the next.
				if now.Sub(p.lastDraw) >= progressEvery*9/10 {
					p.draw(now)
				}
				p.mu.Unlock()
			}
		}
	})
	return p
}

// inCI reports whether CI says the command runs in a CI service.
func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "false" && v != "0"
}

// set records that done of total are done (total 0: not known yet), with
// detail written after the count.
func (p *progress) set(done, total int, detail string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if total != p.total || done < p.done {
		// A count that starts (or starts again, as a round of lint
		// --fix does): the rate is of this count alone.
		p.rateStart, p.rateDone = now, done
	}
	p.done, p.total, p.detail = done, total, detail
	if now.Sub(p.lastDraw) >= progressEvery {
		p.draw(now)
	}
}

// line is the text of the progress line at now.
func (p *progress) line(now time.Time) string {
	var b strings.Builder
	b.WriteString(p.prefix)
	b.WriteString(": ")
	switch {
	case p.total > 0:
		fmt.Fprintf(&b, "%d/%s%s", p.done, plural(p.total, p.unit), p.detail)
		switch {
		case p.done >= p.total:
			if p.finishing != "" {
				b.WriteString(", " + p.finishing)
			}
		case p.done > p.rateDone:
			per := now.Sub(p.rateStart) / time.Duration(p.done-p.rateDone)
			b.WriteString(", about " + roughly(per*time.Duration(p.total-p.done)) + " left")
		}
	case p.done > 0:
		fmt.Fprintf(&b, "%s%s", plural(p.done, p.unit), p.detail)
	default:
		b.WriteString(p.phase)
	}
	return b.String()
}

// roughly writes d as whole seconds, rounded up, and minutes past a minute.
func roughly(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	if s < 60 {
		return fmt.Sprintf("%ds", max(s, 1))
	}
	return fmt.Sprintf("%dm%02ds", s/60, s%60)
}

// draw writes the line over the one on the screen, once the delay is over.
func (p *progress) draw(now time.Time) {
	if p.stopped || now.Sub(p.start) < p.delay {
		return
	}
	l := p.line(now)
	if p.width > 1 && len(l) > p.width-1 {
		// A line wider than the terminal would wrap, and the carriage
		// return would go back to the start of its last row only.
		l = l[:p.width-1]
	}
	pad := max(p.drawn-len(l), 0)
	fmt.Fprintf(p.w, "\r%s%s", l, strings.Repeat(" ", pad))
	if pad > 0 {
		fmt.Fprintf(p.w, "\r%s", l)
	}
	p.drawn = len(l)
	p.lastDraw = now
}

// clear wipes the line from the screen.
func (p *progress) clear() {
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.drawn))
		p.drawn = 0
	}
}

// stop wipes the line, for good.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	p.clear()
	p.mu.Unlock()
	close(p.quit)
	p.ticker.Wait()
}

// errOut returns the stream the line is on (w when there is no line), for
// messages written while the work goes on: each wipes the line first, and
// the line comes back below it at its next drawing.
func (p *progress) errOut(w io.Writer) io.Writer {
	if p == nil {
		return w
	}
	return progressWriter{p}
}

type progressWriter struct{ p *progress }

func (pw progressWriter) Write(b []byte) (int, error) {
	pw.p.mu.Lock()
	defer pw.p.mu.Unlock()
	pw.p.clear()
	return pw.p.w.Write(b)
}
