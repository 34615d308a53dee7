package launch

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/u-root/u-root/pkg/cpio"
)

// TestBuildStack checks the initial stack against the Linux layout Go's
// rt0 reads: argc, argv pointers, NULL, envp pointers, NULL, auxv.
func TestBuildStack(t *testing.T) {
	const base, size = 0x7000_0000, 1 << 20
	argv := []string{"prog", "a b", ""}
	env := []string{"X=1", "ZX_BOOTSTRAP=arg1"}
	img, sp, err := BuildStack(base, size, argv, env)
	if err != nil {
		t.Fatal(err)
	}
	if sp%16 != 0 || sp+uint64(len(img)) != base+size || sp < base {
		t.Fatalf("sp %#x, image %d bytes", sp, len(img))
	}
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(img[8*i:]) }
	str := func(addr uint64) string {
		b := img[addr-sp:]
		return string(b[:bytes.IndexByte(b, 0)])
	}
	if word(0) != 3 {
		t.Fatalf("argc %d", word(0))
	}
	var got []string
	i := 1
	for ; word(i) != 0; i++ {
		got = append(got, str(word(i)))
	}
	if strings.Join(got, "|") != strings.Join(argv[:len(got)], "|") || len(got) != 3 {
		t.Fatalf("argv %q", got)
	}
	got = nil
	for i++; word(i) != 0; i++ {
		got = append(got, str(word(i)))
	}
	if strings.Join(got, "|") != strings.Join(env, "|") {
		t.Fatalf("envp %q", got)
	}
	i++
	aux := map[uint64]uint64{}
	for ; word(i) != 0; i += 2 {
		aux[word(i)] = word(i + 1)
	}
	if aux[6] != 4096 || aux[25] < sp || aux[25]+16 > base+size {
		t.Fatalf("auxv %v", aux)
	}
	if _, _, err := BuildStack(base, size, []string{strings.Repeat("x", maxArgs)}, nil); err == nil {
		t.Error("oversized arguments accepted")
	}
	if _, _, err := BuildStack(base, 4096, argv, env); err == nil {
		t.Error("a one-page stack left no room below the arguments")
	}
}

// TestFindFile reads an archive written by u-root's cpio writer.
func TestFindFile(t *testing.T) {
	var buf bytes.Buffer
	w := cpio.Newc.Writer(&buf)
	recs := []cpio.Record{
		cpio.StaticFile("bin/a", "alpha", 0o755),
		cpio.StaticFile("bin/bb", strings.Repeat("b", 1001), 0o755),
		cpio.StaticFile("etc/empty", "", 0o644),
	}
	if err := cpio.WriteRecordsAndDirs(w, recs); err != nil {
		t.Fatal(err)
	}
	if err := cpio.WriteTrailer(w); err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(buf.Bytes())
	for name, want := range map[string]string{"bin/a": "alpha", "bin/bb": strings.Repeat("b", 1001), "etc/empty": ""} {
		f, err := FindFile(r, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(f)
		if err != nil || string(b) != want {
			t.Errorf("%s: %q %v", name, b, err)
		}
	}
	if _, err := FindFile(r, "bin/c"); err == nil {
		t.Error("missing file found")
	}
	if _, err := FindFile(bytes.NewReader([]byte("garbage")), "bin/a"); err == nil {
		t.Error("garbage accepted")
	}
	bad := append([]byte(nil), buf.Bytes()...)
	copy(bad[6+8*11:], "zzzzzzzz") // name length of the first record
	if _, err := FindFile(bytes.NewReader(bad), "bin/a"); err == nil {
		t.Error("bad header field accepted")
	}
}

// TestHasInterp checks that an image naming a dynamic loader is told
// apart from a static one (Launch refuses it with a clear error instead
// of starting a process that would jump into a loader Beryl lacks).
func TestHasInterp(t *testing.T) {
	static := &elf.File{Progs: []*elf.Prog{{ProgHeader: elf.ProgHeader{Type: elf.PT_LOAD}}}}
	dynamic := &elf.File{Progs: []*elf.Prog{{ProgHeader: elf.ProgHeader{Type: elf.PT_LOAD}}, {ProgHeader: elf.ProgHeader{Type: elf.PT_INTERP}}}}
	if hasInterp(static) {
		t.Error("static image reported as dynamically linked")
	}
	if !hasInterp(dynamic) {
		t.Error("PT_INTERP image not reported as dynamically linked")
	}
}
