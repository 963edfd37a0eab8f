package mdterm

import "testing"

// BenchmarkRenderRunbook is the cost of drawing a shipped runbook's
// document at 120 columns, which the pane pays once per width and
// background.
func BenchmarkRenderRunbook(b *testing.B) {
	body := shipped(b, "checkout-high-5xx.md")
	b.ReportAllocs()
	for b.Loop() {
		Render(body, 120, true)
	}
}
