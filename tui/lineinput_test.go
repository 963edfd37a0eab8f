package tui

import (
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// lineKey is the message Bubble Tea sends for a key named as String()
// names it: "ctrl+w", "alt+left", "backspace", or a character to type.
func lineKey(t *testing.T, name string) tea.KeyPressMsg {
	t.Helper()
	codes := map[string]rune{
		"left": tea.KeyLeft, "right": tea.KeyRight, "home": tea.KeyHome, "end": tea.KeyEnd,
		"backspace": tea.KeyBackspace, "delete": tea.KeyDelete, "enter": tea.KeyEnter,
	}
	var msg tea.KeyPressMsg
	rest := name
	for {
		mod, after, ok := strings.Cut(rest, "+")
		if !ok || after == "" {
			break
		}
		switch mod {
		case "ctrl":
			msg.Mod |= tea.ModCtrl
		case "alt":
			msg.Mod |= tea.ModAlt
		default:
			t.Fatalf("lineKey(%q): modifier %q", name, mod)
		}
		rest = after
	}
	if c, ok := codes[rest]; ok {
		msg.Code = c
	} else {
		msg.Code = []rune(rest)[0]
		if msg.Mod == 0 {
			msg.Text = rest
		}
	}
	if msg.String() != name {
		t.Fatalf("lineKey(%q) sends %q", name, msg.String())
	}
	return msg
}

// lineTyped is an input holding text with the cursor at pos (the "|" in
// text), focused, unbounded.
func lineTyped(t *testing.T, text string) lineInput {
	t.Helper()
	in := lineInput{}
	in.Focus()
	at := utf8.RuneCountInString(text[:strings.Index(text, "|")])
	in.SetValue(strings.Replace(text, "|", "", 1))
	in.setPos(at)
	if in.pos != at {
		t.Fatalf("lineTyped(%q): cursor at %d", text, in.pos)
	}
	return in
}

// marked writes the input's value with "|" at the cursor.
func marked(in lineInput) string {
	return strings.Join(in.value[:in.pos], "") + "|" + strings.Join(in.value[in.pos:], "")
}

func TestLineInputEditingKeys(t *testing.T) {
	for _, tc := range []struct{ start, key, want string }{
		{"ab|c", "x", "abx|c"},
		{"ab|c", "left", "a|bc"},
		{"|abc", "left", "|abc"},
		{"ab|c", "ctrl+b", "a|bc"},
		{"ab|c", "right", "abc|"},
		{"abc|", "right", "abc|"},
		{"ab|c", "ctrl+f", "abc|"},
		{"ab|c", "home", "|abc"},
		{"ab|c", "ctrl+a", "|abc"},
		{"a|bc", "end", "abc|"},
		{"a|bc", "ctrl+e", "abc|"},
		{"one two  thr|ee", "alt+left", "one two  |three"},
		{"one two  |three", "alt+left", "one |two  three"},
		{"one two  |three", "ctrl+left", "one |two  three"},
		{"one two  |three", "alt+b", "one |two  three"},
		{"|  one", "alt+left", "|  one"},
		{"o|ne two", "alt+right", "one| two"},
		{"one| two", "ctrl+right", "one two|"},
		{"one| two", "alt+f", "one two|"},
		{"ab|c", "backspace", "a|c"},
		{"|abc", "backspace", "|abc"},
		{"ab|c", "ctrl+h", "a|c"},
		{"a|bc", "delete", "a|c"},
		{"abc|", "delete", "abc|"},
		{"a|bc", "ctrl+d", "a|c"},
		{"roll back  |now", "ctrl+w", "roll |now"},
		{"roll back|", "alt+backspace", "roll |"},
		{"|roll", "ctrl+w", "|roll"},
		{"roll| back now", "alt+d", "roll| now"},
		{"roll back| now", "ctrl+u", "| now"},
		{"roll back| now", "ctrl+k", "roll back|"},
		{"ab|", "enter", "ab|"},  // prints nothing: the parent's key
		{"ab|", "ctrl+x", "ab|"}, // unbound: nothing typed
		{"ab|", "ctrl+v", "ab|"}, // no clipboard of its own; the terminal pastes
		{"|", "世", "世|"},
	} {
		in, cmd := lineTyped(t, tc.start).Update(lineKey(t, tc.key))
		if got := marked(in); got != tc.want {
			t.Errorf("%q + %s = %q, want %q", tc.start, tc.key, got, tc.want)
		}
		if cmd != nil {
			t.Errorf("%q + %s returned a command", tc.start, tc.key)
		}
	}
}

// TestLineInputCopiesShareNoText: the model is a value; an edit of a copy
// must not show through in the original (Bubble Tea keeps old models).
func TestLineInputCopiesShareNoText(t *testing.T) {
	orig := lineTyped(t, "abc|def")
	for _, k := range []string{"x", "backspace", "delete", "ctrl+w", "ctrl+k"} {
		if _, _ = orig.Update(lineKey(t, k)); marked(orig) != "abc|def" {
			t.Fatalf("after %s on a copy the original is %q", k, marked(orig))
		}
	}
	if _, _ = orig.Update(tea.PasteMsg{Content: "zz"}); marked(orig) != "abc|def" {
		t.Fatalf("after a paste on a copy the original is %q", marked(orig))
	}
}

func TestLineInputPaste(t *testing.T) {
	in := lineTyped(t, "note: |!")
	in, _ = in.Update(tea.PasteMsg{Content: "line one\r\nline\ttwo\nthree\x1b[31mred\x07\x00\u0085end"})
	if got, want := marked(in), "note: line one line two three[31mredend|!"; got != want {
		t.Errorf("paste = %q, want %q", got, want)
	}
	in.SetValue("a\x1bb\tc\rd")
	if got := in.Value(); got != "ab c d" {
		t.Errorf("SetValue kept controls: %q", got)
	}
	// Typed text goes through the same cleaning: a key's Text could be
	// anything a terminal sends.
	in, _ = lineTyped(t, "|").Update(tea.KeyPressMsg{Code: 'x', Text: "x\x1b"})
	if in.Value() != "x" {
		t.Errorf("typed text kept a control: %q", in.Value())
	}
}

func TestLineInputIgnoresInputWhenBlurred(t *testing.T) {
	in := lineTyped(t, "ab|")
	in.Blur()
	in, _ = in.Update(lineKey(t, "x"))
	in, _ = in.Update(tea.PasteMsg{Content: "yy"})
	in, _ = in.Update(lineKey(t, "backspace"))
	if marked(in) != "ab|" {
		t.Errorf("a blurred input changed: %q", marked(in))
	}
	if in.Cursor() != nil {
		t.Error("a blurred input asks for the terminal's cursor")
	}
}

func TestLineInputCharLimit(t *testing.T) {
	in := lineInput{CharLimit: 5}
	in.Focus()
	in, _ = in.Update(tea.PasteMsg{Content: "世界abcdef"})
	if got := marked(in); got != "世界abc|" {
		t.Errorf("paste past the limit = %q, want the first 5 runes", got)
	}
	in, _ = in.Update(lineKey(t, "x"))
	if got := marked(in); got != "世界abc|" {
		t.Errorf("typing at the limit = %q", got)
	}
	in, _ = in.Update(lineKey(t, "home"))
	in, _ = in.Update(lineKey(t, "delete"))
	in, _ = in.Update(tea.PasteMsg{Content: "xyz"})
	if got := marked(in); got != "x|界abc" {
		t.Errorf("paste into one free place = %q, want one rune taken", got)
	}
	in.SetValue("0123456789")
	if got := in.Value(); got != "01234" {
		t.Errorf("SetValue past the limit = %q", got)
	}
}

// TestLineInputScrollKeepsTheCursorInView moves the cursor over a value
// wider than the input, one key at a time, and checks at every step that
// the view is width+1 cells, the cursor's cell is on it, and the rune at
// the cursor is drawn at the cursor's cell.
func TestLineInputScrollKeepsTheCursorInView(t *testing.T) {
	for _, text := range []string{
		"the quick brown fox jumps over the lazy dog",
		"世界你好，值班的人们：数据库复制延迟了三十秒",
		"mixed 世界 text ok 値 end",
	} {
		in := lineInput{Prompt: "> "}
		in.Focus()
		in.SetWidth(10)
		check := func(step string) {
			t.Helper()
			view := ansi.Strip(in.View())
			if w := ansi.StringWidth(view); w != 2+11 {
				t.Fatalf("%s: view %q is %d cells, want 13", step, view, w)
			}
			c := in.Cursor()
			if c == nil || c.Y != 0 || c.X < 2 || c.X > 2+10 {
				t.Fatalf("%s: cursor %+v outside the text's cells (2 to 12)", step, c)
			}
			// The cell under the cursor holds value[pos] (or the blank after
			// the end).
			under := " "
			if in.pos < len(in.value) {
				under = in.value[in.pos]
			}
			if got := ansi.Cut(view, c.X, c.X+charCells(under)); got != under {
				t.Fatalf("%s: view %q has %q at the cursor (cell %d), want %q", step, view, got, c.X, under)
			}
		}
		for _, r := range text {
			in, _ = in.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			check("typing " + string(r))
		}
		for range len([]rune(text)) + 1 {
			in, _ = in.Update(lineKey(t, "left"))
			check("left")
		}
		if in.offset != 0 {
			t.Errorf("at the start the view starts at rune %d", in.offset)
		}
		in, _ = in.Update(lineKey(t, "end"))
		check("end")
		for range 4 {
			in, _ = in.Update(lineKey(t, "alt+left"))
			check("alt+left")
		}
		for range len([]rune(text)) {
			in, _ = in.Update(lineKey(t, "backspace"))
			check("backspace")
		}
	}
}

// TestLineInputDeletingShowsTheStartAgain: once the text fits again, all
// of it is drawn, not a tail scrolled off to the left.
func TestLineInputDeletingShowsTheStartAgain(t *testing.T) {
	in := lineInput{}
	in.Focus()
	in.SetWidth(8)
	in.SetValue("abcdefghijkl")
	for range 5 {
		in, _ = in.Update(lineKey(t, "backspace"))
	}
	if got := ansi.Strip(in.View()); got != "abcdefg  " {
		t.Errorf("after deleting to 7 runes the view is %q, want all of them", got)
	}
}

func TestLineInputWideRunes(t *testing.T) {
	in := lineInput{Prompt: "/"}
	in.Focus()
	in.SetWidth(5)
	in.SetValue("世界ab")
	// 6 cells and the cursor's after the end in 5+1: the view starts after
	// 世; it is 界ab and blanks to 6 cells.
	if got := ansi.Strip(in.View()); got != "/界ab  " {
		t.Errorf("view = %q, want %q", got, "/界ab  ")
	}
	if c := in.Cursor(); c.X != 1+4 {
		t.Errorf("cursor at cell %d, want 5 (prompt 1, 界 2, ab 2)", c.X)
	}
	in, _ = in.Update(lineKey(t, "home"))
	if got := ansi.Strip(in.View()); got != "/世界ab" {
		t.Errorf("view at home = %q, want %q", got, "/世界ab")
	}
	if c := in.Cursor(); c.X != 1 {
		t.Errorf("cursor at home at cell %d, want 1", c.X)
	}
	for range 3 {
		in, _ = in.Update(lineKey(t, "right"))
	}
	in.SetWidth(4)
	// The cursor on b: 世 is scrolled off whole, never split; 界ab and a
	// blank fill the 5 cells.
	if got := ansi.Strip(in.View()); got != "/界ab " {
		t.Errorf("view on b at width 4 = %q, want %q", got, "/界ab ")
	}
	if c := in.Cursor(); c.X != 1+3 {
		t.Errorf("cursor on b at cell %d, want 4", c.X)
	}
}

// TestLineInputDrawsItsCursor: with ShowCursor, the cell under the cursor
// is reversed (SGR 7) and nothing else is; the text is unchanged.
func TestLineInputDrawsItsCursor(t *testing.T) {
	for _, tc := range []struct{ start, under string }{
		{"ab|c", "c"}, {"abc|", " "}, {"|世界", "世"},
	} {
		in := lineTyped(t, tc.start)
		in.ShowCursor = true
		in.SetWidth(6)
		v := in.View()
		if want := "\x1b[7m" + tc.under + "\x1b[m"; strings.Count(v, "\x1b[7m") != 1 || !strings.Contains(v, want) {
			t.Errorf("%q: view %q, want one reversed %q", tc.start, v, tc.under)
		}
		if got, want := ansi.Strip(v), strings.Replace(tc.start, "|", "", 1); !strings.HasPrefix(got, want) || ansi.StringWidth(got) != 7 {
			t.Errorf("%q: view %q, want %q in 7 cells", tc.start, got, want)
		}
		in.Blur()
		if strings.Contains(in.View(), "\x1b[7m") {
			t.Errorf("%q: a blurred input draws a cursor", tc.start)
		}
	}
	in := lineInput{Placeholder: "who", ShowCursor: true}
	in.Focus()
	if v := in.View(); !strings.HasPrefix(v, "\x1b[7;") || ansi.Strip(v) != "who" {
		t.Errorf("placeholder view %q, want its first letter reversed", v)
	}
}

func TestLineInputPlaceholder(t *testing.T) {
	in := lineInput{Prompt: "note> ", Placeholder: "what you saw"}
	in.SetWidth(20)
	if got := ansi.Strip(in.View()); got != "note> what you saw"+strings.Repeat(" ", 21-12) {
		t.Errorf("placeholder view = %q", got)
	}
	in.SetWidth(5)
	if got := ansi.Strip(in.View()); got != "note> what y" {
		t.Errorf("placeholder cut at width+1 = %q", got)
	}
	in.Focus()
	in, _ = in.Update(lineKey(t, "w"))
	if got := ansi.Strip(in.View()); got != "note> w     " {
		t.Errorf("typed view = %q", got)
	}
	in.Reset()
	if in.Value() != "" || in.pos != 0 || !strings.Contains(ansi.Strip(in.View()), "what y") {
		t.Errorf("after Reset: %q, cursor %d, view %q", in.Value(), in.pos, ansi.Strip(in.View()))
	}
}

// A character made of several code points (a symbol made emoji by
// U+FE0F, a skin tone, a zero-width-joined emoji, a letter and its
// combining accent) is one step of the cursor, is measured whole as the
// terminal draws it, and is deleted whole: pasted from a chat, such text
// must neither push the line past its width nor put the cursor beside
// the character it is on.
func TestLineInputMultiCodePointCharacters(t *testing.T) {
	for _, c := range []string{"✔\uFE0F", "⚠\uFE0F", "👍🏽", "👩\u200d💻", "e\u0301"} {
		t.Run(c, func(t *testing.T) {
			in := lineInput{Prompt: "> "}
			in.Focus()
			in.SetWidth(20)
			in, _ = in.Update(tea.PasteMsg{Content: strings.Repeat(c+" ", 15)})
			view := ansi.Strip(in.View())
			if w := ansi.StringWidth(view); w != 2+21 {
				t.Fatalf("view %q is %d cells, want 23", view, w)
			}
			in, _ = in.Update(lineKey(t, "left")) // onto the last space
			in, _ = in.Update(lineKey(t, "left")) // onto the last character
			if got := in.value[in.pos]; got != c {
				t.Fatalf("two steps left the cursor is on %q, want %q", got, c)
			}
			cur := in.Cursor()
			view = ansi.Strip(in.View())
			if got := ansi.Cut(view, cur.X, cur.X+ansi.StringWidth(c)); got != c {
				t.Fatalf("view %q has %q at the cursor (cell %d), want %q", view, got, cur.X, c)
			}
			in, _ = in.Update(lineKey(t, "right"))
			in, _ = in.Update(lineKey(t, "backspace"))
			want := strings.Repeat(c+" ", 14) + " "
			if in.Value() != want {
				t.Fatalf("backspace after the last character left %q, want %q", in.Value(), want)
			}
		})
	}
}
