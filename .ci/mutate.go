//go:build ignore

// Command mutate measures how well a package's tests catch mistakes: it
// changes the package's code one small way at a time (a mutant), runs the
// package's tests against each, and reports the mutants the tests did not
// notice. The score is killed / (killed + survived); mutants that do not
// compile are left out.
//
//	go run .ci/mutate.go [-file outbox.go,guard.go] [-run Regexp] [-skip Regexp] [-workers 2] ./store/outbox
//
// The module is copied to a temporary directory first (one copy per
// worker), so the working tree is never touched and other builds of it
// never see a mutant. The copy is of the last commit (git HEAD), which
// builds, rather than of a working tree that others may be editing;
// -worktree copies the working tree instead. Mutations, each at one place in the syntax tree:
//
//   - a comparison or logical operator swapped: == and !=, < and <=,
//     > and >=, && and ||; an arithmetic one: + and -, * and /
//   - a negation dropped (!x becomes x), an if condition negated
//   - true and false swapped
//   - a statement deleted: a call, an assignment with =, ++ or --,
//     a break or continue
//
// Tests run with -vet=off (vet's checks would reject some mutants for
// their look rather than their behaviour) and -failfast.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

type mutant struct {
	file   string // path relative to the package directory
	line   int
	desc   string
	start  int // byte offsets of the replaced text
	end    int
	with   string
	result string // killed, survived, invalid
}

