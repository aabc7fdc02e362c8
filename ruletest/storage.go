package ruletest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunks"
)

// series is where a test group's series live: its input, appended up to a
// time, and what its rules write. promqltest's LazyLoader is one (promtool
// uses it); store is oomguard's own.
type seriesStore interface {
	WithSamplesTill(ts time.Time, fn func(error))
	Storage() storage.Storage
	Queryable() storage.Queryable
	QueryEngine() *promql.Engine
	Context() context.Context
	Close() error
}

// store holds a test group's series as promqltest's LazyLoader does, in a
// TSDB of the same options, without what a test never uses and costs at
// every group: a write-ahead log on disk, an exemplar buffer of 100,000
// entries allocated up front, stripes and a chunk write buffer (4 MiB)
// sized for a server. With wide set, the TSDB takes samples over
// the whole span of the test in any order of time across series, as the
// passes append them (see passes); the LazyLoader's refuses samples older
// than 12 hours behind its newest, which step-by-step evaluation never
// appends.
type store struct {
	db     *tsdb.DB
	dir    string
	engine *promql.Engine
	ctx    context.Context
	cancel context.CancelFunc
	// input is the input series, each with its samples in time order;
	// next the first sample of each not appended yet.
	input []inputSeries
	next  []cursor
}

// inputSeries is an input series as the notation gave it: the runs of
// values it writes, each at its index (its step from start). Blanks are
// not held: `_x100000` between two values costs what `_` does, so a test
// that samples a few minutes before each daily evaluation over a year
// holds those samples, not half a million blanks (24 bytes a value held,
// not a sample's 56).
type inputSeries struct {
	labels     labels.Labels
	start, gap int64 // nanoseconds
	runs       []valueRun
}

// valueRun is values written one after another, the first at index first.
type valueRun struct {
	first  int64
	values []parser.SequenceValue
}

// cursor is the next value of a series to append: its run and place.
type cursor struct{ run, pos int }

// at returns the time of the value at index i in milliseconds, as
// promqltest makes it.
func (in *inputSeries) at(i int64) int64 { return (in.start + i*in.gap) / int64(time.Millisecond) }

// wideBlock is a block duration longer than any test: the head takes
// samples this far (halved) behind its newest.
const wideBlock = int64(1) << 50

// seriesParser parses input series as promqltest does.
var seriesParser = parser.NewParser(promqltest.TestParserOpts)

// parseInput reads a test group's input series as promqltest's load
// command does: start time, then one sample every interval, _ skipped. A
// series given twice is an error unless compat, where the last one counts,
// as in promtool. It returns false when promqltest would refuse the input:
// the LazyLoader then runs, for promtool's message, if the parser's
// expansion of its blanks stays within limit (the input samples a group
// may have); past it, the message is oomguard's.
func parseInput(tg testGroup, compat bool, limit int) ([]inputSeries, string, bool) {
	start := tg.StartTimestamp.Time
	if start.IsZero() {
		start = time.Unix(0, 0).UTC()
	}
	gap := time.Duration(tg.Interval)
	var out []inputSeries
	index := map[string]int{}
	entry := map[string]int{}
	for i, s := range tg.InputSeries {
		line := s.Series + " " + s.Values
		// The load command is line-based: what it would read otherwise
		// is left to it.
		if strings.ContainsAny(line, "\n\r#") || strings.TrimSpace(s.Series) == "" || tg.Interval <= 0 {
			return nil, "", false
		}
		if first, _, _ := strings.Cut(strings.TrimSpace(line), " "); strings.HasSuffix(first, "@st") {
			return nil, "", false // a start-time line, to promqltest
		}
		lbls, written, err := seriesParser.ParseSeriesDesc(strings.TrimSpace(s.Series))
		if err != nil || len(written) > 0 {
			return nil, "", false // values in the series' name: to promqltest
		}
		runs, err := parseValues(s.Values)
		if err != nil {
			if seriesSamples(s.Values, true) <= uint64(limit) {
				return nil, "", false
			}
			return nil, fmt.Sprintf("input_series: %s: %v", seriesString(lbls), err), true
		}
		in := inputSeries{labels: lbls, start: start.UnixNano(), gap: int64(gap), runs: runs}
		if len(runs) > 0 {
			last := &runs[len(runs)-1]
			if end := last.first + int64(len(last.values)) - 1; end > (math.MaxInt64-in.start)/in.gap {
				return nil, fmt.Sprintf("input_series: %s has a value past the latest time a sample can have (%s)", seriesString(lbls), time.Unix(0, math.MaxInt64).UTC().Format(time.RFC3339)), true
			}
		}
		key := lbls.String()
		if j, dup := index[key]; dup {
			if !compat {
				return nil, fmt.Sprintf("input_series: %s is fed twice, by entries %d and %d; promtool keeps the last one and drops the other in silence (--compat does the same)", seriesString(lbls), entry[key], i), true
			}
			out[j] = in
			entry[key] = i
			continue
		}
		index[key] = len(out)
		entry[key] = i
		out = append(out, in)
	}
	return out, "", true
}

