package kubectl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

// TestJSONDocuments: a document written in JSON is read without the YAML
// conversion, and gives the bytes the conversion gives, for the document
// and for each item of a List.
func TestJSONDocuments(t *testing.T) {
	item := func(i int) string {
		return fmt.Sprintf(`{"apiVersion":"monitoring.coreos.com/v1","kind":"PrometheusRule","metadata":{"name":"r%d","labels":{"b":"2","a":"1"},"annotations":{"x":"<&>\u2028é"}},`+
			`"spec":{"groups":[{"name":"g","interval":"1m","limit":%d,"rules":[{"record":"job:up%d:sum","expr":"sum by (job) (up) > 0.5 and up < 1e3","labels":{"yes":"no","n":"1.0"}},`+
			`{"alert":"A","expr":"vector(1)","for":"5m","keep_firing_for":null,"labels":{},"annotations":{"s":"a \"quoted\" \\ text"}}]}]}}`, i, i*10, i)
	}
	list := `{"apiVersion":"v1","kind":"List","items":[` + item(0) + "," + item(1) + "," + item(2) + `],"metadata":{"resourceVersion":""}}`
	for _, text := range []string{
		list + "\n",
		"  \n" + strings.ReplaceAll(list, ",", ",\n  ") + "\n",
		item(7),
	} {
		doc := Docs([]byte(text))
		if len(doc) != 1 {
			t.Fatalf("%d documents", len(doc))
		}
		d := doc[0]
		want, err := sigsyaml.YAMLToJSON([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.JSON(-1)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("JSON(-1) = %s, %v\nwant %s", got, err, want)
		}
		if !d.read.isJSON {
			t.Error("a JSON document read through the YAML conversion")
		}
		var l struct{ Items []json.RawMessage }
		if json.Unmarshal(want, &l) != nil {
			continue
		}
		for i, w := range l.Items {
			got, err := d.JSON(i)
			if err != nil || !bytes.Equal(got, w) {
				t.Errorf("JSON(%d) = %s, %v\nwant %s", i, got, err, w)
			}
		}
		if _, err := d.JSON(len(l.Items)); err == nil {
			t.Error("an item past the end")
		}
	}
	// YAML stays with the YAML conversion (severity: yes is true there).
	d := Docs([]byte("a: yes\n"))[0]
	got, err := d.JSON(-1)
	if err != nil || string(got) != `{"a":true}` || d.read.isJSON {
		t.Errorf("YAML document: %s, %v (read as JSON: %v)", got, err, d.read.isJSON)
	}
}
