package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/tui/keymap"
)

const full = `# team settings
api_url: https://api.eu.pagerduty.com
token_file: /secrets/pd-token
token_env: MY_PD_TOKEN
token_type: OAuth
from_email: alex@example.com
refresh_interval: 30s
runbooks_dir: ops/runbooks
postmortems_dir: docs/postmortems
premortems_dir: ops/premortems
status_update_every: 30m
read_only: true
slos:
  checkout-api: {target: 99.9, window: 28d}
  search:
    target: 99.5
keys:
  quit: [Q, ctrl+c]
  acknowledge: [K]
  copy_url: ctrl+y
theme: light
runbook_workdir: /srv/ops
redact_env: [ACQ_URL]
redact: ['AKIA[0-9A-Z]{16}']
post_output: false
zone: Europe/Paris
work_hours: 08:30-17:00
sleep_hours: 23:00-06:30
`

func TestParseEveryKey(t *testing.T) {
	c, err := Parse("config.yaml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	want := SLO{Target: 99.9, Window: 28 * 24 * time.Hour}
	if c.APIURL != "https://api.eu.pagerduty.com" || c.TokenFile != "/secrets/pd-token" || c.TokenEnv != "MY_PD_TOKEN" || c.TokenType != "oauth" ||
		c.FromEmail != "alex@example.com" || c.RefreshInterval != 30*time.Second || c.RunbooksDir != "ops/runbooks" ||
		c.StatusUpdateEvery != 30*time.Minute ||
		c.PostmortemsDir != "docs/postmortems" || !c.ReadOnly || c.Theme != "light" ||
		c.SLOs["checkout-api"] != want || c.SLOs["search"] != (SLO{99.5, DefaultSLOWindow}) ||
		!slices.Equal(c.Keys["quit"], []string{"Q", "ctrl+c"}) || !slices.Equal(c.Keys["copy_url"], []string{"ctrl+y"}) ||
		c.RunbookWorkdir != "/srv/ops" || !slices.Equal(c.RedactEnv, []string{"ACQ_URL"}) || !slices.Equal(c.Redact, []string{"AKIA[0-9A-Z]{16}"}) || c.PostOutput ||
		c.Zone != "Europe/Paris" || c.Location == nil || c.Location.String() != "Europe/Paris" ||
		c.WorkHours != (Hours{8*time.Hour + 30*time.Minute, 17 * time.Hour}) || c.SleepHours != (Hours{23 * time.Hour, 6*time.Hour + 30*time.Minute}) {
		t.Errorf("parsed %+v", c)
	}
	for _, k := range Keys {
		if !c.IsSet(k) {
			t.Errorf("%s not marked as set", k)
		}
	}
}

func TestDefaults(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "---\n"} {
		c, err := Parse("c.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if c.RefreshInterval != 15*time.Second || c.StatusUpdateEvery != 20*time.Minute || c.PostmortemsDir != "postmortems" || c.Theme != "auto" ||
			c.TokenEnv != "PAGERDUTY_TOKEN" || c.TokenType != "" || c.ReadOnly || c.IsSet("api_url") ||
			c.Zone != "" || c.Location != nil || c.WorkHours.String() != "09:00-18:00" || c.SleepHours.String() != "22:00-07:00" {
			t.Errorf("%q: defaults %+v", src, c)
		}
	}
}

func TestProblemsNameTheirLine(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"unknown key", "api_url: https://x\ncolour: dark\n", 2, `unknown key "colour"`},
		{"bad zone", "theme: dark\nzone: Mars/Olympus\n", 2, `zone "Mars/Olympus" is not a time zone`},
		{"local zone", "zone: Local\n", 1, `zone "Local" is not a time zone`},
		{"zone list", "zone: [UTC]\n", 1, "zone must be a single value"},
		{"bad work hours", "work_hours: 9-18\n", 1, `work_hours "9-18": want HH:MM-HH:MM`},
		{"work hours wrap", "\nwork_hours: 22:00-06:00\n", 2, `work_hours "22:00-06:00": the day must end after it starts`},
		{"empty sleep", "sleep_hours: 07:00-07:00\n", 1, `sleep_hours "07:00-07:00": the span is empty`},
		{"past midnight", "sleep_hours: 22:00-24:30\n", 1, "runs past 24:00"},
		{"misspelt key", "\n\nrefresh_intervall: 20s\n", 3, `did you mean "refresh_interval"`},
		{"syntax", "api_url: https://x\n  bad: [\n", 2, "not valid YAML"},
		{"not a mapping", "- a\n- b\n", 1, "must be a mapping"},
		{"short refresh", "refresh_interval: 2s\n", 1, "below the minimum of 5s"},
		{"bad refresh", "refresh_interval: soon\n", 1, "not a duration"},
		{"bad token type", "api_url: https://x\n\ntoken_type: bearer\n", 3, `token_type "bearer" is not one of token, oauth`},
		{"token type list", "token_type: [oauth]\n", 1, "token_type must be a single value"},
		{"bad theme", "theme: neon\n", 1, `theme "neon" is not one of auto, dark, light`},
		{"bad read_only", "read_only: yes please\n", 1, "true or false"},
		{"bad redact pattern", "redact:\n  - ok[0-9]+\n  - '('\n", 3, "not a regular expression"},
		{"empty-matching redact pattern", "redact: ['x*']\n", 1, "matches empty text"},
		{"bad redact_env", "redact_env: [A-B]\n", 1, "not an environment variable name"},
		{"bad post_output", "post_output: sometimes\n", 1, "true or false"},
		{"bad url", "api_url: api.pagerduty.com\n", 1, "must start with https://"},
		{"list for a string", "from_email: [a@b]\n", 1, "single value"},
		{"bad email", "from_email: alex\n", 1, "not an email"},
		{"slo target", "slos:\n  api:\n    target: 120\n", 3, "between 0 and 100"},
		{"slo window", "slos:\n  api: {target: 99, window: a month}\n", 2, "window"},
		{"slo unknown key", "slos:\n  api:\n    target: 99\n    budget: 3\n", 4, `unknown key "budget" in slos.api`},
		{"slo without target", "slos:\n  api:\n    window: 7d\n", 2, "no target"},
		{"unknown action", "keys:\n  quitt: [x]\n", 2, `unknown action "quitt" in keys, did you mean "quit"?`},
		{"bad key name", "keys:\n  quit:\n    - q\n    - escape\n", 4, `did you mean "esc"`},
		{"bad modifier", "keys:\n  quit: [cmd+q]\n", 2, `unknown modifier "cmd"`},
		{"shift letter", "keys:\n  quit: [shift+q]\n", 2, "shifted character"},
		{"empty list", "keys:\n  quit: []\n", 2, "at least one key"},
		{"duplicate in file", "keys:\n  quit: [x]\n  help: [\"?\", x]\n", 3, `key "x" is bound to both help (line 3) and quit (line 2)`},
		{"duplicate with a default", "\nkeys:\n  quit: [a]\n", 3, `key "a" is bound to both acknowledge (its default) and quit`},
		{"twice in one action", "keys:\n  quit: [x, x]\n", 2, "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("config.yaml", []byte(c.src))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if ce.Line != c.line || !strings.Contains(ce.Error(), c.msg) {
				t.Errorf("got line %d %q, want line %d containing %q", ce.Line, ce.Error(), c.line, c.msg)
			}
			if !strings.Contains(ce.Error(), "line ") || strings.Contains(ce.Error(), "\n") {
				t.Errorf("error is not one line naming its line: %q", ce.Error())
			}
		})
	}
}

