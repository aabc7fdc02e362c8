// Package kubectl reads PrometheusRule manifests as kubectl reads and sends
// them: kubectl splits a stream at lines starting with "---" and reads each
// part with YAML 1.1 rules (sigs.k8s.io/yaml), where the rules loader reads
// YAML 1.2. The two differ on purpose-made traps such as `severity: yes`,
// which kubectl sends as the boolean true. The manifest checks see what the
// API server would be sent, and find the field an API server error names
// in the file.
package kubectl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	// yaml.v3, as the rules loader: v4 holds every token of a flow
	// collection (a List in JSON) in memory until it ends.
	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/oomguard/oomguard/lint/engine"
	"github.com/oomguard/oomguard/rules"
)

// Doc is one document of a file as kubectl reads it.
type Doc struct {
	// first and last are the lines of the file the document spans.
	first, last int
	text        []byte
	// read is what is worked out of the text once, for every item of a
	// List and every error located in it: done again for each, a List of
	// n items cost n times its whole text.
	read *docRead
}

type docRead struct {
	jsonOnce sync.Once
	json     []byte
	items    []json.RawMessage
	// isJSON: the text is a JSON object, read as JSON (JSON).
	isJSON  bool
	jsonErr error

	nodeOnce sync.Once
	node     *yaml.Node
}

// Docs splits src as kubectl's YAML reader does.
func Docs(src []byte) []Doc {
	var docs []Doc
	cur := Doc{first: 1}
	var buf bytes.Buffer
	line := 0
	flush := func(last int) {
		if buf.Len() > 0 {
			cur.last = last
			cur.text = bytes.Clone(buf.Bytes())
			cur.read = &docRead{}
			docs = append(docs, cur)
		}
		buf.Reset()
	}
	for len(src) > 0 {
		line++
		n := bytes.IndexByte(src, '\n') + 1
		if n == 0 {
			n = len(src)
		}
		l := src[:n]
		src = src[n:]
		if rest, ok := bytes.CutPrefix(l, []byte("---")); ok {
			if t := bytes.TrimSpace(rest); len(t) == 0 || t[0] == '#' {
				flush(line - 1)
				cur = Doc{first: line + 1}
				continue
			}
		}
		buf.Write(l)
	}
	flush(line)
	return docs
}

// DocAt returns the kubectl document holding line n; docs are in the order
// of the file.
func DocAt(docs []Doc, n int) (Doc, bool) {
	i := sort.Search(len(docs), func(i int) bool { return docs[i].last >= n })
	if i < len(docs) && docs[i].first <= n {
		return docs[i], true
	}
	return Doc{}, false
}

// JSON returns the JSON kubectl sends for the document, or for item
// item of a List when item >= 0.
//
// A document written in JSON (kubectl get -o json, jq -c) is read as
// JSON, as kubectl's decoder reads it, and each item is re-encoded alone
// when asked for: converting the whole text through the YAML reader, which
// gives the same bytes, kept every token of the document in memory (half
// the peak of linting a 15 MB List on one line).
func (k Doc) JSON(item int) ([]byte, error) {
	r := k.read
	r.jsonOnce.Do(func() {
		if r.isJSON = isJSONObject(k.text); r.isJSON {
			var list struct {
				Items []json.RawMessage `json:"items"`
			}
			if json.Unmarshal(k.text, &list) == nil {
				r.items = list.Items
			}
			return
		}
		r.json, r.jsonErr = sigsyaml.YAMLToJSON(k.text)
		if r.jsonErr != nil {
			return
		}
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		// Not a List, or not an object: items are asked of Lists only.
		if json.Unmarshal(r.json, &list) == nil {
			r.items = list.Items
		}
	})
	if r.jsonErr != nil {
		return nil, r.jsonErr
	}
	if item < 0 {
		if r.isJSON {
			return reencode(k.text)
		}
		return r.json, nil
	}
	if item >= len(r.items) {
		return nil, fmt.Errorf("list has %d items", len(r.items))
	}
	if r.isJSON {
		return reencode(r.items[item])
	}
	return r.items[item], nil
}

