package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"

	"github.com/oncallkit/oncall/tui"
)

// promptActions act only while a prompt has the keyboard, so they may share
// keys with page actions (y copies on a page and confirms in a prompt).
var promptActions = []string{"confirm", "cancel"}

// Actions maps each rebindable action (a tui.KeyMap field in snake_case) to
// its default keys. It is read from the key map itself, so a new binding is
// configurable without touching this package.
func Actions() map[string][]string {
	km := tui.DefaultKeyMap()
	v := reflect.ValueOf(km)
	bt := reflect.TypeFor[key.Binding]()
	out := map[string][]string{}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() || f.Type != bt {
			continue
		}
		out[snake(f.Name)] = v.Field(i).Interface().(key.Binding).Keys()
	}
	return out
}

// ActionNames lists the actions, sorted.
func ActionNames() []string {
	var names []string
	for n := range Actions() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// snake turns ActionItem into action_item and CopyURL into copy_url.
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// namedKeys are the names Bubble Tea gives keys that print nothing.
var namedKeys = map[string]bool{
	"enter": true, "tab": true, "backspace": true, "esc": true, "space": true,
	"up": true, "down": true, "left": true, "right": true,
	"home": true, "end": true, "pgup": true, "pgdown": true, "insert": true, "delete": true,
}

func init() {
	for i := 1; i <= 20; i++ {
		namedKeys[fmt.Sprintf("f%d", i)] = true
	}
}

// ValidKey checks a key as Bubble Tea names it: a printable character (a,
// R, ?), a named key (enter, esc, pgup, f5), optionally after ctrl+, alt+
// (in that order), or shift+ before a named key.
func ValidKey(k string) error {
	orig := k
	var mods []string
	for {
		m, rest, ok := strings.Cut(k, "+")
		if !ok || rest == "" { // "+" alone is the plus key
			break
		}
		if m != "ctrl" && m != "alt" && m != "shift" {
			return fmt.Errorf("%q: unknown modifier %q (use ctrl+, alt+ or shift+)", orig, m)
		}
		mods = append(mods, m)
		k = rest
	}
	order := map[string]int{"ctrl": 0, "alt": 1, "shift": 2}
	for i := 1; i < len(mods); i++ {
		if order[mods[i]] <= order[mods[i-1]] {
			return fmt.Errorf("%q: write modifiers once, in the order ctrl+alt+shift+", orig)
		}
	}
	switch {
	case namedKeys[k]:
	case k == "escape":
		return fmt.Errorf("%q: unknown key, did you mean \"esc\"?", orig)
	case k == " ":
		return fmt.Errorf("%q: write the space bar as \"space\"", orig)
	case utf8.RuneCountInString(k) == 1 && unicode.IsPrint([]rune(k)[0]):
		if slices.Contains(mods, "shift") {
			return fmt.Errorf("%q: write the shifted character itself (for example R, not shift+r)", orig)
		}
	default:
		return fmt.Errorf("%q: unknown key (a single character, or one of %s)", orig, strings.Join(sortedNamed(), ", "))
	}
	return nil
}

func sortedNamed() []string {
	var out []string
	for k := range namedKeys {
		if !strings.HasPrefix(k, "f") || k == "f1" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return append(out, "f1-f20")
}

// checkKeys finds a key bound to two actions of the same scope, taking the
// file's bindings over the defaults they replace.
func checkKeys(file string, cfg map[string][]string, lines map[string]int) error {
	if len(cfg) == 0 {
		return nil
	}
	effective := Actions()
	for a, ks := range cfg {
		effective[a] = ks
	}
	type owner struct {
		action string
		line   int // 0: a default
	}
	seen := map[string]owner{} // scope + key -> first action
	for _, a := range ActionNames() {
		scope := "page"
		if slices.Contains(promptActions, a) {
			scope = "prompt"
		}
		for _, k := range effective[a] {
			line := 0
			if _, fromFile := cfg[a]; fromFile {
				line = lines[a+"\x00"+k]
			}
			prev, dup := seen[scope+"\x00"+k]
			if !dup {
				seen[scope+"\x00"+k] = owner{a, line}
				continue
			}
			at := max(line, prev.line)
			var why string
			switch {
			case prev.line == 0:
				why = fmt.Sprintf("key %q is bound to both %s (its default) and %s; rebind %s too", k, prev.action, a, prev.action)
			case line == 0:
				why = fmt.Sprintf("key %q is bound to both %s and %s (its default); rebind %s too", k, prev.action, a, a)
			default:
				why = fmt.Sprintf("key %q is bound to both %s (line %d) and %s (line %d)", k, prev.action, prev.line, a, line)
			}
			return &Error{File: file, Line: at, Msg: why}
		}
	}
	return nil
}
