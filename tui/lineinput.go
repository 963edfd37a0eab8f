package tui

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/clipperhouse/uax29/v2/graphemes"
)

// lineInput is a one-line text input: the note line, the search, a form's
// fields and the picker's filter. It takes what a terminal sends (keys
// and bracketed paste) and nothing else: no clipboard of its own, so
// nothing is looked up or run to read one.
//
// Invariants:
//   - value holds no control character: typed and pasted text, and
//     SetValue, pass through clean, which makes tabs and line breaks one
//     space and drops the rest;
//   - value is the text's characters (grapheme clusters: a letter with
//     its accents, an emoji with its modifiers and joiners), each one
//     step of the cursor and measured whole, as the terminal draws it;
//   - the text holds at most CharLimit runes when CharLimit > 0;
//   - 0 <= offset <= pos <= len(value), and with a width the characters
//     from offset to the cursor, and the cell under the cursor (the
//     character there, or a blank after the end), fit in the width+1
//     cells drawn: the cursor and what it is on are always on screen.
//     Wide characters take two cells and are never split.
type lineInput struct {
	Prompt      string
	Placeholder string
	// CharLimit is the most runes the value may hold; 0 or less is none.
	CharLimit int
	// ShowCursor draws the cursor in the view, for an input in a box
	// where the terminal's cursor is not placed.
	ShowCursor bool

	value  []string // characters (grapheme clusters)
	pos    int      // the cursor, in characters: text is inserted before value[pos]
	offset int      // the first character drawn, when the value is wider than width
	width  int      // cells for text, the cursor's cell not counted; 0 is unbounded
	focus  bool
}

// SetWidth sets the cells the text may take. The view is one cell wider,
// for the cursor after the last character.
func (in *lineInput) SetWidth(w int) {
	in.width = max(w, 0)
	in.scroll()
}

// Value is the text typed.
func (in lineInput) Value() string { return strings.Join(in.value, "") }

// Position is the cursor's place, in runes from the start.
func (in lineInput) Position() int { return in.pos }

// SetValue replaces the text, cleaned and cut to CharLimit, with the
// cursor at its end.
func (in *lineInput) SetValue(s string) {
	in.value = characters(string(in.limit(cleanLine([]rune(s)), 0)))
	in.pos = len(in.value)
	in.scroll()
}

// Reset empties the input.
func (in *lineInput) Reset() {
	in.value, in.pos, in.offset = nil, 0, 0
}

// CursorStart and CursorEnd move the cursor to an end of the text.
func (in *lineInput) CursorStart() { in.setPos(0) }
func (in *lineInput) CursorEnd()   { in.setPos(len(in.value)) }

// Focus lets the input take keys and paste; Blur stops it.
func (in *lineInput) Focus()       { in.focus = true }
func (in *lineInput) Blur()        { in.focus = false }
func (in lineInput) Focused() bool { return in.focus }

// Update edits the text for a key or a paste, when focused. It returns no
// command: editing needs none.
func (in lineInput) Update(msg tea.Msg) (lineInput, tea.Cmd) {
	if !in.focus {
		return in, nil
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		in.insert(msg.Content)
	case tea.KeyPressMsg:
		switch msg.String() {
		case "left", "ctrl+b":
			in.setPos(in.pos - 1)
		case "right", "ctrl+f":
			in.setPos(in.pos + 1)
		case "alt+left", "ctrl+left", "alt+b":
			in.setPos(in.wordStart())
		case "alt+right", "ctrl+right", "alt+f":
			in.setPos(in.wordEnd())
		case "home", "ctrl+a":
			in.setPos(0)
		case "end", "ctrl+e":
			in.setPos(len(in.value))
		case "backspace", "ctrl+h":
			if in.pos > 0 {
				in.cut(in.pos-1, in.pos)
			}
		case "delete", "ctrl+d":
			if in.pos < len(in.value) {
				in.cut(in.pos, in.pos+1)
			}
		case "ctrl+w", "alt+backspace", "ctrl+backspace":
			in.cut(in.wordStart(), in.pos)
		case "alt+d", "alt+delete", "ctrl+delete":
			in.cut(in.pos, in.wordEnd())
		case "ctrl+u":
			in.cut(0, in.pos)
		case "ctrl+k":
			in.cut(in.pos, len(in.value))
		default:
			in.insert(msg.Text) // empty for keys that print nothing
		}
	}
	return in, nil
}

// insert puts text at the cursor, cleaned, as much as CharLimit leaves
// room for.
func (in *lineInput) insert(text string) {
	add := in.limit(cleanLine([]rune(text)), utf8.RuneCountInString(in.Value()))
	if len(add) == 0 {
		return
	}
	// The text is split into characters again around the insertion: an
	// accent or a joiner typed after a character belongs to it.
	before := strings.Join(in.value[:in.pos], "") + string(add)
	in.value = characters(before + strings.Join(in.value[in.pos:], ""))
	in.setPos(len(characters(before)))
}

// characters splits s into grapheme clusters.
func characters(s string) []string {
	var out []string
	for g := graphemes.FromString(s); g.Next(); {
		out = append(out, g.Value())
	}
	return out
}

// limit cuts add to what CharLimit leaves beside have runes.
func (in lineInput) limit(add []rune, have int) []rune {
	if in.CharLimit > 0 && have+len(add) > in.CharLimit {
		return add[:max(in.CharLimit-have, 0)]
	}
	return add
}

