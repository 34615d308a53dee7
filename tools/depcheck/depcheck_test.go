package depcheck

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func root(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// rules: a package under the prefix may not import anything under these.
var forbidden = []struct {
	pkg  string
	deny []string
}{
	{"beryl/arch/", []string{"beryl/kernel", "beryl/mm", "beryl/boot", "beryl/syscall", "beryl/userspace"}},
	// mm may use the object core (VMOs and VMARs are objects): it is pure
	// and imports no other beryl package, so it sits below mm.
	{"beryl/mm/", []string{"beryl/kernel/rt", "beryl/kernel/proc", "beryl/kernel/kmain", "beryl/kernel/console",
		"beryl/kernel/acpi", "beryl/kernel/linux", "beryl/kernel/bootfs", "beryl/kernel/klog", "beryl/kernel/options",
		"beryl/kernel/ktest", "beryl/boot", "beryl/syscall", "beryl/userspace"}},
	{"beryl/kernel/", []string{"beryl/boot", "beryl/syscall", "beryl/userspace"}},
	{"beryl/syscall", []string{"beryl/boot", "beryl/userspace"}},
	// The scheduler's arithmetic runs on the trap path and in host tests:
	// pure integers, importing nothing.
	{"beryl/kernel/sched", []string{"unsafe", "beryl/"}},
	{"beryl/kernel/object", []string{"unsafe", "beryl/arch", "beryl/mm", "beryl/kernel/rt", "beryl/kernel/proc",
		"beryl/kernel/linux", "beryl/kernel/klog", "beryl/boot", "beryl/syscall"}},
	{"beryl/userspace/", []string{"beryl/kernel", "beryl/mm", "beryl/boot", "beryl/syscall"}},
	// The system description parser is built for userspace (init) and for
	// the host (tools/mkbootfs checks etc/system.yaml): it stays pure Go,
	// without the zx syscall layer or anything that needs Beryl to run.
	{"beryl/userspace/sysdesc", []string{"unsafe", "beryl/arch", "beryl/userspace/zx", "beryl/userspace/launch"}},
	// Wire protocols are spoken by the kernel and by userspace alike: pure
	// Go, importing no other beryl package.
	{"beryl/proto/", []string{"unsafe", "beryl/"}},
	// Driver logic (PCI enumeration, virtio, the network setup) is pure Go
	// over the interfaces of drivers/hw, so that it runs against fakes on
	// the host; only the programs (pcibus, virtionetd) touch zx.
	{"beryl/userspace/drivers/hw/", []string{"beryl/arch", "beryl/userspace/zx", "beryl/userspace/launch"}},
	{"beryl/userspace/drivers/pci/", []string{"unsafe", "beryl/arch", "beryl/userspace/zx", "beryl/userspace/launch"}},
	{"beryl/userspace/drivers/virtio/", []string{"unsafe", "beryl/arch", "beryl/userspace/zx", "beryl/userspace/launch"}},
	{"beryl/userspace/drivers/netcfg/", []string{"unsafe", "beryl/arch", "beryl/userspace/zx", "beryl/userspace/launch"}},
}

func TestImportRules(t *testing.T) {
	cmd := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...")
	cmd.Dir = root(t)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		for _, r := range forbidden {
			if !strings.HasPrefix(pkg, r.pkg) && pkg != strings.TrimSuffix(r.pkg, "/") {
				continue
			}
			checked++
			for _, imp := range imports {
				for _, d := range r.deny {
					if imp == d || strings.HasPrefix(imp, d+"/") {
						t.Errorf("%s imports %s (rule: %s must not depend on %s)", pkg, imp, r.pkg, d)
					}
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages checked: go list output unexpected", checked)
	}
}

// TestUnsafeFiles: only files named *_unsafe.go import unsafe (tests and
// generated code excepted).
func TestUnsafeFiles(t *testing.T) {
	r := root(t)
	fset := token.NewFileSet()
	n := 0
	for _, dir := range []string{"arch", "boot", "kernel", "mm", "syscall"} {
		filepath.Walk(filepath.Join(r, dir), func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly|parser.ParseComments)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				return nil
			}
			n++
			for _, imp := range f.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == "unsafe" && !strings.HasSuffix(path, "_unsafe.go") {
					rel, _ := filepath.Rel(r, path)
					t.Errorf("%s imports unsafe but is not named *_unsafe.go", rel)
				}
			}
			return nil
		})
	}
	if n < 20 {
		t.Fatalf("only %d files scanned", n)
	}
}
