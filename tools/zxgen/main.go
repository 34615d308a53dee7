// Command zxgen generates Beryl's zx syscall glue from syscall/spec.txt:
// the kernel dispatch table (syscall/table_gen.go), the user stubs and
// constants (userspace/zx/syscalls_gen.go, consts_gen.go) and the reference
// (docs/syscalls/README.md) and the table of the specrights conformance
// family (userspace/conformance/specrights/cases_gen_test.go).
//
// Usage: go run ./tools/zxgen [-root DIR] [-check]
//
// -check writes nothing and exits 1 if any generated file is stale.
// `go generate ./syscall` runs it from the syscall directory.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"beryl/tools/zxgen/gen"
)

func main() {
	root := flag.String("root", ".", "repository root")
	check := flag.Bool("check", false, "report stale files instead of writing them")
	flag.Parse()
	files, err := gen.GenerateAll(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "zxgen:", err)
		os.Exit(1)
	}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	stale := false
	for _, p := range paths {
		full := filepath.Join(*root, p)
		old, _ := os.ReadFile(full)
		if bytes.Equal(old, files[p]) {
			continue
		}
		if *check {
			fmt.Fprintf(os.Stderr, "zxgen: %s is stale\n", p)
			stale = true
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "zxgen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "zxgen:", err)
			os.Exit(1)
		}
		fmt.Println("zxgen: wrote", p)
	}
	if stale {
		os.Exit(1)
	}
}
