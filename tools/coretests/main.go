// Command coretests keeps docs/core-tests.md: the status of every case of
// Zircon's own core-tests (the list in testcases-all.txt) in Beryl. A case
// is ported when a conformance family (userspace/conformance/FAMILY)
// defines a test function named after it, Test<Suite>_<Case>; such a case
// is "ported-passing" unless the function's first statement is
// ctest.KnownFailure(t, "reason"), which makes it "ported-failing" with
// that reason; a passing case may carry a note on how the port differs
// (portNotes in verdicts.go). A case not ported takes its verdict from verdicts.go:
// "not-applicable" (the case tests something other than the kernel, e.g.
// C's libc) or "not-ported" (what it waits for), each with its reason.
//
// The tool parses the test files only (no type checking), so it runs in
// `make unit` in well under a second.
//
// Usage: coretests [-o docs/core-tests.md] [-check]
// With -check it fails if the table on disk is stale, a test function
// names a case the list does not have, or a verdict is left for a case
// that is ported.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Statuses of a case in the table.
const (
	Passing       = "ported-passing"
	Failing       = "ported-failing"
	NotApplicable = "not-applicable"
	NotPorted     = "not-ported"
)

// row is one case of the table.
type row struct {
	name   string // Suite.Case
	status string
	where  string // family/TestSuite_Case for a ported case
	reason string
}

func main() {
	out := flag.String("o", "docs/core-tests.md", "output file")
	list := flag.String("list", "tools/coretests/testcases-all.txt", "the core-tests case list")
	suite := flag.String("suite", "userspace/conformance", "the conformance families")
	check := flag.Bool("check", false, "fail if the output file is stale instead of writing it")
	flag.Parse()
	names, err := readList(*list)
	if err != nil {
		fail(err)
	}
	ported, err := scan(*suite)
	if err != nil {
		fail(err)
	}
	rows, errs := build(names, ported)
	for _, e := range errs {
		fmt.Fprintln(os.Stderr, "coretests:", e)
	}
	if len(errs) > 0 {
		os.Exit(1)
	}
	md := render(rows)
	fmt.Println(summary(rows))
	if *check {
		old, _ := os.ReadFile(*out)
		if !bytes.Equal(old, md) {
			fail(fmt.Errorf("%s is stale: run go run ./tools/coretests", *out))
		}
		return
	}
	if err := os.WriteFile(*out, md, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "coretests:", err)
	os.Exit(1)
}

// readList returns the Suite.Case names of the list, in its order.
func readList(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.Count(l, ".") != 1 || seen[l] {
			return nil, fmt.Errorf("%s: bad or repeated case %q", path, l)
		}
		seen[l] = true
		names = append(names, l)
	}
	return names, sc.Err()
}

// portedCase is a test function named after a core-test case.
type portedCase struct {
	where   string // family/TestSuite_Case
	failing string // KnownFailure's reason, "" if none
}

// scan finds the Test<Suite>_<Case> functions of every family; the key is
// "Suite.Case" (the split is at the first underscore: suites have none).
func scan(dir string) (map[string]portedCase, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "*_test.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	found := map[string]portedCase{}
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		family := filepath.Base(filepath.Dir(path))
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Body == nil || !strings.HasPrefix(fd.Name.Name, "Test") {
				continue
			}
			suite, c, ok := strings.Cut(strings.TrimPrefix(fd.Name.Name, "Test"), "_")
			if !ok || suite == "" || c == "" {
				continue
			}
			key := suite + "." + c
			if prev, dup := found[key]; dup {
				return nil, fmt.Errorf("%s: %s defined twice (also %s)", path, fd.Name.Name, prev.where)
			}
			found[key] = portedCase{where: family + "/" + fd.Name.Name, failing: knownFailure(fd.Body)}
		}
	}
	return found, nil
}