// openStore makes a group's storage for the input. wide makes the TSDB
// take samples anywhere in the test's span (see store).
func openStore(input []inputSeries, engine *promql.Engine, wide bool) (*store, error) {
	opts := tsdb.DefaultOptions()
	opts.MinBlockDuration = int64(24 * time.Hour / time.Millisecond)
	opts.MaxBlockDuration = opts.MinBlockDuration
	if wide {
		opts.MinBlockDuration, opts.MaxBlockDuration = wideBlock, wideBlock
	}
	opts.RetentionDuration = 0
	opts.OutOfOrderTimeWindow = 0
	opts.WALSegmentSize = -1
	opts.NoLockfile = true
	// A test has a few series: the default stripes (16,384 maps and locks)
	// took more time to allocate than most groups take to run.
	opts.StripeSize = 256
	opts.HeadChunksWriteBufferSize = chunks.MinWriteBufferSize
	dir, err := os.MkdirTemp("", "oomguard-test-")
	if err != nil {
		return nil, fmt.Errorf("opening test storage: %w", err)
	}
	db, err := tsdb.Open(dir, nopLogger, nil, opts, nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("opening test storage: %w", err)
	}
	s := &store{db: db, dir: dir, engine: engine, input: input, next: make([]cursor, len(input))}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// WithSamplesTill appends the input samples up to ts, and calls fn with
// the error, if any.
func (s *store) WithSamplesTill(ts time.Time, fn func(error)) {
	fn(s.appendTill(ts.UnixNano() / int64(time.Millisecond)))
}

// appendBatch is the most samples appended before a commit: an appender
// holds its samples until then.
const appendBatch = 100_000

func (s *store) appendTill(t int64) error {
	app := s.db.AppenderV2(s.ctx)
	pending := 0
	for i := range s.input {
		in, c := &s.input[i], &s.next[i]
		for c.run < len(in.runs) {
			r := &in.runs[c.run]
			for ; c.pos < len(r.values); c.pos++ {
				at := in.at(r.first + int64(c.pos))
				if at > t {
					break
				}
				v := r.values[c.pos]
				if v.Omitted {
					continue
				}
				var err error
				if v.Histogram != nil {
					_, err = app.Append(0, in.labels, 0, at, 0, nil, v.Histogram, storage.AppendV2Options{})
				} else {
					_, err = app.Append(0, in.labels, 0, at, v.Value, nil, nil, storage.AppendV2Options{})
				}
				if err != nil {
					_ = app.Rollback()
					return err
				}
				if pending++; pending == appendBatch {
					if err := app.Commit(); err != nil {
						return err
					}
					app, pending = s.db.AppenderV2(s.ctx), 0
				}
			}
			if c.pos < len(r.values) {
				break
			}
			// All in the storage: the values can go.
			r.values = nil
			c.run, c.pos = c.run+1, 0
		}
	}
	return app.Commit()
}

func (s *store) Storage() storage.Storage     { return s.db }
func (s *store) Queryable() storage.Queryable { return s.db }
func (s *store) QueryEngine() *promql.Engine  { return s.engine }
func (s *store) Context() context.Context     { return s.ctx }

func (s *store) Close() error {
	s.cancel()
	err := s.db.Close()
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}

// testEngine is an engine as promqltest's LazyLoader makes for a test: its
// timeout and features, subqueries without a step at the evaluation
// interval; with the sample limit given (promqltest's for instant queries),
// and per-step statistics for range queries.
func testEngine(c *config, interval time.Duration, limit int, perStep bool) *promql.Engine {
	return promql.NewEngine(promql.EngineOpts{
		MaxSamples:               limit,
		EnablePerStepStats:       perStep,
		Timeout:                  100 * time.Second,
		NoStepSubqueryIntervalFn: func(int64) int64 { return interval.Milliseconds() },
		EnableAtModifier:         true,
		EnableNegativeOffset:     true,
		EnableDelayedNameRemoval: c.delayedNameRem,
		Parser:                   c.engineParser,
	})
}

// parseValues reads the values of a series in the notation as the series
// parser does, a run of written values at a time: a blank (_ or _xN) only
// moves the index.
func parseValues(values string) ([]valueRun, error) {
	var runs []valueRun
	var index int64
	var pending []string
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		text := strings.Join(pending, " ")
		pending = pending[:0]
		_, vals, err := seriesParser.ParseSeriesDesc("{} " + text)
		if err != nil {
			return fmt.Errorf("%q does not parse: %w", text, err)
		}
		if int64(len(vals)) > math.MaxInt64-index {
			return errTooFar
		}
		runs = append(runs, valueRun{first: index, values: vals})
		index += int64(len(vals))
		return nil
	}
	for _, item := range seriesItems(values) {
		n, blank := blankCount(item)
		if !blank {
			pending = append(pending, item)
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		if n > uint64(math.MaxInt64-index) {
			return nil, errTooFar
		}
		index += int64(n)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return runs, nil
}

var errTooFar = errors.New("more values than a series can have")

// seriesItems splits values of the series notation into its items: what
// the spaces outside a histogram's {{ }} separate.
func seriesItems(values string) []string {
	var items []string
	depth, from := 0, -1
	for i := 0; i < len(values); i++ {
		switch c := values[i]; {
		case c == '{' && i+1 < len(values) && values[i+1] == '{':
			depth++
		case c == '}' && depth > 0 && i+1 < len(values) && values[i+1] == '}':
			depth--
		case depth == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			if from >= 0 {
				items = append(items, values[from:i])
				from = -1
			}
			continue
		}
		if from < 0 {
			from = i
		}
	}
	if from >= 0 {
		items = append(items, values[from:])
	}
	return items
}

// blankCount says whether an item is a blank, and how many values it
// leaves out: _ one, _xN N (as the parser reads them; past what a uint64
// holds, the most it holds).
func blankCount(item string) (uint64, bool) {
	if item == "_" {
		return 1, true
	}
	digits, ok := strings.CutPrefix(item, "_x")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		n = math.MaxUint64
	}
	return n, true
}
