package bootinfo

// EFI memory types (UEFI spec 2.x, §7.2 "EFI_BOOT_SERVICES.AllocatePages",
// EFI_MEMORY_TYPE).
const (
	EFIReservedMemoryType      = 0
	EFILoaderCode              = 1
	EFILoaderData              = 2
	EFIBootServicesCode        = 3
	EFIBootServicesData        = 4
	EFIRuntimeServicesCode     = 5
	EFIRuntimeServicesData     = 6
	EFIConventionalMemory      = 7
	EFIUnusableMemory          = 8
	EFIACPIReclaimMemory       = 9
	EFIACPIMemoryNVS           = 10
	EFIMemoryMappedIO          = 11
	EFIMemoryMappedIOPortSpace = 12
	EFIPalCode                 = 13
	EFIPersistentMemory        = 14
	EFIUnacceptedMemory        = 15
)

// EFIDescriptorMinSize is sizeof(EFI_MEMORY_DESCRIPTOR) in UEFI 2.x:
// Type u32, pad u32, PhysicalStart, VirtualStart, NumberOfPages,
// Attribute u64. Firmware may use a larger stride (often 48).
const EFIDescriptorMinSize = 40

// EFIMemType maps an EFI memory type onto MemType. Loader and
// boot-services code/data are RAM once ExitBootServices has been called
// (the loader's own data, e.g. the boot information and modules, must be
// excluded separately); runtime services, MMIO, persistent and unaccepted
// memory stay reserved.
//
//go:nosplit
func EFIMemType(t uint32, bootServicesExited bool) MemType {
	switch t {
	case EFIConventionalMemory, EFILoaderCode, EFILoaderData:
		return MemAvailable
	case EFIBootServicesCode, EFIBootServicesData:
		if bootServicesExited {
			return MemAvailable
		}
		return MemReserved
	case EFIUnusableMemory:
		return MemBadRAM
	case EFIACPIReclaimMemory:
		return MemACPIReclaimable
	case EFIACPIMemoryNVS:
		return MemNVS
	}
	return MemReserved
}

type mapKind uint8

const (
	kindNone mapKind = iota
	kindMB1
	kindMB2
	kindEFI
)

// MemMapIter iterates over a firmware memory map in any of the three
// formats (MB1 buffer, MB2 tag 6, MB2 EFI tag 17) and yields MemRegions.
// Zero-length entries are skipped; a region running past 2^64 is clipped
// to end there. Next returns ok=false at the end or on malformed input;
// Err tells which.
type MemMapIter struct {
	buf      []byte
	off      int
	stride   int
	kind     mapKind
	bsExited bool
	err      errCode
}

// MB1MemMap iterates over a Multiboot 1 memory-map buffer (mmap_length
// bytes at mmap_addr, §3.3): entries of "size" u32 (not counting itself),
// base_addr u64, length u64, type u32.
//
//go:nosplit
func MB1MemMap(buf []byte) MemMapIter {
	return MemMapIter{buf: buf, kind: kindMB1}
}

// MB2MemMap iterates over a Multiboot2 memory-map tag (type 6, §3.6
// "Memory map": entry_size u32, entry_version u32, then entries of
// base_addr u64, length u64, type u32, reserved u32).
//
//go:nosplit
func MB2MemMap(tag []byte) MemMapIter {
	es, ok := le32(tag, 8)
	switch {
	case !ok || len(tag) < 16:
		return MemMapIter{err: errTruncated}
	case es < 24 || es > 4096:
		return MemMapIter{err: errBadEntry}
	}
	return MemMapIter{buf: tag, off: 16, stride: int(es), kind: kindMB2}
}

// EFIMemMap iterates over a Multiboot2 EFI memory-map tag (type 17, §3.6
// "EFI memory map": descriptor_size u32, descriptor_version u32, then
// EFI_MEMORY_DESCRIPTORs). bootServicesExited selects how boot-services
// memory is typed (see EFIMemType).
//
//go:nosplit
func EFIMemMap(tag []byte, bootServicesExited bool) MemMapIter {
	ds, ok := le32(tag, 8)
	switch {
	case !ok || len(tag) < 16:
		return MemMapIter{err: errTruncated}
	case ds < EFIDescriptorMinSize || ds > 4096:
		return MemMapIter{err: errBadEntry}
	}
	return MemMapIter{buf: tag, off: 16, stride: int(ds), kind: kindEFI, bsExited: bootServicesExited}
}

// Next returns the next non-empty region.
//
//go:nosplit
func (it *MemMapIter) Next() (MemRegion, bool) {
	for {
		r, ok := it.next()
		if !ok {
			return MemRegion{}, false
		}
		if r.Length != 0 {
			if r.Base+r.Length < r.Base {
				r.Length = -r.Base // clip at 2^64
			}
			return r, true
		}
	}
}

// next decodes one raw entry.
//
//go:nosplit
func (it *MemMapIter) next() (MemRegion, bool) {
	if it.err != errNone || it.kind == kindNone || it.off >= len(it.buf) {
		return MemRegion{}, false
	}
	rest := len(it.buf) - it.off
	var r MemRegion
	switch it.kind {
	case kindMB1:
		size, ok := le32(it.buf, it.off)
		if !ok {
			it.err = errTruncated
			return MemRegion{}, false
		}
		if size < 20 {
			it.err = errBadEntry
			return MemRegion{}, false
		}
		if uint64(size)+4 > uint64(rest) {
			it.err = errTruncated
			return MemRegion{}, false
		}
		r.Base, _ = le64(it.buf, it.off+4)
		r.Length, _ = le64(it.buf, it.off+12)
		t, _ := le32(it.buf, it.off+20)
		r.Type = normalizeType(t)
		it.off += int(size) + 4
	case kindMB2:
		if it.stride > rest {
			it.err = errTruncated
			return MemRegion{}, false
		}
		r.Base, _ = le64(it.buf, it.off)
		r.Length, _ = le64(it.buf, it.off+8)
		t, _ := le32(it.buf, it.off+16)
		r.Type = normalizeType(t)
		it.off += it.stride
	case kindEFI:
		if it.stride > rest {
			it.err = errTruncated
			return MemRegion{}, false
		}
		t, _ := le32(it.buf, it.off)
		r.Base, _ = le64(it.buf, it.off+8)
		pages, _ := le64(it.buf, it.off+24)
		if pages > (^uint64(0))>>12 {
			pages = (^uint64(0)) >> 12
		}
		r.Length = pages << 12 // EFI pages are always 4 KiB
		r.Type = EFIMemType(t, it.bsExited)
		it.off += it.stride
	}
	return r, true
}

// Err returns the error that ended the iteration, or nil.
//
//go:nosplit
func (it *MemMapIter) Err() error { return it.err.error() }