// knownFailure returns the reason of a ctest.KnownFailure(t, "reason")
// that opens body, or "".
func knownFailure(body *ast.BlockStmt) string {
	if len(body.List) == 0 {
		return ""
	}
	es, ok := body.List[0].(*ast.ExprStmt)
	if !ok {
		return ""
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok || len(call.Args) != 2 {
		return ""
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "KnownFailure" {
		return ""
	}
	lit, ok := call.Args[1].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "(reason not a string literal)"
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil || s == "" {
		return "(reason not a string literal)"
	}
	return s
}

// build gives every listed case its row and reports inconsistencies.
func build(names []string, ported map[string]portedCase) ([]row, []error) {
	var errs []error
	listed := map[string]bool{}
	suites := map[string]bool{}
	for _, n := range names {
		listed[n] = true
		suites[strings.Split(n, ".")[0]] = true
	}
	for k, p := range ported {
		if suites[strings.Split(k, ".")[0]] && !listed[k] {
			errs = append(errs, fmt.Errorf("%s names %s, which the core-tests list does not have", p.where, k))
		}
	}
	for k := range caseVerdicts {
		if !listed[k] {
			errs = append(errs, fmt.Errorf("verdicts.go: case %s is not in the list", k))
		}
	}
	for k := range portNotes {
		if _, ok := ported[k]; !ok {
			errs = append(errs, fmt.Errorf("verdicts.go: port note for %s, which is not ported", k))
		}
	}
	for s := range suiteVerdicts {
		if !suites[s] {
			errs = append(errs, fmt.Errorf("verdicts.go: suite %s is not in the list", s))
		}
	}
	rows := make([]row, 0, len(names))
	for _, n := range names {
		if p, ok := ported[n]; ok {
			if _, stale := caseVerdicts[n]; stale {
				errs = append(errs, fmt.Errorf("verdicts.go: %s is ported (%s); drop its verdict", n, p.where))
			}
			r := row{name: n, status: Passing, where: p.where, reason: portNotes[n]}
			if p.failing != "" {
				r.status, r.reason = Failing, p.failing
			}
			rows = append(rows, r)
			continue
		}
		v, ok := caseVerdicts[n]
		if !ok {
			v, ok = suiteVerdicts[strings.Split(n, ".")[0]]
		}
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not ported and no verdict in verdicts.go", n))
			continue
		}
		if v.status != NotApplicable && v.status != NotPorted || v.reason == "" {
			errs = append(errs, fmt.Errorf("%s: verdict %q needs status %s or %s and a reason", n, v.status, NotApplicable, NotPorted))
		}
		rows = append(rows, row{name: n, status: v.status, reason: v.reason})
	}
	return rows, errs
}

// counts returns the number of rows of each status.
func counts(rows []row) map[string]int {
	c := map[string]int{}
	for _, r := range rows {
		c[r.status]++
	}
	return c
}

func summary(rows []row) string {
	c := counts(rows)
	return fmt.Sprintf("core-tests: %d cases: %d ported and passing, %d ported and failing, %d not applicable, %d not ported",
		len(rows), c[Passing], c[Failing], c[NotApplicable], c[NotPorted])
}

func render(rows []row) []byte {
	var b bytes.Buffer
	b.WriteString("# Zircon core-tests in Beryl\n\n")
	b.WriteString("Generated by `go run ./tools/coretests` from `tools/coretests/testcases-all.txt`\n")
	b.WriteString("(the case list of Zircon's zircon/system/utest/core, as zCore keeps it),\n")
	b.WriteString("the `Test<Suite>_<Case>` functions of `userspace/conformance/...` and the\n")
	b.WriteString("verdicts in `tools/coretests/verdicts.go`; do not edit.\n\n")
	b.WriteString("- **ported-passing**: the case, re-expressed in Go against the `zx` package,\n")
	b.WriteString("  runs in the conformance suite under its own name and passes.\n")
	b.WriteString("- **ported-failing**: ported, but Beryl deviates; the case reports SKIP with\n")
	b.WriteString("  the reason (`ctest.KnownFailure`) so that the suite stays green.\n")
	b.WriteString("- **not-applicable**: the case tests something other than the kernel.\n")
	b.WriteString("- **not-ported**: not ported yet; the reason names what it waits for.\n\n")
	b.WriteString("`make conformance` prints `core-tests: N passed, N failed, N not applicable`\n")
	b.WriteString("from the cases' results in the booted kernel.\n\n")
	b.WriteString(summary(rows) + ".\n\n")
	b.WriteString("| case | status | conformance case or reason |\n| --- | --- | --- |\n")
	for _, r := range rows {
		detail := r.reason
		if r.where != "" {
			detail = "`" + r.where + "`"
			if r.reason != "" {
				detail += ": " + r.reason
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.name, r.status, strings.ReplaceAll(detail, "|", "\\|"))
	}
	return b.Bytes()
}
