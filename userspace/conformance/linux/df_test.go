package linux

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"beryl/arch/x86/dfstore"
)

// TestFaultWithDirectionFlag: a page fault taken with RFLAGS.DF set (a
// fault in the middle of a user backward copy, such as the Go runtime's
// memmove over overlapping ranges, STD; REP MOVSQ) must not carry DF into
// the kernel. Each store below is a copy-on-write fault on a private file
// mapping, which the kernel serves by copying the page with its own
// memmove (REP MOVSQ): with the user's DF that copy runs downward, so the
// new page would hold stale bytes and the 4 KiB below it in physical
// memory (someone else's) would be overwritten.
func TestFaultWithDirectionFlag(t *testing.T) {
	const (
		pg    = 4096
		pages = 4
	)
	p := filepath.Join(t.TempDir(), "df")
	data := make([]byte, pages*pg)
	for i := range data {
		data[i] = byte(i*7 + i/pg + 1)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, len(data), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap MAP_PRIVATE: %v", err)
	}
	defer syscall.Munmap(m)
	want := bytes.Clone(data)
	for i := 0; i < pages; i++ {
		if i%2 == 0 {
			_ = m[i*pg] // mapped read-only first (the file's page), then written
		}
		off := i*pg + 100 + i
		want[off] = ^data[off]
		dfstore.StoreByte(&m[off], want[off])
	}
	for i := range want {
		if m[i] != want[i] {
			t.Fatalf("after copy-on-write faults taken with DF set: byte %d (page %d) is %#x, want %#x", i, i/pg, m[i], want[i])
		}
	}
}
