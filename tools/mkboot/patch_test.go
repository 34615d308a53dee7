package main

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildKernel links a tiny program the way the Makefile links the kernel.
func buildKernel(t *testing.T) string {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module k\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc main() { entry() }\n//go:noinline\nfunc entry() { println(1) }\n"), 0o644)
	out := filepath.Join(dir, "k.elf")
	cmd := exec.Command("go", "build", "-ldflags", "-T -0x7fdff000 -R 0x200000", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	return out
}

func TestPatchHeaders(t *testing.T) {
	path := buildKernel(t)
	img, _ := os.ReadFile(path)
	out, lay, err := Patch(img, "main.entry")
	if err != nil {
		t.Fatal(err)
	}
	if lay.LoadAddr != 0x200000 || lay.BSSEnd <= lay.LoadEnd || lay.Entry <= lay.LoadAddr || lay.Entry >= lay.LoadEnd {
		t.Fatalf("layout %+v", lay)
	}
	mb1 := out[lay.MB1Offset:]
	if binary.LittleEndian.Uint32(mb1) != mb1Magic || lay.MB1Offset%4 != 0 || lay.MB1Offset+32 > 8192 {
		t.Fatalf("multiboot1 header at %#x", lay.MB1Offset)
	}
	var sum uint32
	for i := 0; i < 3; i++ {
		sum += binary.LittleEndian.Uint32(mb1[4*i:])
	}
	if sum != 0 {
		t.Errorf("multiboot1 checksum %#x", sum)
	}
	if got := binary.LittleEndian.Uint32(mb1[28:]); got != lay.Entry {
		t.Errorf("entry %#x, want %#x", got, lay.Entry)
	}
	mb2 := out[lay.MB2Offset:]
	if binary.LittleEndian.Uint32(mb2) != mb2Magic || lay.MB2Offset%8 != 0 {
		t.Fatalf("multiboot2 header at %#x", lay.MB2Offset)
	}
	// Patching again (go build leaves an up-to-date output alone) works.
	again, _, err := Patch(out, "main.entry")
	if err != nil || string(again) != string(out) {
		t.Errorf("re-patch: %v, identical %v", err, string(again) == string(out))
	}
	if _, _, err := Patch(img, "main.nosuch"); err == nil {
		t.Errorf("missing entry symbol accepted")
	}
	if _, _, err := Patch([]byte("not an elf"), "main.entry"); err == nil {
		t.Errorf("garbage accepted")
	}
	// GRUB's own checks accept both headers.
	os.WriteFile(path, out, 0o755)
	for _, flag := range []string{"--is-x86-multiboot", "--is-x86-multiboot2"} {
		if b, err := exec.Command("grub-file", flag, path).CombinedOutput(); err != nil {
			t.Errorf("grub-file %s: %v %s", flag, err, b)
		}
	}
}
