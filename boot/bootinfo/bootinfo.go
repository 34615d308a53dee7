// Package bootinfo parses what a multiboot loader hands the kernel: the
// Multiboot 1 (spec 0.6.96) information structure and the Multiboot2 (spec
// 2.0) tag list, including memory maps, modules, command lines and the ACPI
// RSDP.
//
// It has two layers:
//
//   - An early layer (MB1Info, MB2Tags, MemMapIter, UsableIter and the
//     free functions next to them) that works on byte slices the kernel
//     builds over physical memory before the Go runtime runs. Every
//     function there is //go:nosplit, never allocates, never stores a
//     pointer into the heap or globals, and uses a small stack frame; it
//     reports errors as package-level sentinel values.
//   - A full parser (Parse, ParseMultiboot1, ParseMultiboot2) that runs
//     once the runtime is up, reads physical memory through a PhysReader,
//     copies everything it needs into an Info and may allocate.
//
// Neither layer panics on bad input: truncated, overlapping or garbage
// structures yield errors (fuzzed by FuzzParseMultiboot1/2).
//
// There is no shared mutable state, hence no locks.
package bootinfo

import "errors"

// MemType classifies a physical memory region. The values are those of the
// Multiboot 1 memory map (spec 0.6.96 §3.3, field "type") and the
// Multiboot2 memory-map tag (spec 2.0 §3.6, "Memory map"); EFI types are
// mapped onto them.
type MemType uint32

// Memory region types.
const (
	MemAvailable       MemType = 1 // RAM free for the OS
	MemReserved        MemType = 2 // not usable (firmware, MMIO, unknown types)
	MemACPIReclaimable MemType = 3 // ACPI tables; usable once they are parsed
	MemNVS             MemType = 4 // must be preserved across hibernation
	MemBadRAM          MemType = 5 // defective RAM
)

// String returns a short name for the type.
//
//go:nosplit
func (t MemType) String() string {
	switch t {
	case MemAvailable:
		return "available"
	case MemReserved:
		return "reserved"
	case MemACPIReclaimable:
		return "acpi-reclaimable"
	case MemNVS:
		return "acpi-nvs"
	case MemBadRAM:
		return "bad-ram"
	}
	return "unknown"
}

// normalizeType maps a multiboot memory type onto MemType: both specs say
// any value other than the defined ones means reserved.
//
//go:nosplit
func normalizeType(t uint32) MemType {
	if t >= 1 && t <= 5 {
		return MemType(t)
	}
	return MemReserved
}

// MemRegion is one physical memory range of a firmware memory map.
type MemRegion struct {
	Base, Length uint64
	Type         MemType
}

// End returns the exclusive end of the region, saturated at 2^64-1 so a
// region reaching the top of the address space does not wrap.
//
//go:nosplit
func (r MemRegion) End() uint64 {
	e := r.Base + r.Length
	if e < r.Base {
		return ^uint64(0)
	}
	return e
}

// Sentinel errors of the early layer; the full parser wraps them with
// context, so test with errors.Is.
var (
	ErrTruncated  = errors.New("bootinfo: structure truncated")
	ErrBadEntry   = errors.New("bootinfo: bad entry size")
	ErrBadTag     = errors.New("bootinfo: malformed tag")
	ErrNoEndTag   = errors.New("bootinfo: multiboot2 end tag missing")
	ErrMisaligned = errors.New("bootinfo: misaligned structure")
	ErrBadMagic   = errors.New("bootinfo: unknown bootloader magic")
	ErrTooLarge   = errors.New("bootinfo: structure implausibly large")
	ErrNoMemMap   = errors.New("bootinfo: no memory information")
	ErrOverlap    = errors.New("bootinfo: overlapping boot structures")
	ErrBadModule  = errors.New("bootinfo: bad module")
	ErrBadString  = errors.New("bootinfo: unterminated string")
	ErrBadRSDP    = errors.New("bootinfo: bad ACPI RSDP")
)

// errCode is an early-layer error stored as an integer, so iterators never
// store an interface (pointer) value and thus never need a write barrier.
type errCode uint8

const (
	errNone errCode = iota
	errTruncated
	errBadEntry
	errBadTag
	errNoEndTag
)

// error converts the code to its sentinel value.
//
//go:nosplit
func (c errCode) error() error {
	switch c {
	case errTruncated:
		return ErrTruncated
	case errBadEntry:
		return ErrBadEntry
	case errBadTag:
		return ErrBadTag
	case errNoEndTag:
		return ErrNoEndTag
	}
	return nil
}

// le16 reads a little-endian uint16 at off; ok is false if b is too short.
//
//go:nosplit
func le16(b []byte, off int) (uint16, bool) {
	if off < 0 || off > len(b)-2 {
		return 0, false
	}
	return uint16(b[off]) | uint16(b[off+1])<<8, true
}

// le32 reads a little-endian uint32 at off.
//
//go:nosplit
func le32(b []byte, off int) (uint32, bool) {
	if off < 0 || off > len(b)-4 {
		return 0, false
	}
	return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24, true
}

// le64 reads a little-endian uint64 at off.
//
//go:nosplit
func le64(b []byte, off int) (uint64, bool) {
	lo, ok1 := le32(b, off)
	hi, ok2 := le32(b, off+4)
	return uint64(lo) | uint64(hi)<<32, ok1 && ok2
}

// CString returns b up to (not including) its first NUL byte, and whether
// a NUL was found. It does not allocate.
//
//go:nosplit
func CString(b []byte) ([]byte, bool) {
	for i := 0; i < len(b); i++ {
		if b[i] == 0 {
			return b[:i], true
		}
	}
	return b, false
}
