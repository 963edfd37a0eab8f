package pagerduty

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/oncallkit/oncall/internal/regularfile"
)

// maxTokenFile bounds what ReadTokenFile reads: a token is short.
const maxTokenFile = 4 << 10

// ReadTokenFile reads an API token from a file holding only the token
// (surrounding white space is ignored). A file that other users may read
// or write (any group or other permission bit) is refused, with the
// command that fixes it, since the token acts as its owner.
func ReadTokenFile(path string) (string, error) {
	// Opened without blocking: a named pipe must be refused, not waited on.
	f, info, err := regularfile.Open(path)
	if errors.Is(err, regularfile.ErrNotRegular) {
		return "", fmt.Errorf("token file %s is not a regular file", path)
	}
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	defer f.Close()
	// Windows reports no group or other bits worth checking.
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return "", fmt.Errorf("token file %s can be read by other users (mode %04o); run: chmod 600 %s", path, perm, shellQuote(path))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxTokenFile+1))
	if err != nil {
		return "", fmt.Errorf("token file %s: %w", path, err)
	}
	if len(b) > maxTokenFile {
		return "", fmt.Errorf("token file %s is too large to hold a token", path)
	}
	token := strings.TrimSpace(string(b))
	switch {
	case token == "":
		return "", fmt.Errorf("token file %s is empty", path)
	case strings.ContainsAny(token, " \t\r\n"):
		return "", errors.New("token file " + path + " holds more than one word; it should hold only the token")
	}
	return token, nil
}

// shellQuote quotes a path for a command a person will paste, when it
// needs quoting.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+~", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
