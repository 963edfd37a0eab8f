package mdterm

import (
	"strconv"
	"unicode/utf8"
)

// charRef resolves the body of a character reference (what is between
// "&" and ";"): a decimal one of 1 to 7 digits, a hexadecimal one of 1 to
// 6, or a name from the short list a runbook is likely to use. Code point
// 0 and what is no code point become U+FFFD, as CommonMark says. An
// unknown name is not a reference and stays as written.
func charRef(name string) (string, bool) {
	if len(name) >= 2 && name[0] == '#' {
		digits, base, most := name[1:], 10, 7
		if digits[0] == 'x' || digits[0] == 'X' {
			digits, base, most = digits[1:], 16, 6
		}
		if digits == "" || len(digits) > most {
			return "", false
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return "", false // a sign or a letter that is no digit
		}
		r := rune(v)
		if r == 0 || !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		return string(r), true
	}
	// A switch rather than a map: the linker lays it out, and nothing
	// runs at program start.
	switch name {
	case "amp":
		return "&", true
	case "lt":
		return "<", true
	case "gt":
		return ">", true
	case "quot":
		return `"`, true
	case "apos":
		return "'", true
	case "nbsp":
		return "\u00a0", true
	case "ensp":
		return "\u2002", true
	case "emsp":
		return "\u2003", true
	case "thinsp":
		return "\u2009", true
	case "shy":
		return "\u00ad", true
	case "zwj":
		return "\u200d", true
	case "zwnj":
		return "\u200c", true
	case "copy":
		return "©", true
	case "reg":
		return "®", true
	case "trade":
		return "™", true
	case "hellip":
		return "…", true
	case "mdash":
		return "—", true
	case "ndash":
		return "–", true
	case "minus":
		return "−", true
	case "lsquo":
		return "‘", true
	case "rsquo":
		return "’", true
	case "ldquo":
		return "“", true
	case "rdquo":
		return "”", true
	case "laquo":
		return "«", true
	case "raquo":
		return "»", true
	case "bull":
		return "•", true
	case "middot":
		return "·", true
	case "deg":
		return "°", true
	case "plusmn":
		return "±", true
	case "times":
		return "×", true
	case "divide":
		return "÷", true
	case "micro":
		return "µ", true
	case "para":
		return "¶", true
	case "sect":
		return "§", true
	case "euro":
		return "€", true
	case "pound":
		return "£", true
	case "yen":
		return "¥", true
	case "cent":
		return "¢", true
	case "larr":
		return "←", true
	case "rarr":
		return "→", true
	case "uarr":
		return "↑", true
	case "darr":
		return "↓", true
	case "harr":
		return "↔", true
	case "lArr":
		return "⇐", true
	case "rArr":
		return "⇒", true
	case "hArr":
		return "⇔", true
	case "le":
		return "≤", true
	case "ge":
		return "≥", true
	case "ne":
		return "≠", true
	case "asymp":
		return "≈", true
	case "infin":
		return "∞", true
	case "check":
		return "✓", true
	case "cross":
		return "✗", true
	case "star":
		return "☆", true
	case "frac12":
		return "½", true
	case "frac14":
		return "¼", true
	case "frac34":
		return "¾", true
	case "sup2":
		return "²", true
	case "sup3":
		return "³", true
	case "iexcl":
		return "¡", true
	case "iquest":
		return "¿", true
	case "auml":
		return "ä", true
	case "ouml":
		return "ö", true
	case "uuml":
		return "ü", true
	case "Auml":
		return "Ä", true
	case "Ouml":
		return "Ö", true
	case "Uuml":
		return "Ü", true
	case "szlig":
		return "ß", true
	case "eacute":
		return "é", true
	case "egrave":
		return "è", true
	case "aacute":
		return "á", true
	case "agrave":
		return "à", true
	case "ccedil":
		return "ç", true
	case "ntilde":
		return "ñ", true
	case "num":
		return "#", true
	case "ast":
		return "*", true
	case "lowbar":
		return "_", true
	case "grave":
		return "`", true
	case "verbar", "vert":
		return "|", true
	case "lsqb", "lbrack":
		return "[", true
	case "rsqb", "rbrack":
		return "]", true
	case "bsol":
		return `\`, true
	case "tab":
		return "\t", true
	case "NewLine":
		return "\n", true
	}
	return "", false
}
