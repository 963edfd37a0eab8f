package keymap

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinels for what is wrong with a rebinding; the errors that carry them
// name the action and key.
var (
	ErrUnknownAction = errors.New("unknown action")
	ErrNoKeys        = errors.New("no keys")
	ErrBadKey        = errors.New("bad key")
	ErrRepeatedKey   = errors.New("key listed twice")
	ErrClash         = errors.New("key bound twice")
)

// namedKeys are the names Bubble Tea gives keys that print nothing. A
// slice of constants, laid out by the linker: a map would be built at
// package init, which every command pays for, and it is read only when a
// configuration rebinds keys.
var namedKeys = []string{
	"enter", "tab", "backspace", "esc", "space",
	"up", "down", "left", "right",
	"home", "end", "pgup", "pgdown", "insert", "delete",
	"f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10",
	"f11", "f12", "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20",
}

// ValidKey checks a key as Bubble Tea names it: a printable character (a,
// R, ?), a named key (enter, esc, pgup, f5), optionally after ctrl+, alt+
// (in that order), or shift+ before a named key. A key Bubble Tea would
// never report could be bound but never pressed, so it is refused.
func ValidKey(k string) error {
	orig := k
	var mods []string
	for {
		m, rest, ok := strings.Cut(k, "+")
		if !ok || rest == "" { // "+" alone is the plus key
			break
		}
		if m != "ctrl" && m != "alt" && m != "shift" {
			return fmt.Errorf("%w %q: unknown modifier %q (use ctrl+, alt+ or shift+)", ErrBadKey, orig, m)
		}
		mods = append(mods, m)
		k = rest
	}
	order := map[string]int{"ctrl": 0, "alt": 1, "shift": 2}
	for i := 1; i < len(mods); i++ {
		if order[mods[i]] <= order[mods[i-1]] {
			return fmt.Errorf("%w %q: write modifiers once, in the order ctrl+alt+shift+", ErrBadKey, orig)
		}
	}
	switch {
	case slices.Contains(namedKeys, k):
	case k == "escape":
		return fmt.Errorf("%w %q: unknown key, did you mean \"esc\"?", ErrBadKey, orig)
	case k == " ":
		return fmt.Errorf("%w %q: write the space bar as \"space\"", ErrBadKey, orig)
	case utf8.RuneCountInString(k) == 1 && unicode.IsPrint([]rune(k)[0]):
		if slices.Contains(mods, "shift") {
			return fmt.Errorf("%w %q: write the shifted character itself (for example R, not shift+r)", ErrBadKey, orig)
		}
	default:
		return fmt.Errorf("%w %q: unknown key (a single character, or one of %s)", ErrBadKey, orig, strings.Join(sortedNamed(), ", "))
	}
	return nil
}

func sortedNamed() []string {
	var out []string
	for _, k := range namedKeys {
		if !strings.HasPrefix(k, "f") || k == "f1" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return append(out, "f1-f20")
}

// Clash is one key given to two actions of the same scope. An action is
// rebound when the rebinding gave it its keys, and then its Line is where
// the configuration file wrote the key (0 when not known); otherwise it
// still has its default keys.
type Clash struct {
	Key                         string
	First, Second               string // actions, in Names order
	FirstRebound, SecondRebound bool
	FirstLine, SecondLine       int
}

// Line is the later of the two lines, where the mistake was completed.
func (c *Clash) Line() int { return max(c.FirstLine, c.SecondLine) }

func (c *Clash) Is(target error) bool { return target == ErrClash }

// Error says what to change: a clash with a default can only be undone by
// rebinding that default's action too.
func (c *Clash) Error() string {
	switch {
	case !c.FirstRebound:
		return fmt.Sprintf("key %q is bound to both %s (its default) and %s; rebind %s too", c.Key, c.First, c.Second, c.First)
	case !c.SecondRebound:
		return fmt.Sprintf("key %q is bound to both %s and %s (its default); rebind %s too", c.Key, c.First, c.Second, c.Second)
	case c.FirstLine > 0 && c.SecondLine > 0:
		return fmt.Sprintf("key %q is bound to both %s (line %d) and %s (line %d)", c.Key, c.First, c.FirstLine, c.Second, c.SecondLine)
	default:
		return fmt.Sprintf("key %q is bound to both %s and %s", c.Key, c.First, c.Second)
	}
}

// Check validates a rebinding of the defaults: keys maps actions to the
// keys that replace their defaults, and line, when not nil, gives the
// line of the configuration file each was written on, for the clash
// report. The first problem is returned: an unknown action, an empty or
// repeated list, a key Bubble Tea never reports, or a *Clash.
func Check(keys map[string][]string, line func(action, key string) int) error {
	return check(Defaults(), keys, line)
}

func check(base, keys map[string][]string, line func(action, key string) int) error {
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		if _, ok := find(name); !ok {
			return fmt.Errorf("%w %q (known: %s)", ErrUnknownAction, name, strings.Join(Names(), ", "))
		}
		if len(keys[name]) == 0 {
			return fmt.Errorf("%s: %w: an action needs at least one key", name, ErrNoKeys)
		}
		for i, k := range keys[name] {
			if err := ValidKey(k); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if slices.Contains(keys[name][:i], k) {
				return fmt.Errorf("%s: %w: %q", name, ErrRepeatedKey, k)
			}
		}
	}
	type owner struct {
		action  string
		rebound bool
		line    int
	}
	seen := map[string]owner{} // scope + key -> first action
	for _, name := range Names() {
		scope := "page"
		if Views(name).Has(Form) {
			scope = "prompt"
		}
		ks, rebound := keys[name]
		if !rebound {
			ks = base[name]
		}
		for _, k := range ks {
			o := owner{action: name, rebound: rebound}
			if rebound && line != nil {
				o.line = line(name, k)
			}
			prev, dup := seen[scope+"\x00"+k]
			if !dup {
				seen[scope+"\x00"+k] = o
				continue
			}
			return &Clash{Key: k, First: prev.action, Second: name,
				FirstRebound: prev.rebound, SecondRebound: rebound, FirstLine: prev.line, SecondLine: o.line}
		}
	}
	return nil
}

// Rebind replaces the keys of the named actions, and the key shown in
// help with them. It refuses what Check refuses, judged against k's
// current keys, and then changes nothing: a mistake is found at start,
// not mid-incident, and never leaves half a rebinding.
func (k *KeyMap) Rebind(keys map[string][]string) error {
	if err := check(k.keysOf(), keys, nil); err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	for name, ks := range keys {
		b := k.Binding(name)
		b.SetKeys(ks...)
		b.SetHelp(strings.Join(ks, "/"), b.Help().Desc)
	}
	return nil
}
