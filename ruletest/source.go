package ruletest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"

	"github.com/oomguard/oomguard/rules"
)

// source is where a run reads its test files and the rule files they name:
// the disk, by the paths the user gave, or an fs.FS, by its own names.
// Messages name files as the source names them, so a file on disk is
// always reported at its real path.
type source interface {
	// read returns a file's contents; a file over the size limit is an
	// error positioned at its first line.
	read(name string, opts rules.Options) ([]byte, error)
	// ruleFiles expands a rule_files pattern of the test file name: a
	// relative pattern is relative to the test file's directory. It returns
	// the pattern as expanded, for messages, and the files it matches.
	ruleFiles(testFile, pattern string) (string, []string, error)
}

// disk reads files by their operating-system paths, and "-" from stdin.
type disk struct{ stdin io.Reader }

func (d disk) read(name string, opts rules.Options) ([]byte, error) {
	_, data, err := rules.ReadFile(name, d.stdin, opts)
	return data, err
}

func (disk) ruleFiles(testFile, pattern string) (string, []string, error) {
	if pattern != "" && !filepath.IsAbs(pattern) {
		pattern = filepath.Join(filepath.Dir(testFile), pattern)
	}
	m, err := filepath.Glob(pattern)
	return pattern, m, err
}

// fsSource reads files from an fs.FS by their slash-separated names.
type fsSource struct{ fsys fs.FS }

func (s fsSource) read(name string, opts rules.Options) ([]byte, error) {
	max := opts.MaxFileSize
	if max <= 0 {
		max = rules.DefaultMaxFileSize
	}
	f, err := s.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("not a regular file")}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if int64(len(data)) > max {
		return nil, &rules.Error{File: name, Pos: rules.Pos{Line: 1, Col: 1},
			Msg: fmt.Sprintf("file is more than the limit of %d bytes", max)}
	}
	return data, nil
}

func (s fsSource) ruleFiles(testFile, pattern string) (string, []string, error) {
	if pattern == "" {
		return pattern, nil, nil
	}
	if path.IsAbs(pattern) {
		return pattern, nil, fmt.Errorf("%s: an absolute path cannot name a file of this file system", pattern)
	}
	pattern = path.Join(path.Dir(testFile), pattern)
	m, err := fs.Glob(s.fsys, pattern)
	return pattern, m, err
}
