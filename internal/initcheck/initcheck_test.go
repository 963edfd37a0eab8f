package initcheck

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// exceptions names the package-level initialisers that still run code at
// init, as "import/path.name" (name "init" for a func init), with why each
// is allowed to or what it costs until it is made lazy. The test fails
// when an entry no longer matches a finding.
var exceptions = map[string]string{
	m + "/internal/golden.update": "a test flag: it must be registered before the testing package parses flags, " +
		"and only test binaries link this package",
	m + "/store.zeroUnix": "the compiler folds time.Time{}.Unix() to a constant (checked with -gcflags=-S): no code runs",
	m + "/store.senders":  "a one-slot channel, on systems without flock only",
}

// m is the module path, as go.mod declares it.
const m = "github.com/oncallkit/oncall"

// TestModuleDoesNoWorkAtInit walks every non-test Go file of the module and
// fails on each package-level initialiser that would run code at init.
func TestModuleDoesNoWorkAtInit(t *testing.T) {
	root, module := moduleRoot(t)
	if module != m {
		t.Fatalf("go.mod declares module %s; the exceptions name %s", module, m)
	}
	pkgs := parseModule(t, root, module)
	if len(pkgs) < 10 {
		t.Fatalf("found %d packages under %s; the walk is broken", len(pkgs), root)
	}
	types := declaredTypes(pkgs)
	used := map[string]bool{}
	var paths []string
	for p := range pkgs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for _, f := range check(pkgs[p], types) {
			key := p + "." + f.name
			if _, ok := exceptions[key]; ok {
				used[key] = true
				continue
			}
			t.Errorf("%s: %s runs %s at package init; build it on first use (sync.OnceValue) or make it a constant literal",
				f.pos, f.name, f.what)
		}
	}
	for key := range exceptions {
		if !used[key] {
			t.Errorf("exception %s matches nothing any more: remove it", key)
		}
	}
}

