// Command confmap maps the zx system calls of syscall/spec.txt to the
// conformance cases that exercise them. It type-checks the conformance
// packages (userspace/conformance/...) with their tests, finds every call
// into userspace/zx from each Test function (and the helpers and closures
// it reaches in the same package), resolves zx wrappers to the Sys_*
// stubs they call, and writes a Markdown table (docs/conformance.md) plus
// the uncovered syscalls. It prints "conformance: N of M spec syscalls
// have at least one case".
//
// Usage: confmap [-o docs/conformance.md] [-check]
// With -check it fails if the table on disk is stale or a spec syscall
// has no case (every syscall is covered; a new one needs its cases).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

const zxPkg = "beryl/userspace/zx"

// libs are the userspace libraries whose calls into zx count for the
// tests that use them (e.g. launch.Start → process_start).
var libs = []string{zxPkg, "beryl/userspace/launch", "beryl/userspace/launch/bootfs"}

func isLib(path string) bool {
	for _, l := range libs {
		if path == l {
			return true
		}
	}
	return false
}

func main() {
	out := flag.String("o", "docs/conformance.md", "output file")
	check := flag.Bool("check", false, "fail if the output file is stale instead of writing it")
	flag.Parse()
	spec, err := specNames("syscall/spec.txt")
	if err != nil {
		fail(err)
	}
	cover, err := analyse(spec)
	if err != nil {
		fail(err)
	}
	md := render(spec, cover)
	n := 0
	for _, s := range spec {
		if len(cover[s]) > 0 {
			n++
		}
	}
	fmt.Printf("conformance: %d of %d spec syscalls have at least one case\n", n, len(spec))
	if *check {
		old, _ := os.ReadFile(*out)
		if !bytes.Equal(old, md) {
			fail(fmt.Errorf("%s is stale: run go run ./tools/confmap", *out))
		}
		if n != len(spec) {
			fail(fmt.Errorf("%d spec syscalls have no conformance case (listed under Uncovered in %s)", len(spec)-n, *out))
		}
		return
	}
	if err := os.WriteFile(*out, md, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "confmap:", err)
	os.Exit(1)
}

var syscallLine = regexp.MustCompile(`^syscall\s+(\S+)\s+\d+`)

func specNames(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, l := range strings.Split(string(b), "\n") {
		if m := syscallLine.FindStringSubmatch(l); m != nil {
			names = append(names, m[1])
		}
	}
	return names, nil
}

// analyse returns syscall name → sorted "family/TestName" cases. Besides
// the Sys_ stubs, a use of a syscall's number constant (zx.SysFooBar)
// counts: raw machine code issues calls that cannot return to Go (the
// thread-exit combinations) by number.
func analyse(spec []string) (map[string][]string, error) {
	numConst := map[string]string{} // lower-case "foobar" of SysFooBar → foo_bar
	for _, s := range spec {
		numConst[strings.ReplaceAll(s, "_", "")] = s
	}
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedDeps | packages.NeedImports, Tests: true,
		Env: append(os.Environ(), "GOOS=linux", "GOARCH=amd64")}
	pkgs, err := packages.Load(cfg, append([]string{"./userspace/conformance/..."}, libs...)...)
	if err != nil {
		return nil, err
	}
	// zx function → Sys_ names it reaches.
	zxCalls := map[*types.Func]map[string]bool{}
	direct := map[*types.Func][]*types.Func{}
	found := map[string]bool{}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		if !isLib(p.PkgPath) || p.TypesInfo == nil || found[p.PkgPath] {
			return
		}
		found[p.PkgPath] = true
		for _, f := range p.Syntax {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				if fn, _ := p.TypesInfo.Defs[fd.Name].(*types.Func); fn != nil {
					direct[fn] = calls(p.TypesInfo, fd.Body)
				}
			}
		}
	})
	if !found[zxPkg] {
		return nil, fmt.Errorf("%s not loaded", zxPkg)
	}
	byKey := map[*types.Func]*types.Func{}
	for fn := range direct {
		byKey[fn] = fn
	}
	var resolve func(fn *types.Func, seen map[*types.Func]bool) map[string]bool
	resolve = func(fn *types.Func, seen map[*types.Func]bool) map[string]bool {
		if r, ok := zxCalls[fn]; ok {
			return r
		}
		r := map[string]bool{}
		if strings.HasPrefix(fn.Name(), "Sys_") {
			r[strings.TrimPrefix(fn.Name(), "Sys_")] = true
			zxCalls[fn] = r
			return r
		}
		if seen[fn] {
			return r
		}
		seen[fn] = true
		for _, c := range direct[fn] {
			if c.Pkg() != nil && isLib(c.Pkg().Path()) {
				if orig, ok := byOrigin(byKey, c); ok {
					c = orig
				}
				for k := range resolve(c, seen) {
					r[k] = true
				}
			}
		}
		zxCalls[fn] = r
		return r
	}
	cover := map[string]map[string]bool{}
	for _, p := range pkgs {
		if !strings.Contains(p.PkgPath, "/userspace/conformance/") || p.TypesInfo == nil {
			continue
		}
		family := p.PkgPath[strings.LastIndex(p.PkgPath, "/")+1:]
		family = strings.TrimSuffix(family, ".test")
		local := map[*types.Func]*ast.BlockStmt{}
		for _, f := range p.Syntax {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
					if fn, _ := p.TypesInfo.Defs[fd.Name].(*types.Func); fn != nil {
						local[fn] = fd.Body
					}
				}
			}
		}
		for fn, body := range local {
			if !strings.HasPrefix(fn.Name(), "Test") || fn.Type().(*types.Signature).Recv() != nil {
				continue
			}
			seen := map[*types.Func]bool{}
			var walk func(b *ast.BlockStmt)
			walk = func(b *ast.BlockStmt) {
				for _, s := range numbers(p.TypesInfo, b, numConst) {
					if cover[s] == nil {
						cover[s] = map[string]bool{}
					}
					cover[s][family+"/"+fn.Name()] = true
				}
				for _, c := range calls(p.TypesInfo, b) {
					if c.Pkg() != nil && isLib(c.Pkg().Path()) {
						target := c
						if orig, ok := byOrigin(byKey, c); ok {
							target = orig
						}
						for s := range resolve(target, map[*types.Func]bool{}) {
							if cover[s] == nil {
								cover[s] = map[string]bool{}
							}
							cover[s][family+"/"+fn.Name()] = true
						}
					} else if lb, ok := local[c]; ok && !seen[c] {
						seen[c] = true
						walk(lb)
					}
				}
			}
			walk(body)
		}
	}
	res := map[string][]string{}
	for s, m := range cover {
		for c := range m {
			res[s] = append(res[s], c)
		}
		sort.Strings(res[s])
	}
	return res, nil
}

