package tui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

// TestRootUpdateIsARouter keeps the root's Update a router: each message
// family goes to its handler in a line or two, so the function stays
// short as screens are added; handling grows in the handlers.
func TestRootUpdateIsARouter(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "model.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "Update" || fn.Recv == nil {
			continue
		}
		lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
		if lines > 50 {
			t.Errorf("Model.Update is %d lines; route to handlers to keep it under 50", lines)
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if c, ok := n.(*ast.CaseClause); ok && len(c.Body) > 3 {
				t.Errorf("a case of Model.Update at line %d has %d statements; handle it in a handler", fset.Position(c.Pos()).Line, len(c.Body))
			}
			return true
		})
		return
	}
	t.Fatal("no Model.Update in model.go")
}