// TestCheckFindsWork proves the check on small sources: what it must flag,
// and what it must let through.
func TestCheckFindsWork(t *testing.T) {
	const other = `package other
type Kind string
type Table map[string]int
func Build() int { return 1 }
`
	for _, tc := range []struct {
		name, src string
		want      []string // "name: what", in order
	}{
		{"compiled regexp", `package p
import "regexp"
var re = regexp.MustCompile("a+")`, []string{"re: a call of regexp.MustCompile"}},
		{"template", `package p
import "text/template"
var tmpl = template.Must(template.New("x").Parse("y"))`, []string{"tmpl: a call of template.Must"}},
		{"local function", `package p
func words(s string) []string { return nil }
var (
	a = 1
	set = words("x y")
)`, []string{"set: a call of words"}},
		{"call inside a slice", `package p
import "strings"
var rules = []struct{ s string }{{strings.ToLower("X")}}`, []string{"rules: a call of strings.ToLower"}},
		{"map literal", `package p
var m = map[string]int{"a": 1}`, []string{"m: a map literal"}},
		{"map of a named map type", `package p
import "example.com/m/other"
type local map[int]bool
var a = local{1: true}
var b = other.Table{"x": 1}`, []string{"a: a map literal", "b: a map literal"}},
		{"elided map inside a slice", `package p
var ms = []map[string]int{{"a": 1}}`, []string{"ms: a map literal"}},
		{"map inside a struct", `package p
var s = struct{ m map[string]int }{m: map[string]int{}}`, []string{"s: a map literal"}},
		{"make", `package p
var m = make(map[string]int)`, []string{"m: a call of make"}},
		{"call of another module package", `package p
import "example.com/m/other"
var n = other.Build()`, []string{"n: a call of other.Build"}},
		{"renamed import", `package p
import rx "regexp"
var re = rx.MustCompile("a")`, []string{"re: a call of rx.MustCompile"}},
		{"two names, one call", `package p
import "strconv"
var a, b = strconv.Atoi("1")`, []string{"a: a call of strconv.Atoi"}},
		{"init function", `package p
var x int
func init() { x = 1 }`, []string{"init: a func init"}},
		{"slice conversion of a variable", `package p
var s = "x"
var b = []byte(s)`, []string{"b: a call of []byte conversion"}},
		{"method call", `package p
import "strings"
var r = strings.NewReplacer("a", "b").Replace`, []string{"r: a call of strings.NewReplacer"}},

		{"lazy values and constants pass", `package p
import (
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"
	"example.com/m/other"
)
type Kind string
var (
	ErrX  = errors.New("x")
	re    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("a") })
	pair  = sync.OnceValues(func() (int, error) { return 1, nil })
	once  = sync.OnceFunc(func() { _ = map[string]int{} })
	kinds = []Kind{Kind("a"), "b"}
	ok    = []other.Kind{other.Kind("x")}
	n     = len("abc") + cap([4]int{}) + int(3)
	p     = new(int)
	d     = 5 * time.Second
	f     = func() map[int]int { return map[int]int{1: 1} }
	s     = struct{ a []string }{a: []string{"x"}}
	ptr   = &struct{ n int }{1}
	str   = string("x")
	b     = []byte("meta")
	bars  = []rune("▁▂")
	_     = error((*struct{ error })(nil))
	errW  = fmt.Errorf("y: %w", ErrX)
)`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			pf, err := parser.ParseFile(fset, "p.go", tc.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			of, err := parser.ParseFile(fset, "other.go", other, 0)
			if err != nil {
				t.Fatal(err)
			}
			pkgs := map[string]*pkg{
				"example.com/m/p":     {path: "example.com/m/p", fset: fset, files: []*ast.File{pf}},
				"example.com/m/other": {path: "example.com/m/other", fset: fset, files: []*ast.File{of}},
			}
			var got []string
			for _, f := range check(pkgs["example.com/m/p"], declaredTypes(pkgs)) {
				got = append(got, f.name+": "+f.what)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestIgnoredFiles: a file built by no one is not checked; one built on
// some systems only is.
func TestIgnoredFiles(t *testing.T) {
	for src, want := range map[string]bool{
		"//go:build ignore\n\npackage main\n":         true,
		"//go:build !unix\n\npackage p\n":             false,
		"// Package p.\npackage p\n":                  false,
		"package p\n\n//go:build ignore\nvar x int\n": false, // not a constraint after the clause
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if got := ignored(f); got != want {
			t.Errorf("ignored(%q) = %v, want %v", src, got, want)
		}
	}
}

// pkg is one package's non-test files.
type pkg struct {
	path  string
	fset  *token.FileSet
	files []*ast.File
}

type finding struct {
	pos  token.Position
	name string // the variable, or "init"
	what string
}

// typeInfo is what the check knows of the module's named types: each
// package's type names, and whether a type is a map.
type typeInfo map[string]map[string]bool // import path -> type name -> is a map

// moduleRoot finds the directory holding go.mod above the test's directory
// and the module path it declares.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
					return dir, strings.Trim(strings.TrimSpace(m), `"`)
				}
			}
			t.Fatalf("%s/go.mod names no module", dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// parseModule parses every non-test Go file of the module, by import path.
// testdata, hidden and underscore directories are skipped as go build skips
// them.
func parseModule(t *testing.T, root, module string) map[string]*pkg {
	t.Helper()
	fset := token.NewFileSet()
	pkgs := map[string]*pkg{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if ignored(f) {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		ip := path.Join(module, filepath.ToSlash(rel))
		if pkgs[ip] == nil {
			pkgs[ip] = &pkg{path: ip, fset: fset}
		}
		pkgs[ip].files = append(pkgs[ip].files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// ignored reports a file kept out of every build by "//go:build ignore",
// such as a program run with go run. Files for other systems are checked:
// the invariant holds on every one.
func ignored(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if !constraint.IsGoBuild(c.Text) {
				continue
			}
			x, err := constraint.Parse(c.Text)
			if tag, ok := x.(*constraint.TagExpr); err == nil && ok && tag.Tag == "ignore" {
				return true
			}
		}
	}
	return false
}

// declaredTypes collects every package's type names.
func declaredTypes(pkgs map[string]*pkg) typeInfo {
	ti := typeInfo{}
	for ip, p := range pkgs {
		ti[ip] = map[string]bool{}
		for _, f := range p.files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, s := range g.Specs {
					ts := s.(*ast.TypeSpec)
					_, isMap := ts.Type.(*ast.MapType)
					ti[ip][ts.Name.Name] = isMap
				}
			}
		}
	}
	return ti
}

// predeclared types: a call of one is a conversion.
var predeclared = strings.Fields(`bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64
rune string uint uint8 uint16 uint32 uint64 uintptr any`)

// allowed calls of other packages: the sentinel errors (fmt.Errorf for one
// that wraps another), and what makes a value lazy.
var allowed = []string{"errors.New", "fmt.Errorf", "sync.OnceValue", "sync.OnceValues", "sync.OnceFunc"}

// check reports the package-level initialisers of p that run code at init.
func check(p *pkg, types typeInfo) []finding {
	var out []finding
	for _, f := range p.files {
		imports := map[string]string{} // local name -> import path
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			name := path.Base(ip)
			if im.Name != nil {
				name = im.Name.Name
			}
			imports[name] = ip
		}
		c := &checker{pkg: p, types: types, imports: imports}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.Name == "init" {
					out = append(out, finding{p.fset.Position(d.Pos()), "init", "a func init"})
				}
			case *ast.GenDecl:
				if d.Tok != token.VAR {
					continue
				}
				for _, s := range d.Specs {
					vs := s.(*ast.ValueSpec)
					for _, v := range vs.Values {
						if what, at := c.work(v, nil); what != "" {
							out = append(out, finding{p.fset.Position(at), vs.Names[0].Name, what})
							break
						}
					}
				}
			}
		}
	}
	return out
}

type checker struct {
	pkg     *pkg
	types   typeInfo
	imports map[string]string
}

// work returns what in e runs at init, and where, or "" when nothing does.
// implied is the type of e when e is a composite literal with its type
// elided (an element of a slice or map literal).
func (c *checker) work(e ast.Expr, implied ast.Expr) (string, token.Pos) {
	var what string
	var at token.Pos
	var visit func(n ast.Node, implied ast.Expr) bool
	visit = func(n ast.Node, implied ast.Expr) bool {
		if what != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // its body runs when called, not at init
		case *ast.CompositeLit:
			typ := n.Type
			if typ == nil {
				typ = implied
			}
			if c.isMap(typ) {
				what, at = "a map literal", n.Pos()
				return false
			}
			var elem ast.Expr
			switch t := typ.(type) {
			case *ast.ArrayType:
				elem = t.Elt
			case *ast.MapType:
				elem = t.Value
			}
			for _, el := range n.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					visit(kv.Key, nil)
					el = kv.Value
				}
				visit(el, elem)
			}
			return false
		case *ast.CallExpr:
			if name, ok := c.costlyCall(n); ok {
				what, at = "a call of "+name, n.Pos()
				return false
			}
		}
		ast.Inspect(n, func(m ast.Node) bool {
			if m == n || m == nil {
				return true
			}
			visit(m, nil)
			return false
		})
		return false
	}
	visit(e, implied)
	return what, at
}