func main() {
	files := flag.String("file", "", "comma-separated files of the package to mutate (default: every non-test .go file)")
	run := flag.String("run", "", "passed to go test -run")
	skip := flag.String("skip", "", "passed to go test -skip")
	workers := flag.Int("workers", 2, "mutants tested at once")
	timeout := flag.Duration("timeout", 3*time.Minute, "per mutant; a test run that takes longer counts as killed (a hang caught)")
	list := flag.Bool("list", false, "list the mutants without testing them")
	sample := flag.Int("sample", 0, "test a random sample of this many mutants (0: all); the report says so")
	seed := flag.Int64("seed", 1, "the sample's seed, printed so that a run can be repeated")
	worktree := flag.Bool("worktree", false, "copy the working tree, uncommitted changes included, instead of git HEAD")
	only := flag.String("only", "", "a file of mutants as listed (file:line: description), such as an earlier run's survivors: test only those")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: go run .ci/mutate.go [flags] ./path/to/package")
		os.Exit(2)
	}
	pkg := filepath.Clean(flag.Arg(0))
	root, err := moduleRoot()
	if err != nil {
		fail(err)
	}
	dir := filepath.Join(root, pkg)
	var names []string
	if *files != "" {
		names = strings.Split(*files, ",")
	} else {
		matches, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, m := range matches {
			if !strings.HasSuffix(m, "_test.go") {
				names = append(names, filepath.Base(m))
			}
		}
	}
	var mutants []*mutant
	for _, name := range names {
		ms, err := mutantsOf(filepath.Join(dir, name))
		if err != nil {
			fail(err)
		}
		for _, m := range ms {
			m.file = name
		}
		mutants = append(mutants, ms...)
	}
	if *only != "" {
		data, err := os.ReadFile(*only)
		if err != nil {
			fail(err)
		}
		want := map[string]bool{}
		for _, l := range strings.Split(string(data), "\n") {
			want[strings.TrimSpace(l)] = true
		}
		var kept []*mutant
		for _, m := range mutants {
			if want[m.String()] {
				kept = append(kept, m)
			}
		}
		mutants = kept
	}
	total := len(mutants)
	if *sample > 0 && *sample < len(mutants) {
		r := rand.New(rand.NewPCG(uint64(*seed), 0))
		r.Shuffle(len(mutants), func(i, j int) { mutants[i], mutants[j] = mutants[j], mutants[i] })
		mutants = mutants[:*sample]
		sort.SliceStable(mutants, func(i, j int) bool {
			if mutants[i].file != mutants[j].file {
				return mutants[i].file < mutants[j].file
			}
			return mutants[i].start < mutants[j].start
		})
		fmt.Printf("a random sample of %d of the %d mutants (seed %d)\n", len(mutants), total, *seed)
	}
	if *list {
		for _, m := range mutants {
			fmt.Println(m)
		}
		fmt.Printf("%d mutants\n", len(mutants))
		return
	}

	jobs := make(chan *mutant)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < max(*workers, 1); w++ {
		copyRoot, err := os.MkdirTemp("", "mutate-")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(copyRoot)
		copyCmd := exec.Command("sh", "-c", `git -C "$1" archive HEAD | tar -x -C "$2"`, "sh", root, copyRoot)
		if *worktree {
			copyCmd = exec.Command("cp", "-a", root+"/.", copyRoot)
		}
		if out, err := copyCmd.CombinedOutput(); err != nil {
			fail(fmt.Errorf("copy the module: %v: %s", err, out))
		}
		os.RemoveAll(filepath.Join(copyRoot, ".git"))
		if w == 0 {
			// The tests must pass unmutated, or every mutant looks killed.
			if r := test(copyRoot, pkg, &mutant{file: names[0]}, *run, *skip, *timeout); r != "survived" {
				fail(fmt.Errorf("the tests of %s do not pass unmutated (%s): fix them, or leave the failing ones out with -skip", pkg, r))
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range jobs {
				m.result = test(copyRoot, pkg, m, *run, *skip, *timeout)
				mu.Lock()
				done++
				fmt.Fprintf(os.Stderr, "[%d/%d] %s %s\n", done, len(mutants), m.result, m)
				mu.Unlock()
			}
		}()
	}
	for _, m := range mutants {
		jobs <- m
	}
	close(jobs)
	wg.Wait()

	count := map[string]int{}
	perFile := map[string][2]int{}
	for _, m := range mutants {
		count[m.result]++
		c := perFile[m.file]
		switch m.result {
		case "killed":
			c[0]++
		case "survived":
			c[1]++
		}
		perFile[m.file] = c
	}
	fmt.Println("survivors:")
	for _, m := range mutants {
		if m.result == "survived" {
			fmt.Printf("  %s\n", m)
		}
	}
	var fnames []string
	for f := range perFile {
		fnames = append(fnames, f)
	}
	sort.Strings(fnames)
	for _, f := range fnames {
		c := perFile[f]
		fmt.Printf("%s: %d killed, %d survived (%s)\n", f, c[0], c[1], pct(c[0], c[0]+c[1]))
	}
	fmt.Printf("%s: %d mutants, %d killed, %d survived, %d did not compile: score %s\n",
		pkg, len(mutants), count["killed"], count["survived"], count["invalid"], pct(count["killed"], count["killed"]+count["survived"]))
}

func (m *mutant) String() string { return fmt.Sprintf("%s:%d: %s", m.file, m.line, m.desc) }

func pct(a, b int) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mutate:", err)
	os.Exit(1)
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a module")
	}
	return filepath.Dir(mod), nil
}

