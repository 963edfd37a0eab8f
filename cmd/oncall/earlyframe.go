package main

import (
	"io"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
)

// The interactive view's first frame is written here, before Bubble Tea
// starts: the library spends several milliseconds setting the terminal up,
// then converts each frame to cells and writes it only on its next frame
// tick, so a person waited some 30 ms after the cached rows were ready to
// see them. The early frame is the model's own first view at the
// terminal's size, in the alternate screen the program then keeps; Bubble
// Tea's first frame replaces it moments later. Nothing is written unless
// standard output is a terminal whose size is known.

// earlyFrame writes m's view at the size of the terminal out is, and
// reports whether it did (the caller leaves the alternate screen when the
// program then fails to start).
func earlyFrame(out *os.File, m tea.Model) bool {
	if !term.IsTerminal(out.Fd()) {
		return false
	}
	w, h, err := term.GetSize(out.Fd())
	if err != nil || w <= 0 || h <= 0 {
		return false
	}
	m, _ = m.Update(tea.WindowSizeMsg{Width: w, Height: h}) // commands dropped: the program makes its own
	writeEarlyFrame(colorprofile.NewWriter(out, os.Environ()), m.View().Content)
	return true
}

// writeEarlyFrame enters the alternate screen, hides the cursor and draws
// content from the top left corner. The terminal is not in raw mode yet,
// so each line ends with an explicit carriage return.
func writeEarlyFrame(w io.Writer, content string) {
	var b strings.Builder
	b.WriteString("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J")
	b.WriteString(strings.ReplaceAll(content, "\n", "\r\n"))
	_, _ = io.WriteString(w, b.String())
}

// leaveEarlyFrame undoes writeEarlyFrame, for a program that did not start.
func leaveEarlyFrame(w io.Writer) {
	_, _ = io.WriteString(w, "\x1b[?25h\x1b[?1049l")
}
