package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mainArgsEnv makes a re-executed test binary run oncall with these
// arguments (separated by newlines), as its main would.
const mainArgsEnv = "ONCALL_TEST_MAIN_ARGS"

// TestHelperMain is not a test: run by the tests below in a child
// process (with mainArgsEnv set), it is oncall.
func TestHelperMain(t *testing.T) {
	args := os.Getenv(mainArgsEnv)
	if args == "" {
		return
	}
	os.Exit(run(strings.Split(args, "\n"), os.Stdout, os.Stderr))
}

// TestSignalEndsACommandThroughItsContext: an interrupt or a termination
// signal cancels the command's context, and the command returns through
// its own cleanup with exit 0, instead of the process dying of the
// signal. The simulator is the command here because it runs until told
// to stop.
func TestSignalEndsACommandThroughItsContext(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			isolate(t)
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMain$", "-test.count=1")
			cmd.Env = append(os.Environ(), mainArgsEnv+"=simulate\n--addr\n127.0.0.1:0")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ready := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(out)
				found := false
				for sc.Scan() {
					if !found && strings.HasPrefix(sc.Text(), "Team tokens") {
						found = true
						ready <- true // serving, and past its start-up requests
					}
				}
				if !found {
					ready <- false
				}
			}()
			select {
			case ok := <-ready:
				if !ok {
					cmd.Wait()
					t.Fatalf("the simulator did not start: %s", stderr.String())
				}
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatal("the simulator did not start")
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("after %v: %v (stderr %q)", sig, err, stderr.String())
				}
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("%v did not end the command", sig)
			}
		})
	}
}
