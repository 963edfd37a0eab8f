package store

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
)

// unprivEnv names the prepared directory when the test binary runs itself
// again as an unprivileged user.
const unprivEnv = "ONCALL_STORE_TEST_UNPRIV_DIR"

// A journal the process cannot write (a read-only file; a directory it
// cannot write) is refused by Open with a message naming the file, and
// read by OpenReadOnly without a byte changed. Permissions do not bind
// root, which CI runs as: there the test runs itself again as nobody with
// setpriv (util-linux), on files nobody can read but not write.
func TestUnwritableJournal(t *testing.T) {
	dir := os.Getenv(unprivEnv)
	switch {
	case dir != "":
		// The unprivileged run, on files prepared by the parent.
	case os.Geteuid() != 0:
		dir = prepareUnwritable(t, t.TempDir())
	default:
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("running as root, where permissions do not bind, and setpriv (util-linux) is not installed to drop them")
		}
		// t.TempDir is 0700 root: nobody could not reach into it.
		base, err := os.MkdirTemp("", "oncall-unpriv-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(base) })
		if err := os.Chmod(base, 0o755); err != nil {
			t.Fatal(err)
		}
		for d := filepath.Dir(base); ; d = filepath.Dir(d) {
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
				t.Fatalf("nobody cannot reach %s (mode %v), where the test's files go: point TMPDIR at a directory others may traverse", d, fi.Mode().Perm())
			}
			if d == filepath.Dir(d) {
				break
			}
		}
		dir = prepareUnwritable(t, base)
		bin := filepath.Join(base, "store.test")
		copyFile(t, os.Args[0], bin, 0o755)
		cmd := exec.Command(setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
			bin, "-test.run=^TestUnwritableJournal$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), unprivEnv+"="+dir)
		out, err := cmd.CombinedOutput()
		t.Logf("as nobody:\n%s", out)
		if err != nil || !strings.Contains(string(out), "--- PASS: TestUnwritableJournal") {
			t.Fatalf("the unprivileged run failed: %v", err)
		}
		return
	}
	if os.Geteuid() == 0 {
		t.Fatal("still root: the permissions below would not bind")
	}

	ro := filepath.Join(dir, "ro.db")
	before, err := os.ReadFile(ro)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(ro)
	t.Log(err)
	if !errors.Is(err, fs.ErrPermission) || !errors.Is(err, ErrNotWritable) || !strings.Contains(err.Error(), ro) {
		t.Fatalf("Open of a read-only file: %v", err)
	}
	s, err := OpenReadOnly(ro)
	if err != nil {
		t.Fatalf("OpenReadOnly of a read-only file: %v", err)
	}
	got, err := s.Events("P1")
	if err != nil || len(got) != 1 || got[0].Summary != "written before" {
		t.Fatalf("events: %+v %v", got, err)
	}
	if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("append: %v", err)
	}
	mustClose(t, s)
	if after, _ := os.ReadFile(ro); !bytes.Equal(before, after) {
		t.Fatal("the read-only file changed")
	}

	locked := filepath.Join(dir, "locked")
	_, err = Open(filepath.Join(locked, "new.db"))
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), locked) {
		t.Fatalf("Open of a new journal in an unwritable directory: %v", err)
	}
	s, err = OpenReadOnly(filepath.Join(locked, "journal.db"))
	if err != nil {
		t.Fatalf("OpenReadOnly in an unwritable directory: %v", err)
	}
	if got, err := s.Events("P1"); err != nil || len(got) != 1 {
		t.Fatalf("events: %+v %v", got, err)
	}
	mustClose(t, s)
	if _, err := os.Stat(filepath.Join(locked, "journal.db.send")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("something was created beside it: %v", err)
	}
}

// prepareUnwritable makes, in base, ro.db (a journal, mode 0444) and
// locked/journal.db in a directory of mode 0555: readable by everyone,
// writable by nobody but root.
func prepareUnwritable(t *testing.T, base string) string {
	t.Helper()
	for _, p := range []string{filepath.Join(base, "ro.db"), filepath.Join(base, "locked", "journal.db")} {
		s, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append("P1", incident.Event{Kind: incident.KindNote, Summary: "written before"}); err != nil {
			t.Fatal(err)
		}
		mustClose(t, s)
		if err := os.Chmod(p, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	locked := filepath.Join(base, "locked")
	if err := os.Chmod(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o700) }) // so it can be removed
	return base
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
