package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pdsim"
)

// TestSimulateLoads: `oncall simulate --incidents N --log-entries M` serves
// a simulator that already holds N incidents and an M-entry timeline, so a
// tool that only speaks HTTP can load-test against it.
func TestSimulateLoads(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	cmd := newSimulateCmd()
	cmd.SetArgs([]string{"--addr", "127.0.0.1:0", "--incidents", "1000", "--log-entries", "500", "--seed", "9"})
	cmd.SetOut(pw)
	done := make(chan error, 1)
	go func() {
		err := cmd.ExecuteContext(ctx)
		pw.Close()
		done <- err
	}()

	lines := bufio.NewScanner(pr)
	var loaded, addr string
	for lines.Scan() {
		line := lines.Text()
		if strings.HasPrefix(line, "Loaded ") {
			loaded = line
		}
		if rest, ok := strings.CutPrefix(line, "PagerDuty simulator on "); ok {
			addr, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	go io.Copy(io.Discard, pr) // keep the command from blocking on later output
	if addr == "" {
		t.Fatalf("simulate printed no address (loaded line %q): %v", loaded, <-done)
	}
	if !strings.Contains(loaded, "1000 incidents") || !strings.Contains(loaded, "500 log entries") {
		t.Errorf("simulate said %q, want 1000 incidents and 500 log entries", loaded)
	}

	req, _ := http.NewRequest("GET", addr+"/incidents?total=true&limit=1", nil)
	req.Header.Set("Authorization", "Token token="+pdsim.DemoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Total int `json:"total"`
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /incidents = %d, %v", resp.StatusCode, err)
	}
	// The demo scenario's own incidents are there too: six at the start.
	if list.Total < 1000 || list.Total > 1010 {
		t.Errorf("the simulator lists %d incidents, want the 1000 loaded plus the demo's", list.Total)
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

func TestSimulateRefusesBadLoads(t *testing.T) {
	for _, args := range [][]string{
		{"--incidents", "-1"},
		{"--log-entries", "100001"},
		{"--incidents", "many"},
	} {
		cmd := newSimulateCmd()
		cmd.SetArgs(append([]string{"--addr", "127.0.0.1:0"}, args...))
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := cmd.ExecuteContext(ctx)
		cancel()
		if err == nil {
			t.Errorf("simulate %v succeeded", args)
			continue
		}
		var ue usageError
		if args[1] != "many" && !errors.As(err, &ue) {
			t.Errorf("simulate %v: %v is not a usage error", args, err)
		}
	}
}
