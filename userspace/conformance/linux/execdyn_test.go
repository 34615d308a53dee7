package linux

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"
)

// dynamicELF returns a minimal x86-64 ET_EXEC image whose PT_INTERP names
// Linux's dynamic loader, as a cgo-linked Go binary's does.
func dynamicELF() []byte {
	const phoff, phnum, interpOff = 64, 2, 64 + 2*56
	interp := "/lib64/ld-linux-x86-64.so.2\x00"
	img := make([]byte, interpOff+len(interp))
	le := binary.LittleEndian
	copy(img, "\x7fELF\x02\x01\x01")
	le.PutUint16(img[16:], 2)  // ET_EXEC
	le.PutUint16(img[18:], 62) // EM_X86_64
	le.PutUint32(img[20:], 1)
	le.PutUint64(img[24:], 0x400000+interpOff) // entry
	le.PutUint64(img[32:], phoff)
	le.PutUint16(img[52:], 64)
	le.PutUint16(img[54:], 56)
	le.PutUint16(img[56:], phnum)
	le.PutUint16(img[58:], 64)
	ph := func(i int, typ, flags uint32, off, vaddr, size, align uint64) {
		b := img[phoff+56*i:]
		le.PutUint32(b[0:], typ)
		le.PutUint32(b[4:], flags)
		le.PutUint64(b[8:], off)
		le.PutUint64(b[16:], vaddr)
		le.PutUint64(b[24:], vaddr)
		le.PutUint64(b[32:], size)
		le.PutUint64(b[40:], size)
		le.PutUint64(b[48:], align)
	}
	ph(0, 3, 4, interpOff, 0x400000+interpOff, uint64(len(interp)), 1) // PT_INTERP
	ph(1, 1, 5, 0, 0x400000, uint64(len(img)), 0x1000)                 // PT_LOAD
	copy(img[interpOff:], interp)
	return img
}

// TestExecveDynamic: Beryl has no dynamic loader, so execve of an image
// naming one fails as Linux's does when the PT_INTERP file is missing
// (ENOENT), and the caller goes on; an executable file that is not ELF is
// ENOEXEC.
func TestExecveDynamic(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		img  []byte
		want syscall.Errno
	}{
		{"dynamic", dynamicELF(), syscall.ENOENT},
		{"not-elf", []byte("\x00\x01\x02 not an executable\n"), syscall.ENOEXEC},
	} {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, c.img, 0o755); err != nil {
			t.Fatal(err)
		}
		path, _ := syscall.BytePtrFromString(p)
		argv := []*byte{path, nil}
		if _, _, e := syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(path)), uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&argv[1]))); e != c.want {
			t.Errorf("execve %s: %v, want %v", c.name, e, c.want)
		}
	}
}
