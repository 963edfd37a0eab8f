package keymap

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
)

// TestEveryFieldHasOneName: each binding of KeyMap is reachable by exactly
// one action name, the snake_case of its field, so a binding added to the
// struct without a row in the table fails here rather than being
// unconfigurable.
func TestEveryFieldHasOneName(t *testing.T) {
	var k KeyMap
	v := reflect.ValueOf(&k).Elem()
	fields := map[uintptr]string{}
	for i := range v.NumField() {
		if v.Field(i).Type() != reflect.TypeFor[key.Binding]() {
			t.Fatalf("field %s is not a key.Binding", v.Type().Field(i).Name)
		}
		fields[v.Field(i).Addr().Pointer()] = v.Type().Field(i).Name
	}
	names := Names()
	if len(names) != len(fields) || len(actions) != len(fields) {
		t.Fatalf("%d names, %d actions for %d fields", len(names), len(actions), len(fields))
	}
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Fatalf("names not sorted and unique: %v", names)
	}
	seen := map[uintptr]bool{}
	for _, n := range names {
		p := reflect.ValueOf(k.Binding(n)).Pointer()
		field, ok := fields[p]
		if !ok || seen[p] {
			t.Fatalf("%s: binding is not a field of its own", n)
		}
		seen[p] = true
		if got := strings.ReplaceAll(n, "_", ""); !strings.EqualFold(got, field) {
			t.Errorf("action %s names field %s", n, field)
		}
		if Views(n) == 0 {
			t.Errorf("action %s acts nowhere", n)
		}
	}
	if k.Binding("no_such") != nil || Views("no_such") != 0 {
		t.Error("an unknown name has a binding or views")
	}
}

func TestDefaultsAreValidAndApart(t *testing.T) {
	if err := Check(nil, nil); err != nil {
		t.Fatalf("the defaults clash: %v", err)
	}
	d := Defaults()
	for name, ks := range d {
		if len(ks) == 0 {
			t.Errorf("%s has no default key", name)
		}
		for _, k := range ks {
			if err := ValidKey(k); err != nil {
				t.Errorf("default of %s: %v", name, err)
			}
		}
	}
	// Defaults is a copy: changing it changes no key map.
	d["quit"][0] = "x"
	if Defaults()["quit"][0] != "q" {
		t.Fatal("Defaults shares its slices")
	}
}

func TestValidKey(t *testing.T) {
	for _, k := range []string{"a", "R", "?", "+", "enter", "esc", "space", "pgup", "f5", "f20", "ctrl+a", "ctrl+alt+x", "shift+tab", "ctrl++", "alt+enter"} {
		if err := ValidKey(k); err != nil {
			t.Errorf("ValidKey(%q) = %v", k, err)
		}
	}
	for k, want := range map[string]string{
		"escape": `did you mean "esc"`, " ": `"space"`, "shift+r": "shifted character", "cmd+q": `unknown modifier "cmd"`,
		"alt+ctrl+x": "in the order", "ctrl+ctrl+x": "in the order", "f21": "unknown key", "ab": "unknown key", "": "unknown key",
	} {
		err := ValidKey(k)
		if !errors.Is(err, ErrBadKey) || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidKey(%q) = %v, want %q", k, err, want)
		}
	}
}

func TestRebind(t *testing.T) {
	cases := []struct {
		keys map[string][]string
		is   error // nil for no error
		want string
	}{
		{map[string][]string{"acknowledge": {"ctrl+a"}}, nil, ""},
		// Freeing a key by moving its default owner makes it available.
		{map[string][]string{"acknowledge": {"K"}, "quit": {"a"}}, nil, ""},
		// Prompt keys act only in prompts, so pages may reuse them.
		{map[string][]string{"refresh": {"Y"}, "cancel": {"N", "esc"}}, nil, ""},
		{map[string][]string{"acknowledge": {"k"}}, ErrClash, `key "k" is bound to both acknowledge and up (its default); rebind up too`},
		{map[string][]string{"quit": {"x"}, "help": {"x"}}, ErrClash, `key "x" is bound to both help and quit`},
		{map[string][]string{"confirm": {"n"}}, ErrClash, `key "n" is bound to both cancel (its default) and confirm`},
		{map[string][]string{"acknowlege": {"x"}}, ErrUnknownAction, `unknown action "acknowlege"`},
		{map[string][]string{"quit": {}}, ErrNoKeys, "quit: no keys"},
		{map[string][]string{"quit": {"escape"}}, ErrBadKey, `did you mean "esc"`},
		{map[string][]string{"quit": {"Q", "Q"}}, ErrRepeatedKey, `"Q"`},
	}
	for _, c := range cases {
		k := Default()
		err := k.Rebind(c.keys)
		if c.is == nil {
			if err != nil {
				t.Errorf("Rebind(%v) = %v", c.keys, err)
				continue
			}
			for name, ks := range c.keys {
				if b := k.Binding(name); !slices.Equal(b.Keys(), ks) || b.Help().Key != strings.Join(ks, "/") {
					t.Errorf("Rebind(%v): %s has keys %v, help %q", c.keys, name, b.Keys(), b.Help().Key)
				}
			}
			continue
		}
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Rebind(%v) = %v, want %v with %q", c.keys, err, c.is, c.want)
		}
		// A refused rebinding changes nothing, not even its valid part.
		if d := Default(); !reflect.DeepEqual(k.keysOf(), d.keysOf()) {
			t.Errorf("Rebind(%v) failed but changed keys", c.keys)
		}
	}
}