func TestKeysMayRepeatAcrossScopes(t *testing.T) {
	// y copies on a page and confirms in a prompt by default; n adds a note
	// and cancels. Rebinding a page action onto a prompt key is fine too.
	if _, err := Parse("c.yaml", []byte("keys:\n  refresh: [Y]\n  cancel: [N, esc]\n")); err != nil {
		t.Fatal(err)
	}
	// Freeing a key by rebinding its default owner makes it available.
	if _, err := Parse("c.yaml", []byte("keys:\n  acknowledge: [K]\n  quit: [a]\n")); err != nil {
		t.Fatal(err)
	}
}

// TestEveryActionIsConfigurable: a file naming every action of the key
// map with its default keys parses, so no binding is out of the file's
// reach and no default key fails the file's own checks.
func TestEveryActionIsConfigurable(t *testing.T) {
	var b strings.Builder
	b.WriteString("keys:\n")
	defaults := keymap.Defaults()
	for _, a := range keymap.Names() {
		b.WriteString("  " + a + ": [")
		for i, k := range defaults[a] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(k))
		}
		b.WriteString("]\n")
	}
	c, err := Parse("c.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(c.Keys) != len(keymap.Names()) || !slices.Equal(c.Keys["quit"], []string{"q", "ctrl+c"}) {
		t.Fatalf("keys read: %v", c.Keys)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.yaml")
	if c, err := Load(missing, false); err != nil || c.Path != "" {
		t.Errorf("missing optional file: %+v, %v", c, err)
	}
	if _, err := Load(missing, true); err == nil || !strings.Contains(err.Error(), "oncall init") {
		t.Errorf("missing named file: %v", err)
	}
	p := filepath.Join(dir, "c.yaml")
	os.WriteFile(p, []byte("theme: dark\n"), 0o600)
	if c, err := Load(p, true); err != nil || c.Theme != "dark" || c.Path != p {
		t.Errorf("load: %+v, %v", c, err)
	}
}

