package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/internal/golden"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/tui/keymap"
)

// isolate points the XDG directories at fresh ones and clears every
// variable oncall reads, so the machine's own settings cannot leak in.
func isolate(t *testing.T) (configDir, stateDir string) {
	t.Helper()
	configDir, stateDir = t.TempDir(), t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", configDir)
	t.Setenv("XDG_STATE_HOME", stateDir)
	for _, v := range []string{"ONCALL_CONFIG", "PAGERDUTY_TOKEN", "PAGERDUTY_API_URL", "PAGERDUTY_FROM", "PAGERDUTY_TOKEN_TYPE", "ONCALL_DB", "ONCALL_READ_ONLY"} {
		t.Setenv(v, "")
	}
	return configDir, stateDir
}

// cliIn is cli with a standard input.
func cliIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runWith(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestInitWithScriptedAnswers(t *testing.T) {
	configDir, _ := isolate(t)
	_, url := newSim(t)
	cfgPath := filepath.Join(configDir, "oncall", "config.yaml")
	tokenPath := filepath.Join(configDir, "oncall", "token")

	// A token file made from a pasted token; the simulator's URL is the
	// "other" region, offered because --api-url names it.
	answers := strings.Join([]string{"2", "", pdsim.DemoToken, "", "", "pm"}, "\n") + "\n"
	code, out, stderr := cliIn(t, answers, "init", "--api-url", url)
	if code != exitOK {
		t.Fatalf("init: exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
	for _, want := range []string{"ok: Alex Rivera <" + pdsim.DemoUserEmail + ">", "Wrote the token to " + tokenPath, "Wrote " + cfgPath} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if m := mode(t, cfgPath); m != 0o600 {
		t.Errorf("config mode %v", m)
	}
	if m := mode(t, tokenPath); m != 0o600 {
		t.Errorf("token file mode %v", m)
	}
	cfg, err := config.Load(cfgPath, true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIURL != url || cfg.TokenFile != tokenPath || cfg.PostmortemsDir != "pm" || cfg.RunbooksDir != filepath.Join(configDir, "oncall", "runbooks") {
		t.Errorf("config %+v", cfg)
	}
	if b, _ := os.ReadFile(cfgPath); strings.Contains(string(b), pdsim.DemoToken) {
		t.Error("the config holds the token itself")
	}

	// The written config is enough to use PagerDuty: no flag, no env.
	if code, out, stderr := cli(t, "incidents", "--db", filepath.Join(t.TempDir(), "j.db")); code != exitOK || !strings.Contains(out, "checkout-api") {
		t.Fatalf("incidents with the new config: exit %d, stderr %q, out %q", code, stderr, out)
	}

	// Hand edits survive a second run that keeps every answer.
	b, _ := os.ReadFile(cfgPath)
	edited := "# my team's settings\n" + string(b) + "theme: dark # easier at night\nkeys:\n  quit: [Q] # muscle memory\n"
	writeFile(t, cfgPath, edited)
	code, out, stderr = cliIn(t, "\n\n\n\n\n", "init")
	if code != exitOK {
		t.Fatalf("second init: exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
	if !strings.Contains(out, "Using the token already in "+tokenPath) || !strings.Contains(out, "Updated "+cfgPath) {
		t.Errorf("second init output:\n%s", out)
	}
	after, _ := os.ReadFile(cfgPath)
	for _, want := range []string{"# my team's settings", "theme: dark # easier at night", "quit: [Q] # muscle memory", "api_url: " + url, "postmortems_dir: pm"} {
		if !strings.Contains(string(after), want) {
			t.Errorf("second run lost %q:\n%s", want, after)
		}
	}
	if tok, _ := pagerduty.ReadTokenFile(tokenPath); tok != pdsim.DemoToken {
		t.Errorf("token file now holds %q", tok)
	}

	// A third run changes one answer and nothing else.
	code, _, stderr = cliIn(t, "\n\n\nrunbooks-here\n\n", "init")
	if code != exitOK {
		t.Fatalf("third init: exit %d, stderr %q", code, stderr)
	}
	cfg, err = config.Load(cfgPath, true)
	if err != nil || cfg.RunbooksDir != "runbooks-here" || cfg.Theme != "dark" || !slices.Equal(cfg.Keys["quit"], []string{"Q"}) {
		t.Errorf("after the third run: %+v, %v", cfg, err)
	}
}

func TestInitAccountTokenFromEnv(t *testing.T) {
	configDir, _ := isolate(t)
	sim := pdsim.New(pdsim.Options{AccountToken: "acct-token-123"})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	t.Setenv("TEAM_PD_TOKEN", "acct-token-123")
	// env source, a custom variable, the simulator as region, a bad email
	// asked again, then defaults.
	answers := strings.Join([]string{"env", "TEAM_PD_TOKEN", "3", "not-an-email", "ic@example.com", "", ""}, "\n") + "\n"
	code, out, stderr := cliIn(t, answers, "init", "--api-url", srv.URL)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q, out:\n%s", code, stderr, out)
	}
	if !strings.Contains(out, "an account token") || !strings.Contains(out, `"not-an-email" is not an email address`) {
		t.Errorf("output:\n%s", out)
	}
	cfg, err := config.Load(filepath.Join(configDir, "oncall", "config.yaml"), true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TokenEnv != "TEAM_PD_TOKEN" || cfg.FromEmail != "ic@example.com" || cfg.TokenFile != "" {
		t.Errorf("config %+v", cfg)
	}
	if _, err := os.Stat(filepath.Join(configDir, "oncall", "token")); err == nil {
		t.Error("a token file was written for an env token")
	}
}

func TestInitWritesNothingWhenItCannot(t *testing.T) {
	_, url := newSim(t)
	cases := []struct {
		name, answers string
		args          []string
		code          int
		msg           string
	}{
		{"rejected token", "file\n\nwrong-token-123\n\n", []string{"--api-url", url}, exitAuth, "rejected the token from token file"},
		{"unreachable", "file\n\n" + pdsim.DemoToken + "\n\n", []string{"--api-url", deadURL(t)}, exitUnreachable, "cannot reach"},
		{"env not set", "env\nNOT_SET_ANYWHERE\n", nil, exitUsage, "NOT_SET_ANYWHERE is not set"},
		{"input ends", "file\n", []string{"--api-url", url}, exitUsage, "input ended"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			configDir, _ := isolate(t)
			code, out, stderr := cliIn(t, c.answers, append([]string{"init"}, c.args...)...)
			if code != c.code || !strings.Contains(stderr, c.msg) {
				t.Errorf("exit %d (want %d), stderr %q (want %q); out:\n%s", code, c.code, stderr, c.msg, out)
			}
			if strings.Contains(stderr, "wrong-token-123") {
				t.Error("stderr shows the token")
			}
			if entries, _ := os.ReadDir(filepath.Join(configDir, "oncall")); len(entries) > 0 {
				t.Errorf("wrote %v", entries)
			}
		})
	}

	t.Run("broken config", func(t *testing.T) {
		configDir, _ := isolate(t)
		p := filepath.Join(configDir, "oncall", "config.yaml")
		writeFile(t, p, "theme: dark\ncolour: red\n")
		code, _, stderr := cliIn(t, "file\n", "init")
		if code != exitUsage || !strings.Contains(stderr, "line 2") || !strings.Contains(stderr, "before running init again") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		if b, _ := os.ReadFile(p); string(b) != "theme: dark\ncolour: red\n" {
			t.Errorf("file changed: %q", b)
		}
	})
}

func TestDoctor(t *testing.T) {
	_, url := newSim(t)
	dead := deadURL(t)
	type env map[string]string
	cases := []struct {
		name   string
		env    env
		config string // written to $XDG_CONFIG_HOME/oncall/config.yaml when set
		args   []string
		lock   bool
		code   int
		lines  []string // each must appear at the start of a line
	}{
		{"healthy", env{"PAGERDUTY_TOKEN": pdsim.DemoToken}, "", []string{"--api-url", url}, false, exitOK,
			[]string{"ok    config    no file at", "ok    token     valid, user Alex Rivera", "ok    api       " + url, "ok    clock", "ok    journal", "warn  runbooks", "ok    terminal  256 colours"}},
		{"bad config line", env{"PAGERDUTY_TOKEN": pdsim.DemoToken}, "theme: dark\n\nrefresh_intervall: 30s\n", []string{"--api-url", url}, false, exitUsage,
			[]string{`FAIL  config    config `, "ok    token"}},
		{"missing token", env{}, "", []string{"--api-url", url}, false, exitUsage,
			[]string{"FAIL  token     no PagerDuty token found", "ok    api"}},
		{"token rejected", env{"PAGERDUTY_TOKEN": "wrong-token-123"}, "", []string{"--api-url", url}, false, exitAuth,
			[]string{"FAIL  token     PagerDuty rejected the token from env PAGERDUTY_TOKEN (401)", "ok    api"}},
		{"unreachable", env{"PAGERDUTY_TOKEN": pdsim.DemoToken}, "", []string{"--api-url", dead}, false, exitUnreachable,
			[]string{"warn  token     present (env PAGERDUTY_TOKEN), not verified", "FAIL  api       cannot reach " + dead, "warn  clock"}},
		{"journal open in another oncall", env{"PAGERDUTY_TOKEN": pdsim.DemoToken}, "", []string{"--api-url", url}, true, exitOK,
			[]string{"ok    journal", "ok    token"}},
		{"config names the region", env{"PAGERDUTY_TOKEN": pdsim.DemoToken}, "api_url: " + url + "\n", nil, false, exitOK,
			[]string{"ok    config    ", "ok    api       " + url}},
		{"a teammate's token", env{"PAGERDUTY_TOKEN": pdsim.UserToken(pdsim.EmailPriya)}, "", []string{"--api-url", url}, false, exitOK,
			[]string{"ok    token     valid, user Priya Natarajan <" + pdsim.EmailPriya + ">"}},
		{"from_email is not the token's user", env{"PAGERDUTY_TOKEN": pdsim.UserToken(pdsim.EmailPriya), "PAGERDUTY_FROM": pdsim.DemoUserEmail}, "", []string{"--api-url", url}, false, exitOK,
			[]string{"warn  token     valid, user Priya Natarajan <" + pdsim.EmailPriya + "> (env PAGERDUTY_TOKEN), but PAGERDUTY_FROM is " + pdsim.DemoUserEmail}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			configDir, _ := isolate(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			t.Setenv("TERM", "xterm-256color")
			if c.config != "" {
				writeFile(t, filepath.Join(configDir, "oncall", "config.yaml"), c.config)
			}
			db := filepath.Join(t.TempDir(), "journal.db")
			if c.lock {
				j, err := store.Open(db)
				if err != nil {
					t.Fatal(err)
				}
				defer j.Close()
			}
			code, out, stderr := cli(t, append([]string{"doctor", "--db", db}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr %q\n%s", code, c.code, stderr, out)
			}
			for _, want := range c.lines {
				if !strings.Contains("\n"+out, "\n"+want) {
					t.Errorf("no line starting %q in:\n%s", want, out)
				}
			}
			if n := strings.Count(out, "\n"); n != 7 {
				t.Errorf("%d lines, want one per check (7):\n%s", n, out)
			}
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				if strings.HasPrefix(line, "FAIL") && !strings.Contains(line, "; fix: ") {
					t.Errorf("failing line without a fix: %q", line)
				}
			}
			if c.code != exitOK && (!strings.HasPrefix(stderr, "oncall: doctor:") || strings.Count(stderr, "\n") != 1) {
				t.Errorf("stderr %q", stderr)
			}
			if strings.Contains(out+stderr, "wrong-token-123") {
				t.Error("doctor shows the token")
			}
		})
	}

	t.Run("bad config names its line", func(t *testing.T) {
		configDir, _ := isolate(t)
		writeFile(t, filepath.Join(configDir, "oncall", "config.yaml"), "theme: dark\n\nrefresh_intervall: 30s\n")
		_, out, _ := cli(t, "doctor", "--api-url", url, "--db", filepath.Join(t.TempDir(), "j.db"))
		if !strings.Contains(out, `line 3: unknown key "refresh_intervall", did you mean "refresh_interval"?`) {
			t.Errorf("output:\n%s", out)
		}
	})

	t.Run("clock skew", func(t *testing.T) {
		isolate(t)
		var out bytes.Buffer
		err := runDoctor(context.Background(), doctorOptions{
			flags: flagValues{apiURL: url, db: filepath.Join(t.TempDir(), "j.db")}, out: &out,
			getenv: func(k string) string {
				return map[string]string{"PAGERDUTY_TOKEN": pdsim.DemoToken, "TERM": "xterm"}[k]
			},
			now: func() time.Time { return time.Now().Add(2 * time.Minute) },
		})
		if err != nil {
			t.Fatal(err)
		}
		// The Date header is whole seconds: 2m0s or 2m1s.
		if !strings.Contains(out.String(), "warn  clock     this machine's clock is 2m") || !strings.Contains(out.String(), "s ahead of PagerDuty's") {
			t.Errorf("output:\n%s", out.String())
		}
	})
}

func TestPrecedence(t *testing.T) {
	cfg, err := config.Parse("/c.yaml", []byte(`api_url: https://config.example
token_file: /config/token
from_email: config@example.com
read_only: true
runbooks_dir: config-runbooks
refresh_interval: 30s
`))
	if err != nil {
		t.Fatal(err)
	}
	type env map[string]string
	cases := []struct {
		name  string
		flags flagValues
		env   env
		cfg   *config.Config
		check func(s settings) bool
	}{
		{"api url: flag wins", flagValues{apiURL: "https://flag.example"}, env{"PAGERDUTY_API_URL": "https://env.example"}, cfg,
			func(s settings) bool { return s.apiURL == "https://flag.example" && s.apiURLFrom == "--api-url" }},
		{"api url: env over config", flagValues{}, env{"PAGERDUTY_API_URL": "https://env.example"}, cfg,
			func(s settings) bool { return s.apiURL == "https://env.example" }},
		{"api url: config over default", flagValues{}, env{}, cfg,
			func(s settings) bool {
				return s.apiURL == "https://config.example" && s.apiURLFrom == "api_url in /c.yaml"
			}},
		{"api url: default", flagValues{}, env{}, nil,
			func(s settings) bool { return s.apiURL == pagerduty.DefaultAPIURL && s.apiURLFrom == "default" }},
		{"token: flag file wins", flagValues{tokenFile: "/flag/token"}, env{"PAGERDUTY_TOKEN": "t-env"}, cfg,
			func(s settings) bool { return s.tokenFile == "/flag/token" && s.token == "" }},
		{"token: env over config file", flagValues{}, env{"PAGERDUTY_TOKEN": "t-env"}, cfg,
			func(s settings) bool {
				return s.token == "t-env" && s.tokenFile == "" && s.tokenFrom == "env PAGERDUTY_TOKEN"
			}},
		{"token: config file", flagValues{}, env{}, cfg,
			func(s settings) bool {
				return s.tokenFile == "/config/token" && s.tokenFrom == "token file /config/token"
			}},
		{"token: none", flagValues{}, env{}, nil,
			func(s settings) bool { return s.token == "" && s.tokenFile == "" }},
		{"from: env over config", flagValues{}, env{"PAGERDUTY_FROM": "env@example.com"}, cfg,
			func(s settings) bool { return s.from == "env@example.com" }},
		{"from: config", flagValues{}, env{}, cfg,
			func(s settings) bool {
				return s.from == "config@example.com" && strings.Contains(s.fromFrom, "from_email")
			}},
		{"from: none asks PagerDuty", flagValues{}, env{}, nil,
			func(s settings) bool { return s.from == "" && s.fromFrom == "PAGERDUTY_FROM" }},
		{"read-only: flag false beats config true", flagValues{readOnly: false, readOnlySet: true}, env{"ONCALL_READ_ONLY": "true"}, cfg,
			func(s settings) bool { return !s.readOnly && s.readOnlyFrom == "--read-only" }},
		{"read-only: env over config", flagValues{}, env{"ONCALL_READ_ONLY": "false"}, cfg,
			func(s settings) bool { return !s.readOnly && s.readOnlyFrom == "env ONCALL_READ_ONLY" }},
		{"read-only: config", flagValues{}, env{}, cfg,
			func(s settings) bool { return s.readOnly }},
		{"read-only: default off", flagValues{}, env{}, nil,
			func(s settings) bool { return !s.readOnly }},
		{"db: flag over env", flagValues{db: "/flag.db"}, env{"ONCALL_DB": "/env.db"}, cfg,
			func(s settings) bool { return s.db == "/flag.db" }},
		{"db: env", flagValues{}, env{"ONCALL_DB": "/env.db"}, cfg,
			func(s settings) bool { return s.db == "/env.db" }},
		{"config only: runbooks, refresh", flagValues{}, env{}, cfg,
			func(s settings) bool { return s.runbooksDir == "config-runbooks" && s.refresh == 30*time.Second }},
		{"defaults: refresh, postmortems, theme", flagValues{}, env{}, nil,
			func(s settings) bool {
				return s.refresh == 15*time.Second && s.postmortemsDir == "postmortems" && s.theme == "auto"
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := resolve(c.flags, func(k string) string { return c.env[k] }, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(s) {
				t.Errorf("settings %+v", s)
			}
		})
	}
	if _, err := resolve(flagValues{}, func(k string) string { return map[string]string{"ONCALL_READ_ONLY": "maybe"}[k] }, nil); err == nil {
		t.Error("ONCALL_READ_ONLY=maybe accepted")
	}
}

// TestPrecedenceThroughTheCommand proves the commands use the weighed
// settings: the config's API URL is dead, the flag's or env's is live.
func TestPrecedenceThroughTheCommand(t *testing.T) {
	_, live := newSim(t)
	dead := deadURL(t)
	cases := []struct {
		name, config, env string
		args              []string
		code              int
	}{
		{"config alone", "api_url: " + live + "\n", "", nil, exitOK},
		{"config dead, flag live", "api_url: " + dead + "\n", "", []string{"--api-url", live}, exitOK},
		{"config dead, env live", "api_url: " + dead + "\n", live, nil, exitOK},
		{"config live, env dead", "api_url: " + live + "\n", dead, nil, exitUnreachable},
		{"named with ONCALL_CONFIG", "", "", nil, exitOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			configDir, _ := isolate(t)
			t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
			t.Setenv("PAGERDUTY_API_URL", c.env)
			if c.config != "" {
				writeFile(t, filepath.Join(configDir, "oncall", "config.yaml"), c.config)
			} else {
				p := filepath.Join(t.TempDir(), "elsewhere.yaml")
				writeFile(t, p, "api_url: "+live+"\n")
				t.Setenv("ONCALL_CONFIG", p)
			}
			code, _, stderr := cli(t, append([]string{"incidents", "--db", filepath.Join(t.TempDir(), "j.db")}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, c.code, stderr)
			}
		})
	}
}

func TestConfigProblemsStopCommands(t *testing.T) {
	configDir, _ := isolate(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	p := filepath.Join(configDir, "oncall", "config.yaml")
	writeFile(t, p, "api_url: https://api.pagerduty.com\ntheme: dark\ncolour: blue\n")
	code, _, stderr := cli(t, "incidents")
	if code != exitUsage || !strings.Contains(stderr, "config "+p+", line 3: unknown key \"colour\"") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	// --config naming a missing file is a mistake, not "no settings".
	code, _, stderr = cli(t, "incidents", "--config", filepath.Join(configDir, "nope.yaml"))
	if code != exitUsage || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing --config: exit %d, stderr %q", code, stderr)
	}
	// Completion and help work whatever the file says.
	for _, args := range [][]string{{"completion", "bash"}, {"help", "export"}, {"--version"}} {
		if code, _, stderr := cli(t, args...); code != exitOK {
			t.Errorf("%v with a broken config: exit %d, %q", args, code, stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := cli(t, "--version")
	if code != exitOK || !strings.HasPrefix(out, "oncall dev (commit ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
		t.Errorf("exit %d, %q", code, out)
	}
	defer func(v, c string) { version, commit = v, c }(version, commit)
	version, commit = "1.4.0", "0123456789abcdef0123"
	if got := versionString(); !strings.HasPrefix(got, "1.4.0 (commit 0123456789ab, go") {
		t.Errorf("stamped: %q", got)
	}
}

// The build information is read only when the command line may ask for
// it, so every way of asking must still get all of it.
func TestVersionFlagForms(t *testing.T) {
	_, want, _ := cli(t, "--version")
	for _, args := range [][]string{{"-v"}, {"--version=true"}, {"--debug", "-v"}, {"--db", "--", "-v"}} {
		if code, out, stderr := cli(t, args...); code != exitOK || out != want {
			t.Errorf("%v: exit %d, %q (stderr %q); want %q", args, code, out, stderr, want)
		}
	}
	for args, want := range map[string]bool{"--version": true, "-v": true, "-xv": true, "--version=false": true,
		"": false, "demo": false, "--verbose-ish": false, "-": false, "note P1 --": false} {
		if got := asksVersion(strings.Fields(args)); got != want {
			t.Errorf("asksVersion(%q) = %v, want %v", args, got, want)
		}
	}
}

func TestVersionStampedWithLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "oncall")
	build := exec.Command("go", "build", "-o", bin, "-ldflags", "-X main.version=9.8.7 -X main.commit=feedface", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "oncall 9.8.7 (commit feedface, go") {
		t.Errorf("%q, %v", out, err)
	}
}

func TestCompletion(t *testing.T) {
	isolate(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, stderr := cli(t, "completion", shell)
		if code != exitOK || !strings.Contains(out, "oncall") || len(out) < 500 {
			t.Errorf("%s: exit %d, %d bytes, stderr %q", shell, code, len(out), stderr)
		}
	}
}

// TestEveryCommandHasExamples walks the whole tree, cobra's own help and
// completion commands included.
func TestEveryCommandHasExamples(t *testing.T) {
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		if !c.Hidden {
			seen++
			if strings.TrimSpace(c.Example) == "" {
				t.Errorf("%q has no examples", c.CommandPath())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
	if seen < 15 {
		t.Errorf("walked only %d commands", seen)
	}
	for _, args := range [][]string{{"help", "doctor"}, {"help", "init"}, {"doctor", "--help"}} {
		code, out, _ := cli(t, args...)
		if code != exitOK || !strings.Contains(out, "Examples:") {
			t.Errorf("%v: exit %d:\n%s", args, code, out)
		}
	}
}

func TestDebugLogNeverHoldsTheToken(t *testing.T) {
	const token = "u+secret-token-7f3a9c"
	sim := pdsim.New(pdsim.Options{Token: token})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	configDir, stateDir := isolate(t)
	logPath := filepath.Join(stateDir, "oncall", "debug.log")
	tokenFile := filepath.Join(configDir, "token")
	writeFile(t, tokenFile, token+"\n")

	runs := []struct {
		env  string
		args []string
		code int
	}{
		{token, []string{"incidents"}, exitOK},
		{"", []string{"incidents", "--token-file", tokenFile}, exitOK},
		{token, []string{"doctor"}, exitOK},
		{token + "x", []string{"incidents"}, exitAuth}, // a wrong token, which errors quote the most
	}
	for _, r := range runs {
		t.Setenv("PAGERDUTY_TOKEN", r.env)
		args := append(r.args, "--debug", "--api-url", srv.URL, "--db", filepath.Join(t.TempDir(), "j.db"))
		code, out, stderr := cli(t, args...)
		if code != r.code && !(r.args[0] == "doctor" && code != exitAuth) {
			t.Errorf("%v: exit %d, stderr %q", r.args, code, stderr)
		}
		if strings.Contains(out+stderr, "level=") || strings.Contains(out+stderr, token) {
			t.Errorf("%v: the log or the token reached the terminal: %q %q", r.args, out, stderr)
		}
	}
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	if strings.Contains(log, token) || strings.Contains(log, "secret-token") {
		t.Errorf("the debug log holds the token:\n%s", log)
	}
	for _, want := range []string{"method=GET", "path=/incidents", "status=200", "status=401", "token_from=\"env PAGERDUTY_TOKEN\"", "msg=done"} {
		if !strings.Contains(log, want) {
			t.Errorf("debug log lacks %q:\n%s", want, log)
		}
	}
	if m := mode(t, logPath); m != 0o600 {
		t.Errorf("debug log mode %v", m)
	}

	// Without --debug nothing is written.
	os.Remove(logPath)
	t.Setenv("PAGERDUTY_TOKEN", token)
	cli(t, "incidents", "--api-url", srv.URL, "--db", filepath.Join(t.TempDir(), "j.db"))
	if _, err := os.Stat(logPath); err == nil {
		t.Error("a debug log was written without --debug")
	}
}

// TestREADMEDocumentsTheConfiguration checks that the README's
// configuration reference names every key, the precedence, the exit codes,
// the EU region and completion.
func TestREADMEDocumentsTheConfiguration(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i := strings.Index(readme, "## Configuration")
	if i < 0 {
		t.Fatal("README has no ## Configuration section")
	}
	section := readme[i:]
	if j := strings.Index(section[3:], "\n## "); j >= 0 {
		section = section[:j+3]
	}
	for _, k := range config.Keys {
		if !strings.Contains(section, "| `"+k+"` |") {
			t.Errorf("the Configuration table lacks a row for `%s`", k)
		}
	}
	// The example file loads and sets every key.
	_, example, ok := strings.Cut(section, "```yaml\n")
	example, _, _ = strings.Cut(example, "```")
	if !ok {
		t.Fatal("the Configuration section has no yaml example")
	}
	cfg, err := config.Parse("README example", []byte(example))
	if err != nil {
		t.Fatalf("the README's example does not load: %v", err)
	}
	for _, k := range config.Keys {
		if !cfg.IsSet(k) {
			t.Errorf("the README's example does not set %s", k)
		}
	}
	for _, want := range []string{"flags > environment > configuration file > defaults", "0 ok", "3 authentication", "4 PagerDuty unreachable",
		euAPIURL, "oncall completion bash", "oncall completion zsh", "oncall completion fish", "oncall init", "oncall doctor", "--debug"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q", want)
		}
	}
	// The list of actions is the one the keys map accepts.
	const start, end = "<!-- actions:start", "<!-- actions:end -->"
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README lacks the %q ... %q markers", start, end)
	}
	i += strings.Index(readme[i:], "\n") + 1
	want := actionsMarkdown()
	if readme[i:j] == want {
		return
	}
	if golden.Updating() {
		if err := os.WriteFile("../../README.md", []byte(readme[:i]+want+readme[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README's list of key actions differs from the key map; run go test ./cmd/oncall -run TestREADME -update\n--- README\n%s--- key map\n%s", readme[i:j], want)
}

// actionsMarkdown lists the key actions, wrapped.
func actionsMarkdown() string {
	var b strings.Builder
	line := 0
	names := keymap.Names()
	for k, a := range names {
		w := "`" + a + "`"
		if k < len(names)-1 {
			w += ","
		}
		if line > 0 && line+1+len(w) > 72 {
			b.WriteString("\n")
			line = 0
		}
		if line > 0 {
			b.WriteString(" ")
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String() + "\n"
}

// A command line that can only open the view builds the root alone; any
// other gets the whole tree. On every line of the first kind, the root
// alone and the whole tree must answer alike (here without a token, so
// nothing reaches the network or a terminal).
func TestViewOnlyRootAnswersAsTheWholeTree(t *testing.T) {
	isolate(t)
	t.Setenv("PAGERDUTY_TOKEN", "")
	t.Setenv("ONCALL_CONFIG", "")
	db := filepath.Join(t.TempDir(), "journal.db")
	root, _ := newRootAlone()
	viewOnly := [][]string{
		{}, {"1045"}, {"#1045"}, {"PT4KHLK"}, {"--db", db}, {"--db=" + db, "1045"}, {"--read-only"}, {"--read-only", "PT4KHLK"},
		{"--", "1045"}, {"--db"}, {"--api-url", "http://127.0.0.1:9", "--debug=false", "#7"},
	}
	whole := [][]string{
		{"demo"}, {"help"}, {"--help"}, {"-h"}, {"--version"}, {"-v"}, {"1045", "2"}, {"deom"}, {"--nosuch"},
		{"note", "1045", "x"}, {"--", "demo"}, {"-"}, {"__complete", ""}, {"completion", "bash"}, {"--db", db, "export", "1045"},
	}
	for _, args := range viewOnly {
		if !opensViewOnly(root, args) {
			t.Errorf("%q: takes the whole tree, but can only open the view", args)
			continue
		}
		fastCode, fastOut, fastErr := runAlone(args, newRootFor)
		fullCode, fullOut, fullErr := runAlone(args, func([]string) (*cobra.Command, *globalOptions) { return newRoot() })
		if fastCode != fullCode || fastOut != fullOut || fastErr != fullErr {
			t.Errorf("%q: the root alone answers %d %q %q; the whole tree %d %q %q", args, fastCode, fastOut, fastErr, fullCode, fullOut, fullErr)
		}
		if fastCode == exitOK {
			t.Errorf("%q: exit 0 without a token", args)
		}
	}
	for _, args := range whole {
		if opensViewOnly(root, args) {
			t.Errorf("%q: builds the root alone, but needs the whole tree", args)
		}
	}
}

func runAlone(args []string, build func([]string) (*cobra.Command, *globalOptions)) (int, string, string) {
	var out, errOut bytes.Buffer
	cmd, g := build(args)
	code := runRoot(cmd, g, args, nil, &out, &errOut)
	return code, out.String(), errOut.String()
}