// isJSONObject reports whether text is one JSON object.
func isJSONObject(text []byte) bool {
	t := bytes.TrimLeft(text, " \t\r\n")
	return len(t) > 0 && t[0] == '{' && json.Valid(text)
}

// reencode is the JSON of a value as the YAML conversion writes it:
// decoded and encoded again, keys sorted, <, > and & escaped.
func reencode(data []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// locate returns the position in the file of the field an apiserver error
// path names (spec.groups[0].rules[1].for, metadata.labels[a.b/c]), or of
// the deepest part of it the document has, with item >= 0 for an item of
// a List. It returns false when not even the document can be read.
func (k Doc) Locate(item int, path string) (rules.Pos, bool) {
	r := k.read
	r.nodeOnce.Do(func() {
		var root yaml.Node
		if err := yaml.Unmarshal(k.text, &root); err == nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			r.node = root.Content[0]
		}
	})
	if r.node == nil {
		return rules.Pos{}, false
	}
	n := deref(r.node)
	if item >= 0 {
		path = "items[" + strconv.Itoa(item) + "]." + path
	}
	at := n
	for hops := 0; path != "" && n != nil && hops < 64; hops++ {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			// Keys may hold dots and brackets (label keys): take the
			// longest key the path starts with.
			best := -1
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := n.Content[i].Value
				rest, ok := strings.CutPrefix(strings.TrimPrefix(path, "["), key)
				if !ok || (strings.HasPrefix(path, "[") && !strings.HasPrefix(rest, "]")) {
					continue
				}
				rest = strings.TrimPrefix(rest, "]")
				if rest != "" && rest[0] != '.' && rest[0] != '[' {
					continue
				}
				if best < 0 || len(key) > len(n.Content[best].Value) {
					best = i
				}
			}
			if best >= 0 {
				key := n.Content[best].Value
				rest, _ := strings.CutPrefix(strings.TrimPrefix(path, "["), key)
				path = strings.TrimPrefix(strings.TrimPrefix(rest, "]"), ".")
				next = deref(n.Content[best+1])
			}
		case yaml.SequenceNode:
			if rest, ok := strings.CutPrefix(path, "["); ok {
				if end := strings.IndexByte(rest, ']'); end > 0 {
					if i, err := strconv.Atoi(rest[:end]); err == nil && i >= 0 && i < len(n.Content) {
						path = strings.TrimPrefix(rest[end+1:], ".")
						next = deref(n.Content[i])
					}
				}
			}
		}
		if next == nil {
			break
		}
		n, at = next, next
	}
	return rules.Pos{Line: k.first - 1 + at.Line, Col: at.Column}, true
}

func deref(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode && hops < 100; hops++ {
		n = n.Alias
	}
	return n
}

// Object is a PrometheusRule document as kubectl sends it.
type Object struct {
	// Doc is the document; JSON what kubectl sends of it, unless Err says
	// why it cannot.
	Doc  Doc
	JSON []byte
	Err  error
}

type docsKey struct{}
type objectKey struct{ line, item int }

// Manifest returns document d of the file as kubectl reads and sends
// it, worked out once per file for all the manifest checks; false when no
// kubectl document holds it.
func Manifest(c *engine.FileContext, d *rules.Document) (Object, bool) {
	docs := c.Memo(docsKey{}, func() any { return Docs(c.File.Source()) }).([]Doc)
	kd, ok := DocAt(docs, d.Pos.Line)
	if !ok {
		return Object{}, false
	}
	o := c.Memo(objectKey{kd.first, d.Item}, func() any {
		j, err := kd.JSON(d.Item)
		return Object{Doc: kd, JSON: j, Err: err}
	}).(Object)
	return o, true
}

// Each calls fn for every PrometheusRule document of the file that
// kubectl can locate, with the document as kubectl reads it.
func Each(c *engine.FileContext, fn func(d *rules.Document, o Object)) {
	for _, d := range c.File.Docs {
		if d.Kind != rules.KindPrometheusRule {
			continue
		}
		if o, ok := Manifest(c, d); ok {
			fn(d, o)
		}
	}
}
