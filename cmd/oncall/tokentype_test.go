package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
)

// authRecorder is pdsim behind a handler that keeps every Authorization
// header it was sent, so a test can tell how a token travelled: pdsim
// takes both schemes, so only the header itself shows which one was used.
type authRecorder struct {
	sim *pdsim.Server
	url string

	mu    sync.Mutex
	auths []string
}

func newAuthRecorder(t *testing.T) *authRecorder {
	t.Helper()
	c := pdsim.NewClock(time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC))
	r := &authRecorder{sim: pdsim.New(pdsim.Options{Now: c.Now, Scenario: pdsim.Scenario{}})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.auths = append(r.auths, req.Header.Get("Authorization"))
		r.mu.Unlock()
		r.sim.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

// take returns the headers seen since the last call.
func (r *authRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.auths
	r.auths = nil
	return out
}

// allAre checks that there was at least one request and every one carried
// want.
func allAre(t *testing.T, what string, got []string, want string) {
	t.Helper()
	if len(got) == 0 {
		t.Fatalf("%s: no request reached the simulator", what)
	}
	for _, h := range got {
		if h != want {
			t.Errorf("%s: a request carried Authorization %q, want %q (all %d: %q)", what, h, want, len(got), got)
			return
		}
	}
}

// TestOAuthTokenFromTheConfigFile: with token_type: oauth in the file, a
// note sent by the real command travels as "Bearer demo-priya" on every
// request and PagerDuty (pdsim) records it as Priya's; doctor checks the
// same token with the same scheme and says so.
func TestOAuthTokenFromTheConfigFile(t *testing.T) {
	configDir, _ := isolate(t)
	t.Setenv("PAGERDUTY_TOKEN_TYPE", "")
	r := newAuthRecorder(t)
	inc, err := r.sim.AddIncident(pdsim.IncidentSpec{Title: "checkout 5xx", Service: pdsim.ServiceCheckout})
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(configDir, "oncall", "config.yaml")
	writeFile(t, cfgPath, "api_url: "+r.url+"\ntoken_type: oauth\n")
	priya := pdsim.UserToken(pdsim.EmailPriya)
	t.Setenv("PAGERDUTY_TOKEN", priya)

	code, out, errOut := cli(t, "note", inc.ID, "pool at 98%, raising it", "--db", filepath.Join(t.TempDir(), "j.db"))
	if code != 0 {
		t.Fatalf("oncall note: exit %d: %s%s", code, out, errOut)
	}
	allAre(t, "oncall note", r.take(), "Bearer "+priya)
	notes := r.sim.Notes(inc.ID)
	if len(notes) != 1 || notes[0].UserEmail != pdsim.EmailPriya || !strings.Contains(notes[0].Content, "pool at 98%") {
		t.Fatalf("the simulator holds notes %+v, want one by Priya", notes)
	}

	t.Setenv("TERM", "xterm-256color")
	code, out, errOut = cli(t, "doctor", "--db", filepath.Join(t.TempDir(), "d.db"))
	if code != exitOK {
		t.Fatalf("doctor: exit %d: %s\n%s", code, errOut, out)
	}
	want := "ok    token     valid, user Priya Natarajan <" + pdsim.EmailPriya + "> (env PAGERDUTY_TOKEN); sent as an OAuth Bearer token (token_type in " + cfgPath + ")"
	if !strings.Contains("\n"+out, "\n"+want+"\n") {
		t.Errorf("doctor's token line is not %q:\n%s", want, out)
	}
	allAre(t, "oncall doctor", r.take(), "Bearer "+priya)
}

// TestTokenTypeFromTheEnvironment: PAGERDUTY_TOKEN_TYPE beats the file in
// both directions, an API key stays "Token token=" by default, and a value
// that is neither is one line and exit 2 before anything is sent.
func TestTokenTypeFromTheEnvironment(t *testing.T) {
	configDir, _ := isolate(t)
	t.Setenv("PAGERDUTY_TOKEN_TYPE", "")
	r := newAuthRecorder(t)
	yuki := pdsim.UserToken(pdsim.EmailYuki)
	t.Setenv("PAGERDUTY_TOKEN", yuki)
	list := func(what string) {
		t.Helper()
		code, out, errOut := cli(t, "incidents", "--api-url", r.url, "--json")
		if code != 0 {
			t.Fatalf("%s: oncall incidents: exit %d: %s%s", what, code, out, errOut)
		}
	}

	list("no setting")
	allAre(t, "no setting", r.take(), "Token token="+yuki)

	t.Setenv("PAGERDUTY_TOKEN_TYPE", "oauth")
	list("env oauth")
	allAre(t, "env oauth", r.take(), "Bearer "+yuki)

	cfgPath := filepath.Join(configDir, "oncall", "config.yaml")
	writeFile(t, cfgPath, "token_type: oauth\n")
	t.Setenv("PAGERDUTY_TOKEN_TYPE", "token")
	list("env token over file oauth")
	allAre(t, "env token over file oauth", r.take(), "Token token="+yuki)

	writeFile(t, cfgPath, "token_type: token\n")
	t.Setenv("PAGERDUTY_TOKEN_TYPE", "OAuth")
	list("env OAuth over file token")
	allAre(t, "env OAuth over file token", r.take(), "Bearer "+yuki)

	t.Setenv("PAGERDUTY_TOKEN_TYPE", "bearer")
	code, out, errOut := cli(t, "incidents", "--api-url", r.url)
	if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, `PAGERDUTY_TOKEN_TYPE="bearer": want token or oauth`) {
		t.Errorf("bad PAGERDUTY_TOKEN_TYPE: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got := r.take(); len(got) != 0 {
		t.Errorf("%d requests sent despite a bad PAGERDUTY_TOKEN_TYPE", len(got))
	}
}

// TestBadTokenTypeInTheFileNamesItsLine: the real command refuses the
// file with its line, in one line, and sends nothing; doctor reports the
// same line as a configuration failure.
func TestBadTokenTypeInTheFileNamesItsLine(t *testing.T) {
	configDir, _ := isolate(t)
	t.Setenv("PAGERDUTY_TOKEN_TYPE", "")
	r := newAuthRecorder(t)
	t.Setenv("PAGERDUTY_TOKEN", pdsim.DemoToken)
	cfgPath := filepath.Join(configDir, "oncall", "config.yaml")
	writeFile(t, cfgPath, "# team settings\napi_url: "+r.url+"\ntoken_type: bearer\n")

	code, out, errOut := cli(t, "incidents")
	want := "config " + cfgPath + `, line 3: token_type "bearer" is not one of token, oauth`
	if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errOut, want)
	}
	if got := r.take(); len(got) != 0 {
		t.Errorf("%d requests sent with a refused configuration", len(got))
	}

	t.Setenv("TERM", "xterm-256color")
	_, out, _ = cli(t, "doctor", "--db", filepath.Join(t.TempDir(), "d.db"))
	if !strings.Contains(out, "FAIL  config    "+want) {
		t.Errorf("doctor does not name the line:\n%s", out)
	}
}

