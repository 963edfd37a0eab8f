package config

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRefusesDuplicateKeys(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		line      int
		says      string
	}{
		{"top level", "theme: dark\nread_only: true\ntheme: light\n", 3, "theme is set twice, on lines 1 and 3"},
		{"slos service", "slos:\n  search: {target: 99.5}\n  search: {target: 99.9}\n", 3, "slos.search is set twice, on lines 2 and 3"},
		{"slo field", "slos:\n  search:\n    target: 99.5\n    target: 99.9\n", 4, "slos.search.target is set twice, on lines 3 and 4"},
		{"key binding action", "keys:\n  quit: [Q]\n  quit: [ctrl+c]\n", 3, "keys.quit is set twice, on lines 2 and 3"},
		{"same value twice", "api_url: https://a.example\napi_url: https://a.example\n", 2, "api_url is set twice, on lines 1 and 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("config.yaml", []byte(tc.doc))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse = %+v, %v; want a config Error", c, err)
			}
			if ce.Line != tc.line || !strings.Contains(ce.Msg, tc.says) {
				t.Fatalf("error %q (line %d), want line %d saying %q", err, ce.Line, tc.line, tc.says)
			}
		})
	}
	// The same name in different mappings is not a duplicate.
	if _, err := Parse("config.yaml", []byte("slos:\n  a: {target: 99}\n  b: {target: 99}\n")); err != nil {
		t.Fatalf("distinct services: %v", err)
	}
}