// test applies m in the copy, runs the package's tests, and puts the file
// back.
func test(root, pkg string, m *mutant, run, skip string, timeout time.Duration) string {
	path := filepath.Join(root, pkg, m.file)
	orig, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	defer os.WriteFile(path, orig, 0o644)
	mutated := append(append(append([]byte{}, orig[:m.start]...), m.with...), orig[m.end:]...)
	if err := os.WriteFile(path, mutated, 0o644); err != nil {
		fail(err)
	}
	if err := exec.Command("go", "build", "-C", root, "./"+pkg).Run(); err != nil {
		return "invalid"
	}
	args := []string{"test", "-C", root, "-count=1", "-failfast", "-vet=off", "-timeout", timeout.String()}
	if run != "" {
		args = append(args, "-run", run)
	}
	if skip != "" {
		args = append(args, "-skip", skip)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append(args, "./"+pkg)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	switch {
	case err == nil:
		return "survived"
	case bytes.Contains(out.Bytes(), []byte("[build failed]")), bytes.Contains(out.Bytes(), []byte("[setup failed]")):
		return "invalid"
	}
	return "killed"
}

// mutantsOf lists the mutants of one file.
func mutantsOf(path string) ([]*mutant, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	line := func(p token.Pos) int { return fset.Position(p).Line }
	var out []*mutant
	add := func(p token.Pos, start, end int, with, desc string) {
		out = append(out, &mutant{line: line(p), desc: desc, start: start, end: end, with: with})
	}
	swaps := map[token.Token]string{
		token.EQL: "!=", token.NEQ: "==", token.LSS: "<=", token.LEQ: "<", token.GTR: ">=", token.GEQ: ">",
		token.LAND: "||", token.LOR: "&&", token.ADD: "-", token.SUB: "+", token.MUL: "/", token.QUO: "*",
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if with, ok := swaps[n.Op]; ok {
				if n.Op == token.ADD && (isString(n.X) || isString(n.Y)) {
					break
				}
				s := off(n.OpPos)
				add(n.OpPos, s, s+len(n.Op.String()), with, fmt.Sprintf("%s -> %s in %s", n.Op, with, snippet(src, off(n.Pos()), off(n.End()))))
			}
		case *ast.UnaryExpr:
			if n.Op == token.NOT {
				s := off(n.OpPos)
				add(n.OpPos, s, s+1, "", "drop ! in "+snippet(src, off(n.Pos()), off(n.End())))
			}
		case *ast.IfStmt:
			if equivalentNegation(n.Cond) {
				break
			}
			s, e := off(n.Cond.Pos()), off(n.Cond.End())
			add(n.Cond.Pos(), s, e, "!("+string(src[s:e])+")", "negate if "+snippet(src, s, e))
		case *ast.Ident:
			if n.Name == "true" || n.Name == "false" {
				with := map[string]string{"true": "false", "false": "true"}[n.Name]
				add(n.Pos(), off(n.Pos()), off(n.End()), with, n.Name+" -> "+with)
			}
		case *ast.BlockStmt:
			for _, st := range n.List {
				del := false
				switch st := st.(type) {
				case *ast.ExprStmt, *ast.IncDecStmt:
					del = true
				case *ast.AssignStmt:
					del = st.Tok != token.DEFINE
				case *ast.BranchStmt:
					del = st.Tok == token.BREAK || st.Tok == token.CONTINUE
				}
				if del {
					s, e := off(st.Pos()), off(st.End())
					add(st.Pos(), s, e, "", "delete "+snippet(src, s, e))
				}
			}
		case *ast.CaseClause:
			for _, st := range n.Body {
				if a, ok := st.(*ast.AssignStmt); ok && a.Tok != token.DEFINE {
					s, e := off(st.Pos()), off(st.End())
					add(st.Pos(), s, e, "", "delete "+snippet(src, s, e))
				}
			}
		}
		return true
	})
	return out, nil
}

// equivalentNegation reports whether negating cond is a mutant already
// made another way: == and != swapped, or ! dropped.
func equivalentNegation(cond ast.Expr) bool {
	switch c := cond.(type) {
	case *ast.BinaryExpr:
		return c.Op == token.EQL || c.Op == token.NEQ
	case *ast.UnaryExpr:
		return c.Op == token.NOT
	}
	return false
}

func isString(e ast.Expr) bool {
	b, ok := e.(*ast.BasicLit)
	return ok && b.Kind == token.STRING
}

func snippet(src []byte, s, e int) string {
	t := strings.Join(strings.Fields(string(src[s:e])), " ")
	if len(t) > 70 {
		t = t[:67] + "..."
	}
	return t
}
