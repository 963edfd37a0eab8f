//go:build unix

package regularfile_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oncallkit/oncall/internal/regularfile"
)

func TestReadRegularFileWithinLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	want := []byte("exactly ten")[:10]
	if err := os.WriteFile(p, want, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := regularfile.Read(p, 10) // a file of exactly the limit is fine
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Read = %q, want %q", got, want)
	}
}

func TestReadRefusesLargerThanLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 11), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := regularfile.Read(p, 10)
	if !errors.Is(err, regularfile.ErrTooLarge) {
		t.Fatalf("Read of 11 bytes with limit 10 = %d bytes, %v; want ErrTooLarge", len(got), err)
	}
	if got != nil {
		t.Fatal("a refused file returned data")
	}
	if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "10 bytes") {
		t.Fatalf("error %q should name the file and the limit", err)
	}
}

// withTimeout fails the test if f hangs: the FIFO and device cases hang
// or grow without bound when the file is opened or read naively.
func withTimeout(t *testing.T, f func() ([]byte, error)) ([]byte, error) {
	t.Helper()
	type res struct {
		b   []byte
		err error
	}
	done := make(chan res, 1)
	go func() { b, err := f(); done <- res{b, err} }()
	select {
	case r := <-done:
		return r.b, r.err
	case <-time.After(30 * time.Second):
		t.Fatal("Read hung")
		return nil, nil
	}
}

func TestReadRefusesNamedPipeWithoutBlocking(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo.md")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	_, err := withTimeout(t, func() ([]byte, error) { return regularfile.Read(p, 1<<20) })
	if !errors.Is(err, regularfile.ErrNotRegular) {
		t.Fatalf("Read(fifo) = %v, want ErrNotRegular", err)
	}
	if msg := err.Error(); !strings.Contains(msg, p) || !strings.Contains(msg, "named pipe") || strings.Contains(msg, "\n") {
		t.Fatalf("error %q should be one line naming the file and saying it is a named pipe", msg)
	}
}

func TestReadRefusesSymlinkToNamedPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	link := filepath.Join(dir, "link.md")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	if _, err := withTimeout(t, func() ([]byte, error) { return regularfile.Read(link, 1<<20) }); !errors.Is(err, regularfile.ErrNotRegular) {
		t.Fatalf("Read(symlink to fifo) = %v, want ErrNotRegular", err)
	}
}

func TestReadRefusesDevicesAndDirectories(t *testing.T) {
	for _, p := range []string{"/dev/zero", "/dev/urandom", "/dev/null", t.TempDir()} {
		if _, err := os.Stat(p); err != nil {
			t.Logf("skipping %s: %v", p, err)
			continue
		}
		_, err := withTimeout(t, func() ([]byte, error) { return regularfile.Read(p, 1<<20) })
		if !errors.Is(err, regularfile.ErrNotRegular) {
			t.Errorf("Read(%s) = %v, want ErrNotRegular", p, err)
		}
	}
}

func TestReadMissingFileKeepsNotExist(t *testing.T) {
	_, err := regularfile.Read(filepath.Join(t.TempDir(), "nope"), 10)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Read(missing) = %v, want fs.ErrNotExist (callers branch on it)", err)
	}
}

func TestOpenLeavesTheFileBlocking(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _, err := regularfile.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags uintptr
	var errno syscall.Errno
	rc.Control(func(fd uintptr) { flags, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0) })
	if errno != 0 {
		t.Fatalf("fcntl: %v", errno)
	}
	if flags&syscall.O_NONBLOCK != 0 {
		t.Fatal("the file is still non-blocking after Open")
	}
}

// Refusals close what they opened: a long-running TUI reloading runbooks
// must not run out of descriptors.
func TestRefusalsCloseTheFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	count := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skipf("no /proc/self/fd: %v", err)
		}
		return len(entries)
	}
	before := count()
	for range 50 {
		if _, err := regularfile.Read(fifo, 10); !errors.Is(err, regularfile.ErrNotRegular) {
			t.Fatal(err)
		}
	}
	if after := count(); after > before+5 {
		t.Fatalf("%d descriptors open after 50 refusals, %d before", after, before)
	}
}

func TestRefusalSaysWhatTheFileIs(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{"/dev/zero": "it is a character device", dir: "it is a directory"}
	// A block device, where one can be opened here (containers often
	// forbid it).
	for _, blk := range []string{"/dev/loop0", "/dev/vda", "/dev/sda", "/dev/nvme0n1"} {
		fi, err := os.Stat(blk)
		if err != nil || fi.Mode()&os.ModeDevice == 0 || fi.Mode()&os.ModeCharDevice != 0 {
			continue
		}
		if f, err := os.OpenFile(blk, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
			cases[blk] = "it is a block device"
			break
		}
	}
	for p, want := range cases {
		_, err := withTimeout(t, func() ([]byte, error) { return regularfile.Read(p, 10) })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Read(%s) = %v, want it to say %q", p, err, want)
		}
	}
}

func TestTooLargeSaysTheLimitAsPeopleRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	for limit, want := range map[int64]string{
		1 << 20: "more than 1 MiB", 64 << 10: "more than 64 KiB", 1 << 10: "more than 1 KiB",
		1<<20 + 1: "more than 1048577 bytes", 1000: "more than 1000 bytes", 1536: "more than 1536 bytes",
	} {
		if _, err := regularfile.Read(p, limit); err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("limit %d: %v, want it to end %q", limit, err, want)
		}
	}
}