// isMap says whether typ is a map type: spelled out, or a named map type of
// the module.
func (c *checker) isMap(typ ast.Expr) bool {
	switch t := typ.(type) {
	case *ast.MapType:
		return true
	case *ast.Ident:
		return c.types[c.pkg.path][t.Name]
	case *ast.SelectorExpr:
		if x, ok := t.X.(*ast.Ident); ok {
			return c.types[c.imports[x.Name]][t.Sel.Name]
		}
	case *ast.ParenExpr:
		return c.isMap(t.X)
	}
	return false
}

// costlyCall says whether the call runs code, and names its callee.
func (c *checker) costlyCall(call *ast.CallExpr) (string, bool) {
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		switch f.Name {
		case "len", "cap", "new":
			return "", false
		}
		if _, isType := c.types[c.pkg.path][f.Name]; isType {
			return "", false
		}
		for _, p := range predeclared {
			if f.Name == p {
				return "", false
			}
		}
		return f.Name, true
	case *ast.SelectorExpr:
		name := exprString(f)
		if x, ok := f.X.(*ast.Ident); ok {
			if ip, imported := c.imports[x.Name]; imported {
				if _, isType := c.types[ip][f.Sel.Name]; isType {
					return "", false
				}
				for _, a := range allowed {
					if ip+"."+f.Sel.Name == a {
						return "", false
					}
				}
			}
		}
		return name, true
	case *ast.StarExpr, *ast.FuncType, *ast.ChanType, *ast.InterfaceType:
		return "", false // a conversion, as in var _ I = (*T)(nil)
	case *ast.ArrayType:
		// []byte("meta") and []rune("▁▂") of a literal are laid out by
		// the compiler; of anything else they copy at init.
		if len(call.Args) == 1 {
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				return "", false
			}
		}
	}
	return exprString(call.Fun), true
}

// exprString names a callee for the message: the call's innermost receiver
// chain, e.g. strings.NewReplacer for strings.NewReplacer(...).Replace.
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.CallExpr:
		return exprString(e.Fun)
	case *ast.CompositeLit:
		return exprString(e.Type) + "{}"
	case *ast.ArrayType:
		return "[]" + exprString(e.Elt) + " conversion"
	}
	return fmt.Sprintf("%T", e)
}
