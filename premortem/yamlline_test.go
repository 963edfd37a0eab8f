package premortem

import "testing"

// TestParseYAMLScannerErrorLine: a YAML scanner error (one whose message
// starts "found") is reported at the line that holds the fault, not the
// next one, as runbooks report it.
func TestParseYAMLScannerErrorLine(t *testing.T) {
	data := "---\nid: pm\ntitle: @x\nheld_on: 2026-01-01\nfailures: []\n---\n"
	_, diags := Parse("p.md", []byte(data))
	if len(diags) != 1 || diags[0].Line != 3 || diags[0].Message != "front matter: found character that cannot start any token" {
		t.Fatalf("diags = %v; want one error at line 3", diags)
	}
}