func TestLocate(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv(EnvPath, "")
	if p, explicit, _ := Locate(""); p != "/xdg/oncall/config.yaml" || explicit {
		t.Errorf("default: %s %v", p, explicit)
	}
	t.Setenv(EnvPath, "/env.yaml")
	if p, explicit, _ := Locate(""); p != "/env.yaml" || !explicit {
		t.Errorf("env: %s %v", p, explicit)
	}
	if p, explicit, _ := Locate("/flag.yaml"); p != "/flag.yaml" || !explicit {
		t.Errorf("flag: %s %v", p, explicit)
	}
}

func TestUpdateKeepsWhatItDoesNotSet(t *testing.T) {
	p := filepath.Join(t.TempDir(), "oncall", "config.yaml")
	if err := Update(p, []Setting{{"api_url", "https://api.pagerduty.com"}, {"runbooks_dir", "rb"}}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new file: %v %v", fi, err)
	}
	hand := `# my settings
api_url: https://api.pagerduty.com # US for now
theme: dark   # easier at night
keys:
  quit: [Q]   # muscle memory
runbooks_dir: rb
`
	os.WriteFile(p, []byte(hand), 0o644)
	err := Update(p, []Setting{{"api_url", "https://api.eu.pagerduty.com"}, {"runbooks_dir", ""}, {"from_email", "a@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	for _, want := range []string{"# my settings", "api_url: https://api.eu.pagerduty.com # US for now", "theme: dark # easier at night",
		"# muscle memory", "quit: [Q]", "from_email: a@example.com"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("edited file lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(string(got), "runbooks_dir") {
		t.Errorf("runbooks_dir not removed:\n%s", got)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	c, err := Load(p, true)
	if err != nil || c.Theme != "dark" || c.APIURL != "https://api.eu.pagerduty.com" {
		t.Errorf("edited file loads as %+v, %v", c, err)
	}

	// A setting that would make the file invalid writes nothing.
	before, _ := os.ReadFile(p)
	if err := Update(p, []Setting{{"theme", "neon"}}); err == nil {
		t.Error("invalid update accepted")
	}
	if after, _ := os.ReadFile(p); string(after) != string(before) {
		t.Error("a refused update changed the file")
	}
}

func TestUpdateThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles.yaml")
	os.WriteFile(real, []byte("theme: dark\n"), 0o600)
	link := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	if err := Update(link, []Setting{{"from_email", "a@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(real); !strings.Contains(string(b), "from_email") {
		t.Errorf("target not edited: %s", b)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(full))
	f.Add([]byte("keys:\n  quit: [ctrl++]\n"))
	f.Add([]byte("slos: {a: {target: 1e400}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err == nil && c.RefreshInterval < MinRefreshInterval {
			t.Errorf("accepted refresh interval %s", c.RefreshInterval)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error %q", err)
		}
	})
}
