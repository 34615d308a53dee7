package zxsys

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"beryl/tools/zxgen/gen"
)

// TestGeneratedFilesFresh regenerates every file zxgen writes (into
// memory, the equivalent of a temp dir) and fails if a checked-in copy is
// stale. Fix with `go generate ./syscall`.
func TestGeneratedFilesFresh(t *testing.T) {
	files, err := gen.GenerateAll("..")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("generator produced %d files", len(files))
	}
	tmp := t.TempDir()
	for path, want := range files {
		// Round-trip through a temp dir, as the check is specified.
		tp := filepath.Join(tmp, filepath.Base(path))
		if err := os.WriteFile(tp, want, 0o644); err != nil {
			t.Fatal(err)
		}
		want, _ = os.ReadFile(tp)
		got, err := os.ReadFile(filepath.Join("..", path))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./syscall)", path, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./syscall", path)
		}
	}
}

// TestTableMatchesSpec checks the compiled table against the spec.
func TestTableMatchesSpec(t *testing.T) {
	f, err := os.Open("spec.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sp, err := gen.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Syscalls) != NumSyscalls {
		t.Fatalf("spec has %d syscalls, table %d", len(sp.Syscalls), NumSyscalls)
	}
	for i, s := range sp.Syscalls {
		e := &Table[i]
		if e.Num != uint64(Base+i) || e.Name != s.Name || e.NArgs != len(s.Args) || e.Blocking != s.Blocking {
			t.Errorf("entry %d = %+v, spec %s", i, e, s.Name)
		}
		if e.Num >= Base && e.Num < 0x200 {
			t.Errorf("%s: number %#x in the Linux range", s.Name, e.Num)
		}
		if Lookup(e.Num) != e {
			t.Errorf("Lookup(%#x) wrong", e.Num)
		}
	}
}

func TestSpecErrors(t *testing.T) {
	bad := []string{
		"syscall a 1\n    doc x\n    ret zx_status_t\n",                        // index not dense
		"syscall a 0\n    ret zx_status_t\n",                                   // no doc
		"syscall a 0\n    doc x\n    arg h zx_handle_t\n    ret zx_status_t\n", // handle without rights
		"syscall a 0\n    doc x\n    arg h zx_handle_t rights=FLY\n    ret zx_status_t\n",
		"syscall a 0\n    doc x\n    arg p void* size=nope\n    ret zx_status_t\n",
		"syscall a 0\n    doc x\n    arg p float\n    ret zx_status_t\n",
		"syscall a 0\n    doc x\n    ret void\n", // void without noreturn
		"    doc x\n",
		"syscall a 0\n    doc x\n    ret zx_status_t\nsyscall a 1\n    doc y\n    ret zx_status_t\n",
	}
	for _, s := range bad {
		if _, err := gen.Parse(bytes.NewBufferString(s)); err == nil {
			t.Errorf("no error for %q", s)
		}
	}
}
