package linux

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// TestMmapFileSharedMirrors is the pattern of the Go runtime's
// TestMemmoveOverflow at a smaller scale: one 64 KiB /tmp file (the file
// server's VMO) mapped MAP_SHARED|MAP_FIXED thousands of times side by
// side over a range spanning many page tables, a memmove across all of
// it, mappings replaced in place, then everything unmapped. Every window
// must show the file's bytes, the process and the kernel must carry on,
// and the page tables must be given back (the caller's pages return to
// about where they were).
func TestMmapFileSharedMirrors(t *testing.T) {
	const (
		win   = 64 << 10
		count = 2048 // 128 MiB: 64 page tables
		pg    = 4096
	)
	p := filepath.Join(t.TempDir(), "mirror")
	data := make([]byte, win)
	for i := range data {
		data[i] = byte(i/pg + 1) // each page its own non-zero byte
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file := make([]byte, win)
	before, err := zx.GetKernelStats(zx.HandleInvalid)
	if err != nil {
		t.Fatalf("beryl_kernel_stats: %v", err)
	}

	// Reserve the range as the runtime's test does, then give it back.
	// (syscall.Mmap for a slice over it; the raw munmap leaves the
	// slice, which the windows below then back.)
	s, err := syscall.Mmap(-1, 0, count*win, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap of the range: %v", err)
	}
	base := uintptr(unsafe.Pointer(&s[0]))
	syscall.Syscall(syscall.SYS_MUNMAP, base, count*win, 0)
	mapAt := func(off uintptr) {
		t.Helper()
		r, _, e := syscall.Syscall6(syscall.SYS_MMAP, base+off, win, syscall.PROT_READ|syscall.PROT_WRITE,
			syscall.MAP_SHARED|syscall.MAP_FIXED, f.Fd(), 0)
		if e != 0 || r != base+off {
			t.Fatalf("mmap MAP_FIXED at %#x: %#x, %v", base+off, r, e)
		}
	}
	for off := uintptr(0); off < count*win; off += win {
		mapAt(off)
	}
	unmapped := false
	defer func() {
		if !unmapped {
			syscall.Syscall(syscall.SYS_MUNMAP, base, count*win, 0)
		}
	}()

	// Every window reads the file (first touches: read faults).
	for off := 0; off < len(s); off += win {
		if w := s[off : off+win]; !bytes.Equal(w, data) {
			t.Fatalf("window at %#x does not show the file", off)
		}
	}
	// memmove across all of it, both directions (write faults on every
	// page of every window). Every window aliases the same 16 pages, so
	// afterwards all windows still agree with each other and the file.
	if n := copy(s[1:], s); n != len(s)-1 {
		t.Fatalf("copied %d bytes, want %d", n, len(s)-1)
	}
	if n := copy(s, s[1:]); n != len(s)-1 {
		t.Fatalf("copied %d bytes, want %d", n, len(s)-1)
	}
	if _, err := f.ReadAt(file, 0); err != nil {
		t.Fatalf("read of the file: %v", err)
	}
	for off := 0; off < len(s); off += win {
		if !bytes.Equal(s[off:off+win], file) {
			t.Fatalf("window at %#x differs from the file after the memmove", off)
		}
	}
	// A store through one window is seen through the last one and by
	// read(); MAP_FIXED over a live window replaces it in place.
	s[5] = 0xA5
	if s[len(s)-win+5] != 0xA5 {
		t.Errorf("the last window sees %#x, want 0xa5", s[len(s)-win+5])
	}
	for off := uintptr(0); off < count*win; off += 97 * win {
		mapAt(off)
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, 5); err != nil || b[0] != 0xA5 {
		t.Errorf("read after the store: %#x, %v", b[0], err)
	}
	for off := 0; off < len(s); off += 97 * win {
		if s[off+5] != 0xA5 {
			t.Fatalf("replaced window at %#x reads %#x, want 0xa5", off, s[off+5])
		}
	}

	// Unmap window by window, as the runtime's test does: the page
	// tables are freed as they empty.
	for off := uintptr(0); off < count*win; off += win {
		if _, _, e := syscall.Syscall(syscall.SYS_MUNMAP, base+off, win, 0); e != 0 {
			t.Fatalf("munmap at %#x: %v", base+off, e)
		}
	}
	unmapped = true
	after, err := zx.GetKernelStats(zx.HandleInvalid)
	if err != nil {
		t.Fatalf("beryl_kernel_stats: %v", err)
	}
	// 64 page tables were live; the Go runtime may have grown a little
	// meanwhile, so allow some slack, far below what a leak would be.
	if after.CallerPages > before.CallerPages+32 {
		t.Errorf("caller pages %d after unmapping everything, %d before: page tables kept", after.CallerPages, before.CallerPages)
	}
	// The file and the process are intact.
	if _, err := f.ReadAt(file, 0); err != nil || file[5] != 0xA5 {
		t.Errorf("file after unmapping: %#x, %v", file[5], err)
	}
	if _, err := f.WriteAt([]byte{1}, 5); err != nil {
		t.Errorf("write after unmapping: %v", err)
	}
}
