package redact

import (
	"io"
	"strings"
	"testing"
)

const token = "u+Zq9_xPdTokenValue42"

func newTest(t *testing.T) *Redactor {
	t.Helper()
	r, err := New(Config{
		Environ:  []string{"GITHUB_TOKEN=ghp_abcdef123456", "DB_PASSWORD=hunter2hunter2", "api_key=lowercase-key-1", "HOME=/home/alex", "EMPTY_SECRET=", "SHORT_KEY=yes", "CUSTOM=custom-value-9"},
		EnvNames: []string{"CUSTOM"},
		Patterns: []string{`AKIA[0-9A-Z]{16}`},
		Secrets:  []string{token},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestString(t *testing.T) {
	r := newTest(t)
	for in, want := range map[string]string{
		"token ghp_abcdef123456 ok":              "token [redacted] ok",
		"pw=hunter2hunter2;":                     "pw=[redacted];",
		"k lowercase-key-1":                      "k [redacted]",
		"custom-value-9":                         "[redacted]",
		"aws AKIAABCDEFGHIJKLMNOP done":          "aws [redacted] done",
		"pd " + token:                            "pd [redacted]",
		"home is /home/alex, answer yes":         "home is /home/alex, answer yes",
		"AKIA too short AKIA123":                 "AKIA too short AKIA123",
		"twice ghp_abcdef123456ghp_abcdef123456": "twice [redacted][redacted]",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	var none *Redactor
	if none.String("x") != "x" {
		t.Error("a nil Redactor changes text")
	}
}

// TestWriterMultiLineSecret: a key of several lines in a variable is
// masked line by line, however the output is split.
func TestWriterMultiLineSecret(t *testing.T) {
	pem := "-----BEGIN KEY-----\r\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKB\n-----END KEY-----"
	r, err := New(Config{Environ: []string{"DEPLOY_KEY=" + pem}})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	w := NewWriter(r, &out)
	text := "key:\n" + strings.ReplaceAll(pem, "\r", "") + "\ndone\n"
	for i := 0; i < len(text); i += 5 {
		if _, err := w.Write([]byte(text[i:min(i+5, len(text))])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "MIIEvQ") || strings.Contains(out.String(), "BKcwgg") || !strings.HasSuffix(out.String(), "\ndone\n") {
		t.Errorf("multi-line key not masked: %q", out.String())
	}
}

func TestNewRefusesBadPatterns(t *testing.T) {
	for _, p := range []string{`(`, `a*`} {
		if _, err := New(Config{Patterns: []string{p}}); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("pattern %q: error %v, want one naming it", p, err)
		}
	}
}

// TestWriterSplitSecret: a secret cut at any byte by the pipe's reads is
// still masked, for a literal and for a pattern.
func TestWriterSplitSecret(t *testing.T) {
	r := newTest(t)
	for _, secret := range []string{token, "AKIAABCDEFGHIJKLMNOP"} {
		text := "first line\nsecret is " + secret + " and more\nlast " + secret
		for i := 1; i < len(text); i++ {
			for j := i; j < len(text); j += 7 {
				var out strings.Builder
				w := NewWriter(r, &out)
				for _, part := range []string{text[:i], text[i:j], text[j:]} {
					if _, err := w.Write([]byte(part)); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				if want := "first line\nsecret is [redacted] and more\nlast [redacted]"; out.String() != want {
					t.Fatalf("split at %d,%d: %q", i, j, out.String())
				}
			}
		}
	}
}

// TestWriterHoldsNoMoreThanALine: a line without end is written on in
// parts, so memory stays bounded, and a secret at the cut is still masked.
func TestWriterHoldsNoMoreThanALine(t *testing.T) {
	r := newTest(t)
	var out strings.Builder
	w := NewWriter(r, &out)
	chunk := strings.Repeat("x", 1000)
	for out.Len() == 0 {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
		if len(w.buf) > MaxLine {
			t.Fatalf("holding %d bytes", len(w.buf))
		}
	}
	// Now put a secret across the next cut, in small writes.
	pad := MaxLine - len(w.buf) - len(token)/2
	for _, part := range []string{strings.Repeat("y", pad), token[:5], token[5:], strings.Repeat("z", 2000), "\n"} {
		if _, err := w.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), token[:5]) || strings.Contains(out.String(), token[5:]) || !strings.Contains(out.String(), "y"+Mask+"z") {
		t.Errorf("secret at the cut of a long line not masked whole")
	}
}

func FuzzWriter(f *testing.F) {
	f.Add("a ghp_abcdef123456 b\nc", 3)
	f.Fuzz(func(t *testing.T, text string, step int) {
		r, err := New(Config{Environ: []string{"X_TOKEN=ghp_abcdef123456"}, Patterns: []string{`AKIA[0-9A-Z]{4}`}})
		if err != nil {
			t.Fatal(err)
		}
		if step < 1 {
			step = 1
		}
		var out strings.Builder
		w := NewWriter(r, &out)
		for i := 0; i < len(text); i += step {
			if _, err := w.Write([]byte(text[i:min(i+step, len(text))])); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if want := r.String(text); out.String() != want {
			t.Errorf("streamed %q, at once %q", out.String(), want)
		}
		if strings.Contains(out.String(), "ghp_abcdef123456") {
			t.Errorf("secret left in %q", out.String())
		}
	})
}

// BenchmarkWriter streams command output through a Writer with a few
// secrets and a pattern, in pipe-sized writes.
func BenchmarkWriter(b *testing.B) {
	r, err := New(Config{
		Environ:  []string{"A_TOKEN=ghp_abcdef123456", "DB_PASSWORD=hunter2hunter2", "X_KEY=key-0123456789"},
		Patterns: []string{`AKIA[0-9A-Z]{16}`},
		Secrets:  []string{token},
	})
	if err != nil {
		b.Fatal(err)
	}
	var text strings.Builder
	for i := 0; i < 2000; i++ {
		text.WriteString("2026-11-29T03:04:05Z pod checkout-api-7f9c ready=true latency_ms=123 status=200\n")
	}
	data := []byte(text.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w := NewWriter(r, io.Discard)
		for i := 0; i < len(data); i += 4096 {
			if _, err := w.Write(data[i:min(i+4096, len(data))]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