// TestRebindJudgesTheCurrentKeys: a second rebinding is checked against
// the first, not against the defaults.
func TestRebindJudgesTheCurrentKeys(t *testing.T) {
	k := Default()
	if err := k.Rebind(map[string][]string{"acknowledge": {"ctrl+a"}}); err != nil {
		t.Fatal(err)
	}
	if err := k.Rebind(map[string][]string{"quit": {"ctrl+a"}}); !errors.Is(err, ErrClash) {
		t.Fatalf("rebinding onto a rebound key: %v", err)
	}
	if err := k.Rebind(map[string][]string{"quit": {"a"}}); err != nil {
		t.Fatalf("a key freed by the first rebinding: %v", err)
	}
}

func TestCheckReportsLines(t *testing.T) {
	lines := map[string]int{"quit\x00x": 2, "help\x00x": 3}
	err := Check(map[string][]string{"quit": {"x"}, "help": {"?", "x"}}, func(a, k string) int { return lines[a+"\x00"+k] })
	var c *Clash
	if !errors.As(err, &c) {
		t.Fatalf("Check = %v, want a *Clash", err)
	}
	if c.Line() != 3 || err.Error() != `key "x" is bound to both help (line 3) and quit (line 2)` {
		t.Fatalf("Check = %q at line %d", err, c.Line())
	}
	// A clash with a default is at the rebound key's line.
	err = Check(map[string][]string{"quit": {"a"}}, func(string, string) int { return 7 })
	if !errors.As(err, &c) || c.Line() != 7 || c.FirstRebound || !c.SecondRebound {
		t.Fatalf("Check = %#v", err)
	}
}

func TestViews(t *testing.T) {
	k := Default()
	has := func(bs []key.Binding, b key.Binding) bool {
		return slices.ContainsFunc(bs, func(x key.Binding) bool { return x.Help() == b.Help() })
	}
	for _, c := range []struct {
		v       View
		in, out []key.Binding
	}{
		{List, []key.Binding{k.Open, k.Search, k.Scope, k.Acknowledge, k.Quit}, []key.Binding{k.Tick, k.Star, k.Pane, k.Confirm}},
		{Detail, []key.Binding{k.Star, k.Pane, k.Back, k.Acknowledge, k.Search, k.PageDown, k.Kinds}, []key.Binding{k.Open, k.Tick, k.Cancel}},
		{Runbook, []key.Binding{k.Tick, k.Document, k.NextRunbook, k.PrevRunbook, k.CopyURL}, []key.Binding{k.Star, k.Scope}},
		{Form, []key.Binding{k.Confirm, k.Cancel}, []key.Binding{k.Quit, k.Up}},
	} {
		got := k.In(c.v)
		for _, b := range c.in {
			if !has(got, b) {
				t.Errorf("%s lacks %q", c.v, b.Help().Desc)
			}
		}
		for _, b := range c.out {
			if has(got, b) {
				t.Errorf("%s has %q", c.v, b.Help().Desc)
			}
		}
	}
	if s := (List | Runbook | Form).String(); s != "list, runbook, forms" {
		t.Errorf("String = %q", s)
	}
}

func TestOwner(t *testing.T) {
	k := Default()
	if name, views, ok := k.Owner("x", Detail); !ok || name != "tick" || views != Runbook {
		t.Errorf(`Owner("x") = %s %s %v`, name, views, ok)
	}
	// "y" copies on a page and confirms in a prompt.
	if name, _, _ := k.Owner("y", List); name != "copy_url" {
		t.Errorf(`Owner("y", List) = %s`, name)
	}
	if name, _, _ := k.Owner("y", Form); name != "confirm" {
		t.Errorf(`Owner("y", Form) = %s`, name)
	}
	if _, _, ok := k.Owner("F", List); ok {
		t.Error("an unbound key has an owner")
	}
	k.ReadOnly()
	if _, _, ok := k.Owner("a", List); ok {
		t.Error("a disabled binding still owns its key")
	}
}

func TestGroupsCoverEveryActionOnce(t *testing.T) {
	var got []string
	for _, g := range Default().Groups() {
		for _, e := range g.Entries {
			got = append(got, e.Action)
			if e.Views != Views(e.Action) {
				t.Errorf("%s: views %s, want %s", e.Action, e.Views, Views(e.Action))
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, Names()) {
		t.Fatalf("groups hold %v\nwant       %v", got, Names())
	}
}

func TestReadOnlyHidesWrites(t *testing.T) {
	k := Default()
	k.ReadOnly()
	for _, b := range k.Writes() {
		if b.Enabled() {
			t.Errorf("%q still enabled", b.Help().Desc)
		}
	}
	md := k.Markdown()
	for _, gone := range []string{"| `a` | acknowledge", "tick the selected runbook step", "star the selected event"} {
		if strings.Contains(md, gone) {
			t.Errorf("read-only Markdown offers %q", gone)
		}
	}
	for _, v := range []View{List, Detail, Runbook} {
		for _, b := range k.Short(v) {
			if !b.Enabled() {
				t.Errorf("%s short help shows disabled %q", v, b.Help().Desc)
			}
		}
		if len(k.Short(v)) == 0 || k.Short(v)[0].Help().Desc != "help" {
			t.Errorf("%s short help does not start with help", v)
		}
	}
	if !strings.Contains(md, "| `q` | quit | Program |") || !strings.Contains(Default().Markdown(), "| `a` | acknowledge | Respond |") {
		t.Errorf("Markdown:\n%s", md)
	}
}
