package runbook_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook"
)

// writeRunbooks writes n runbooks modelled on a shipped one (about 4 KB,
// a dozen steps each) spread over 100 services, a tenth of them unscoped.
func writeRunbooks(tb testing.TB, dir string, n int) {
	tb.Helper()
	tmpl, err := os.ReadFile(filepath.Join("..", "runbooks", "checkout-high-5xx.md"))
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		s := strings.Replace(string(tmpl), "id: checkout-high-5xx", fmt.Sprintf("id: rb-%04d", i), 1)
		services := fmt.Sprintf("services: [svc-%02d]", i%100)
		if i%10 == 9 {
			services = "services: []"
		}
		s = strings.Replace(s, "services: [checkout-api]", services, 1)
		s = strings.Replace(s, "title: '(?i)5xx'", fmt.Sprintf("title: '(?i)5xx|error %d'", i), 1)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("rb-%04d.md", i)), []byte(s), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

func BenchmarkLoad1000(b *testing.B) {
	dir := b.TempDir()
	writeRunbooks(b, dir, 1000)
	b.ResetTimer()
	for b.Loop() {
		set, diags, err := runbook.Load(dir)
		if err != nil || runbook.HasErrors(diags) || set.Len() != 1000 {
			b.Fatalf("%v %v %d", err, diags, set.Len())
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	dir := b.TempDir()
	writeRunbooks(b, dir, 1000)
	set, _, err := runbook.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	inc := checkout
	inc.Service = incident.Ref{ID: "PSV042", Name: "svc-42"}
	b.ResetTimer()
	for b.Loop() {
		if ms := set.Match(inc, checkoutAlerts); len(ms) < 10 {
			b.Fatalf("%d matches", len(ms))
		}
	}
}

// nearMaxSize is a runbook just under MaxSize: about 24,000 checklist
// steps, the most Parse accepts.
func nearMaxSize() []byte {
	data := append([]byte("---\nid: huge\ntitle: Huge\n---\n"), strings.Repeat("- [ ] a step that is repeated far too often\n", runbook.MaxSize/40)...)
	data = data[:runbook.MaxSize]
	return data[:strings.LastIndexByte(string(data), '\n')+1]
}

func BenchmarkParseNearMaxSize(b *testing.B) {
	data := nearMaxSize()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if rb, diags := runbook.Parse("big.md", data); rb == nil {
			b.Fatal(diags)
		}
	}
}

// Refusing a file over MaxSize must not cost a parse.
func BenchmarkParseOverMaxSize(b *testing.B) {
	data := append(nearMaxSize(), strings.Repeat("- [ ] one step too many\n", 100)...)
	b.ReportAllocs()
	for b.Loop() {
		if rb, _ := runbook.Parse("huge.md", data); rb != nil {
			b.Fatal("parsed a file over MaxSize")
		}
	}
}
