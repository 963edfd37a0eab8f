package mdterm

import "strings"

// What a single line says about the leaf block it opens or closes:
// ATX headings, code fences, setext underlines, thematic breaks and the
// starts and ends of the seven kinds of HTML block.

// atxHeading reads "## text ##".
func atxHeading(s string) (int, string, bool) {
	n := 0
	for n < len(s) && s[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(s) && s[n] != ' ') {
		return 0, "", false
	}
	text := strings.Trim(s[n:], " ")
	// A closing sequence of # after a space (or alone) is not text.
	t := strings.TrimRight(text, "#")
	if t == "" {
		text = ""
	} else if len(t) < len(text) && t[len(t)-1] == ' ' {
		text = strings.TrimRight(t, " ")
	}
	return n, text, true
}

// fenceOpen reads an opening code fence: its length and info string.
func fenceOpen(s string) (int, string, bool) {
	c := s[0]
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	if n < 3 {
		return 0, "", false
	}
	info := strings.Trim(s[n:], " ")
	if c == '`' && strings.Contains(info, "`") {
		return 0, "", false
	}
	return n, info, true
}

// setextUnderline returns 1 for "===", 2 for "---", else 0.
func setextUnderline(s string) int {
	s = strings.TrimRight(s, " ")
	if s == "" {
		return 0
	}
	switch {
	case strings.Trim(s, "=") == "":
		return 1
	case strings.Trim(s, "-") == "":
		return 2
	}
	return 0
}

// thematicBreak: three or more of one of * - _, spaces between.
func thematicBreak(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if c != '*' && c != '-' && c != '_' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case c:
			n++
		case ' ':
		default:
			return false
		}
	}
	return n >= 3
}

// blockTags are the names of CommonMark's sixth HTML block condition.
const blockTags = "address article aside base basefont blockquote body caption center col colgroup dd details dialog dir div dl dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr html iframe legend li link main menu menuitem nav noframes ol optgroup option p param search section summary table tbody td tfoot th thead title tr track ul"

// htmlStart returns which HTML block condition the line s opens, or 0.
// The seventh (any complete tag alone on its line) cannot interrupt a
// paragraph.
func htmlStart(s string, inPara bool) int {
	lower := strings.ToLower(s)
	for _, t := range []string{"<script", "<pre", "<style", "<textarea"} {
		if strings.HasPrefix(lower, t) {
			if len(s) == len(t) || s[len(t)] == ' ' || s[len(t)] == '>' {
				return 1
			}
		}
	}
	switch {
	case strings.HasPrefix(s, "<!--"):
		return 2
	case strings.HasPrefix(s, "<?"):
		return 3
	case strings.HasPrefix(s, "<![CDATA["):
		return 5
	case len(s) > 2 && s[1] == '!' && isASCIILetter(s[2]):
		return 4
	}
	name := lower[1:]
	name = strings.TrimPrefix(name, "/")
	e := 0
	for e < len(name) && (isASCIILetter(name[e]) || name[e] >= '0' && name[e] <= '9' || name[e] == '-') {
		e++
	}
	if e > 0 && (e == len(name) || name[e] == ' ' || name[e] == '>' || strings.HasPrefix(name[e:], "/>")) {
		for _, t := range strings.Fields(blockTags) {
			if t == name[:e] {
				return 6
			}
		}
	}
	if !inPara {
		if n := htmlTag(s); n > 0 && strings.Trim(s[n:], " ") == "" {
			return 7
		}
	}
	return 0
}

// htmlEnds reports whether line meets the end condition of an HTML block
// opened by condition k.
func htmlEnds(k int, line string) bool {
	lower := strings.ToLower(line)
	switch k {
	case 1:
		return strings.Contains(lower, "</script>") || strings.Contains(lower, "</pre>") ||
			strings.Contains(lower, "</style>") || strings.Contains(lower, "</textarea>")
	case 2:
		return strings.Contains(line, "-->")
	case 3:
		return strings.Contains(line, "?>")
	case 4:
		return strings.Contains(line, ">")
	case 5:
		return strings.Contains(line, "]]>")
	}
	return false
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