// TestDoctorRejectedOAuthToken: an OAuth token PagerDuty rejects fails
// with exit 3 and a fix that speaks of OAuth tokens, and a rejected API
// key's fix mentions token_type, since a Bearer token sent as an API key
// is rejected the same way.
func TestDoctorRejectedOAuthToken(t *testing.T) {
	isolate(t)
	r := newAuthRecorder(t)
	t.Setenv("TERM", "xterm-256color")
	t.Setenv("PAGERDUTY_TOKEN", "expired-oauth-123")
	for _, c := range []struct{ tokenType, header, fix string }{
		{"oauth", "Bearer expired-oauth-123", "get a new OAuth access token (they expire) and update env PAGERDUTY_TOKEN, or, if it is a REST API key, drop the OAuth setting (env PAGERDUTY_TOKEN_TYPE)"},
		{"", "Token token=expired-oauth-123", "if it is an OAuth access token, set token_type: oauth in the config (or PAGERDUTY_TOKEN_TYPE=oauth)"},
	} {
		t.Setenv("PAGERDUTY_TOKEN_TYPE", c.tokenType)
		code, out, _ := cli(t, "doctor", "--api-url", r.url, "--db", filepath.Join(t.TempDir(), "d.db"))
		if code != exitAuth || !strings.Contains(out, "FAIL  token     PagerDuty rejected the token") || !strings.Contains(out, c.fix) {
			t.Errorf("type %q: exit %d, want %d and a fix %q:\n%s", c.tokenType, code, exitAuth, c.fix, out)
		}
		if strings.Contains(out, "expired-oauth-123") {
			t.Errorf("type %q: doctor shows the token", c.tokenType)
		}
		allAre(t, "doctor, type "+c.tokenType, r.take(), c.header)
	}
}