// byOrigin finds the zx declaration matching a (possibly instantiated or
// differently loaded) function object by package path and full name.
func byOrigin(all map[*types.Func]*types.Func, c *types.Func) (*types.Func, bool) {
	for fn := range all {
		if fn.FullName() == c.FullName() {
			return fn, true
		}
	}
	return nil, false
}

// calls returns the functions and methods body calls or refers to
// (including in nested function literals): a function passed as a value
// — a worker handed to relaunch.Main, a callback — counts as reached.
func calls(info *types.Info, body ast.Node) []*types.Func {
	var out []*types.Func
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if fn, ok := info.Uses[id].(*types.Func); ok {
				out = append(out, fn.Origin())
			}
		}
		return true
	})
	return out
}

// numbers returns the syscalls whose zx number constants body uses.
func numbers(info *types.Info, body ast.Node, numConst map[string]string) []string {
	var out []string
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if c, ok := info.Uses[id].(*types.Const); ok && c.Pkg() != nil && c.Pkg().Path() == zxPkg && strings.HasPrefix(c.Name(), "Sys") {
				if s, ok := numConst[strings.ToLower(strings.TrimPrefix(c.Name(), "Sys"))]; ok {
					out = append(out, s)
				}
			}
		}
		return true
	})
	return out
}

func render(spec []string, cover map[string][]string) []byte {
	var b bytes.Buffer
	b.WriteString("# Conformance coverage\n\nGenerated by `go run ./tools/confmap` from `syscall/spec.txt` and the test\nfunctions of `userspace/conformance/...`; do not edit.\n\n")
	n := 0
	var missing []string
	for _, s := range spec {
		if len(cover[s]) > 0 {
			n++
		} else {
			missing = append(missing, s)
		}
	}
	fmt.Fprintf(&b, "%d of %d syscalls have at least one conformance case.\n\n", n, len(spec))
	b.WriteString("| syscall | cases |\n| --- | --- |\n")
	for _, s := range spec {
		c := cover[s]
		if len(c) == 0 {
			fmt.Fprintf(&b, "| `zx_%s` | **none** |\n", s)
			continue
		}
		fmt.Fprintf(&b, "| `zx_%s` | %s |\n", s, strings.Join(c, ", "))
	}
	b.WriteString("\n## Uncovered\n\n")
	if len(missing) == 0 {
		b.WriteString("None.\n")
	}
	for _, s := range missing {
		fmt.Fprintf(&b, "- `zx_%s`\n", s)
	}
	return b.Bytes()
}
