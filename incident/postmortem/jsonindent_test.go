package postmortem

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encoderIndent is what marshal wrote before indentJSON: the encoder's own
// indentation, the reference indentJSON must equal byte for byte.
func encoderIndent(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func compact(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestIndentJSONAsEncoder(t *testing.T) {
	tricky := map[string]any{
		"quotes":    `she said "roll back" \" and \\`,
		"brackets":  `{[,:]} "{" [] {}`,
		"controls":  "tab\there\nnew line \u2028 \x01 <&>",
		"unicode":   "★ — 日本語 🚀",
		"empty":     []any{[]any{}, map[string]any{}, "", []any{map[string]any{}}},
		"nested":    map[string]any{"a": []any{1, 2.5, -3e-7, true, false, nil, map[string]any{"b": []any{}}}},
		`key "x"`:   `\`,
		"backslash": `\\\"`,
	}
	big := Build(bigInput(t))
	for name, v := range map[string]any{
		"full report":    Build(fullInput(t)),
		"10,000 events":  big,
		"tricky":         tricky,
		"empty object":   map[string]any{},
		"empty array":    []any{},
		"string":         `"{[`,
		"number":         42,
		"report of none": Build(Input{}),
	} {
		want := encoderIndent(t, v)
		got := indentJSON(nil, compact(t, v), "  ")
		// The same, written a byte at a time: the state carries across writes.
		w := &indenter{indent: "  "}
		for _, c := range compact(t, v) {
			w.Write([]byte{c})
		}
		if !bytes.Equal(w.dst, got) {
			t.Errorf("%s: written a byte at a time, it differs from one write", name)
		}
		if !bytes.Equal(got, want) {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Errorf("%s: differs from the encoder's indentation at byte %d:\ngot  %q\nwant %q", name, i,
				got[max(0, i-40):min(len(got), i+40)], want[max(0, i-40):min(len(want), i+40)])
		}
	}
}

// FuzzIndentJSON: for any valid JSON, compacted as the encoder writes it,
// indentJSON lays it out as json.Indent does.
func FuzzIndentJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,{"b":[]},"x\"y"]}`, `"\\"`, `[[],[{}],{"k":{}}]`, `{"\"":"\\\\\""}`, `-1.5e10`, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		var c bytes.Buffer
		if err := json.Compact(&c, []byte(s)); err != nil {
			t.Fatal(err)
		}
		c.WriteByte('\n') // as Encode ends every value
		var want bytes.Buffer
		if err := json.Indent(&want, c.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := indentJSON(nil, c.Bytes(), "  "); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("indentJSON(%q)\n got %q\nwant %q", c.Bytes(), got, want.Bytes())
		}
		// Split in two at every byte: the same.
		for i := range c.Len() {
			w := &indenter{indent: "  "}
			w.Write(c.Bytes()[:i])
			w.Write(c.Bytes()[i:])
			if !bytes.Equal(w.dst, want.Bytes()) {
				t.Fatalf("%q split at %d: got %q", c.Bytes(), i, w.dst)
			}
		}
	})
}