// TestTokenTypePrecedence: environment > file > default, and the place
// each came from is named (doctor shows it).
func TestTokenTypePrecedence(t *testing.T) {
	cfg, err := config.Parse("/c.yaml", []byte("token_type: oauth\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env       string
		cfg       *config.Config
		want, src string
	}{
		{"", nil, pagerduty.TokenAPI, "default"},
		{"", cfg, pagerduty.TokenOAuth, "token_type in /c.yaml"},
		{"token", cfg, pagerduty.TokenAPI, "env PAGERDUTY_TOKEN_TYPE"},
		{" OAUTH ", nil, pagerduty.TokenOAuth, "env PAGERDUTY_TOKEN_TYPE"},
	} {
		s, err := resolve(flagValues{}, func(k string) string {
			if k == "PAGERDUTY_TOKEN_TYPE" {
				return c.env
			}
			return ""
		}, c.cfg)
		if err != nil || s.tokenType != c.want || s.tokenTypeFrom != c.src {
			t.Errorf("env %q, file %v: %q from %q (%v), want %q from %q", c.env, c.cfg != nil, s.tokenType, s.tokenTypeFrom, err, c.want, c.src)
		}
	}
}

// TestSimulatePrintsTheTeamsTokens: simulate lists every simulated user
// with a token of their own, and each printed token, sent as either scheme,
// is that user to the simulator (GET /users/me names the printed email).
// Loaded without --log-entries, it does not speak of an empty timeline.
func TestSimulatePrintsTheTeamsTokens(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	cmd := newSimulateCmd()
	cmd.SetArgs([]string{"--addr", "127.0.0.1:0", "--incidents", "2"})
	cmd.SetOut(pw)
	cmd.SetErr(pw)
	done := make(chan error, 1)
	go func() {
		err := cmd.ExecuteContext(ctx)
		pw.Close()
		done <- err
	}()

	type member struct{ token, name, email string }
	var addr, loaded string
	var team []member
	lines := bufio.NewScanner(pr)
	inTeam := false
	for lines.Scan() {
		line := lines.Text()
		if strings.HasPrefix(line, "Loaded ") {
			loaded = line
		}
		if rest, ok := strings.CutPrefix(line, "PagerDuty simulator on "); ok {
			addr, _, _ = strings.Cut(rest, " ")
			continue
		}
		if strings.HasPrefix(line, "Team tokens") {
			inTeam = true
			continue
		}
		if !inTeam {
			continue
		}
		f := strings.Fields(line)
		if !strings.HasPrefix(line, "  ") || len(f) < 3 {
			break
		}
		team = append(team, member{f[0], strings.Join(f[1:len(f)-1], " "), f[len(f)-1]})
		if len(team) == 8 {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" || len(team) == 0 {
		cancel()
		t.Fatalf("simulate printed address %q and team %v: %v", addr, team, <-done)
	}

	if !strings.HasPrefix(loaded, "Loaded 2 incidents (#") || !strings.HasSuffix(loaded, ")") {
		t.Errorf("simulate said %q, want the 2 incidents and nothing about log entries", loaded)
	}

	wantTokens := map[string]string{}
	for _, e := range []string{pdsim.DemoUserEmail, pdsim.EmailPriya, pdsim.EmailMarcus, pdsim.EmailSofia, pdsim.EmailJamal, pdsim.EmailHannah, pdsim.EmailDiego, pdsim.EmailYuki} {
		wantTokens[e] = pdsim.UserToken(e)
	}
	if len(team) != len(wantTokens) {
		t.Errorf("simulate printed %d team members, want %d: %v", len(team), len(wantTokens), team)
	}
	seen := map[string]bool{}
	for i, m := range team {
		if seen[m.token] {
			t.Errorf("token %s printed twice", m.token)
		}
		seen[m.token] = true
		if wantTokens[m.email] != m.token {
			t.Errorf("simulate printed %s for %s, want %q", m.token, m.email, wantTokens[m.email])
		}
		scheme := "Bearer " + m.token
		if i%2 == 0 {
			scheme = "Token token=" + m.token
		}
		req, _ := http.NewRequest("GET", addr+"/users/me", nil)
		req.Header.Set("Authorization", scheme)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct {
			User struct{ Name, Email string } `json:"user"`
		}
		err = json.NewDecoder(resp.Body).Decode(&me)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || me.User.Email != m.email || me.User.Name != m.name {
			t.Errorf("GET /users/me as %q = %d %+v (%v), want %s <%s>", scheme, resp.StatusCode, me.User, err, m.name, m.email)
		}
	}
	if !seen["demo-priya"] || !seen["demo-alex"] {
		t.Errorf("demo-alex or demo-priya missing from %v", team)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("simulate after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("simulate did not stop when its context ended")
	}
}