// cut removes value[from:to] and leaves the cursor at from.
func (in *lineInput) cut(from, to int) {
	if from >= to {
		return
	}
	in.value = slices.Delete(slices.Clone(in.value), from, to)
	in.setPos(from)
}

// wordStart is where the word before the cursor starts (spaces before
// the cursor skipped first); wordEnd where the word after it ends.
func (in lineInput) wordStart() int {
	i := in.pos
	for i > 0 && isSpace(in.value[i-1]) {
		i--
	}
	for i > 0 && !isSpace(in.value[i-1]) {
		i--
	}
	return i
}

func (in lineInput) wordEnd() int {
	i := in.pos
	for i < len(in.value) && isSpace(in.value[i]) {
		i++
	}
	for i < len(in.value) && !isSpace(in.value[i]) {
		i++
	}
	return i
}

// isSpace is true for a character that is white space.
func isSpace(c string) bool {
	r, _ := utf8.DecodeRuneInString(c)
	return unicode.IsSpace(r)
}

func (in *lineInput) setPos(p int) {
	in.pos = min(max(p, 0), len(in.value))
	in.scroll()
}

// scroll moves offset the least that keeps the cursor in view, and back
// left while the rest of the text fits, so deleting at the end shows more
// of the start again.
func (in *lineInput) scroll() {
	in.offset = min(in.offset, in.pos)
	if in.width <= 0 {
		in.offset = 0
		return
	}
	span := in.width + 1
	// first is the leftmost start that still shows the cursor's cell.
	first, w := in.pos, 1
	if in.pos < len(in.value) {
		w = max(charCells(in.value[in.pos]), 1)
	}
	for first > 0 && w+charCells(in.value[first-1]) <= span {
		first--
		w += charCells(in.value[first])
	}
	in.offset = max(in.offset, first)
	// The text from offset to the end, and a cell for a cursor after it.
	tail := cells(in.value[in.offset:]) + 1
	for in.offset > 0 && tail+charCells(in.value[in.offset-1]) <= span {
		in.offset--
		tail += charCells(in.value[in.offset])
	}
}

// View draws the prompt and the text, or the placeholder when there is no
// text, in width+1 cells when a width is set (the last for a cursor after
// the end). The cursor is drawn as a reversed cell when ShowCursor is set
// and the input is focused; otherwise the caller places the terminal's
// (Cursor).
func (in lineInput) View() string {
	mark := in.ShowCursor && in.focus
	if len(in.value) == 0 && in.Placeholder != "" {
		ph := in.Placeholder
		if in.width > 0 {
			ph = ansi.Truncate(ph, in.width+1, "")
			ph += strings.Repeat(" ", in.width+1-ansi.StringWidth(ph))
		}
		faint := lipgloss.NewStyle().Foreground(lipgloss.Color("240"))
		if !mark {
			return in.Prompt + faint.Render(ph)
		}
		first, size := utf8.DecodeRuneInString(ph)
		return in.Prompt + faint.Reverse(true).Render(string(first)) + faint.Render(ph[size:])
	}
	shown := in.value[in.offset:]
	end := len(shown)
	blank := 1 // the cursor's cell after the end
	if in.width > 0 {
		end, blank = 0, in.width+1
		for end < len(shown) && charCells(shown[end]) <= blank {
			blank -= charCells(shown[end])
			end++
		}
	}
	text := strings.Join(shown[:end], "") + strings.Repeat(" ", blank)
	switch {
	case !in.focus:
		text = lipgloss.NewStyle().Foreground(lipgloss.Color("245")).Render(text)
	case mark:
		// The cursor's cell is on screen (scroll keeps it there): the rune
		// at the cursor, or the first blank after the end.
		at := in.pos - in.offset
		before := strings.Join(shown[:at], "")
		under, after := " ", text[len(before):]
		if at < end {
			under = shown[at]
		}
		after = after[len(under):]
		text = before + lipgloss.NewStyle().Reverse(true).Render(under) + after
	}
	return in.Prompt + text
}

// Cursor is where the terminal's cursor goes, on the input's line (Y 0);
// nil when the input is not focused.
func (in lineInput) Cursor() *tea.Cursor {
	if !in.focus {
		return nil
	}
	return tea.NewCursor(ansi.StringWidth(in.Prompt)+cells(in.value[in.offset:in.pos]), 0)
}

// clean makes tabs and line breaks (a CR LF pair too) one space and drops
// every other control character and invalid UTF-8: the input is one line,
// and what it holds is drawn on the terminal.
func cleanLine(rs []rune) []rune {
	out := make([]rune, 0, len(rs))
	for i, r := range rs {
		switch {
		case r == '\n' && i > 0 && rs[i-1] == '\r':
		case r == '\t', r == '\n', r == '\r':
			out = append(out, ' ')
		case r == utf8.RuneError, unicode.IsControl(r):
		default:
			out = append(out, r)
		}
	}
	return out
}

// charCells is the cells a character takes on a terminal: two for a wide
// one (CJK, emoji, a symbol made emoji by U+FE0F), one for a letter with
// its accents. Characters are measured one by one so that scrolling,
// drawing and the cursor agree on every position.
func charCells(c string) int {
	return ansi.StringWidth(c)
}

// cells is the width of cs, character by character.
func cells(cs []string) int {
	n := 0
	for _, c := range cs {
		n += charCells(c)
	}
	return n
}
