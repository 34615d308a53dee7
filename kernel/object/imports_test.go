package object

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoUnsafeNoArch proves kernel/object (and any sub-package) imports
// neither unsafe nor anything under arch, nor any other Beryl package, so
// it builds and runs on the host unchanged.
func TestNoUnsafeNoArch(t *testing.T) {
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		n++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case p == "unsafe":
				t.Errorf("%s imports unsafe", path)
			case p == "beryl/arch" || strings.HasPrefix(p, "beryl/arch/") || strings.Contains(p, "/arch/"):
				t.Errorf("%s imports %s", path, p)
			case strings.HasPrefix(p, "beryl/") && !strings.HasPrefix(p, "beryl/kernel/object"):
				t.Errorf("%s imports %s: the object core depends on no other Beryl package", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d Go files checked", n)
	}
}
