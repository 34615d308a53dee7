package bootinfo

// Multiboot2 (spec 2.0). Sections: §3.1.2 header magic, §3.3 machine
// state (EAX magic), §3.6 boot information (tag formats by subsection
// name).

// Magic numbers.
const (
	MB2HeaderMagic  uint32 = 0xE85250D6 // in the OS image's multiboot2 header
	Multiboot2Magic uint32 = 0x36d76289 // in EAX when a MB2 loader jumps to the kernel
)

// Multiboot2 tag types (§3.6, "Basic tags structure" and following).
const (
	MB2TagEnd              uint32 = 0
	MB2TagCmdLine          uint32 = 1
	MB2TagLoaderName       uint32 = 2
	MB2TagModule           uint32 = 3
	MB2TagBasicMem         uint32 = 4
	MB2TagBootDevice       uint32 = 5
	MB2TagMmap             uint32 = 6
	MB2TagVBE              uint32 = 7
	MB2TagFramebuffer      uint32 = 8
	MB2TagELFSections      uint32 = 9
	MB2TagAPM              uint32 = 10
	MB2TagEFI32            uint32 = 11
	MB2TagEFI64            uint32 = 12
	MB2TagSMBIOS           uint32 = 13
	MB2TagACPIOld          uint32 = 14
	MB2TagACPINew          uint32 = 15
	MB2TagNetwork          uint32 = 16
	MB2TagEFIMmap          uint32 = 17
	MB2TagEFIBootServices  uint32 = 18 // boot services not terminated
	MB2TagEFI32ImageHandle uint32 = 19
	MB2TagEFI64ImageHandle uint32 = 20
	MB2TagLoadBase         uint32 = 21
)

// MB2HeaderSize is the fixed header of the information structure
// (total_size u32, reserved u32); tags follow, 8-byte aligned.
const MB2HeaderSize = 8

// MB2TotalSize returns total_size from the first 8 bytes of the
// information structure, so the kernel knows how much to map or copy.
//
//go:nosplit
func MB2TotalSize(hdr []byte) (uint32, bool) {
	if len(hdr) < MB2HeaderSize {
		return 0, false
	}
	return le32(hdr, 0)
}

// MB2Tags iterates over the tags of a Multiboot2 information structure
// (§3.6, "Basic tags structure"). It stops at the end tag; Err reports a
// malformed list.
type MB2Tags struct {
	info []byte
	off  int
	err  errCode
	done bool
}

// MB2TagIter returns an iterator over info, which must hold at least
// total_size bytes starting at the structure's first byte.
//
//go:nosplit
func MB2TagIter(info []byte) MB2Tags {
	total, ok := MB2TotalSize(info)
	switch {
	case !ok || int64(total) > int64(len(info)):
		return MB2Tags{err: errTruncated, done: true}
	case total < MB2HeaderSize+8:
		return MB2Tags{err: errBadTag, done: true}
	}
	return MB2Tags{info: info[:total], off: MB2HeaderSize}
}

// Next returns the next tag's type and bytes (including its 8-byte
// header, excluding padding). It returns ok=false at the end tag or on
// error.
//
//go:nosplit
func (t *MB2Tags) Next() (typ uint32, tag []byte, ok bool) {
	if t.done {
		return 0, nil, false
	}
	if t.off > len(t.info)-8 {
		t.err, t.done = errNoEndTag, true
		return 0, nil, false
	}
	typ, _ = le32(t.info, t.off)
	size, _ := le32(t.info, t.off+4)
	if size < 8 {
		t.err, t.done = errBadTag, true
		return 0, nil, false
	}
	if uint64(size) > uint64(len(t.info)-t.off) {
		t.err, t.done = errTruncated, true
		return 0, nil, false
	}
	if typ == MB2TagEnd {
		t.done = true
		return 0, nil, false
	}
	tag = t.info[t.off : t.off+int(size)]
	next := uint64(t.off) + (uint64(size)+7)&^7
	if next > uint64(len(t.info)) {
		next = uint64(len(t.info)) // padding past the end: the next read reports no end tag
	}
	t.off = int(next)
	return typ, tag, true
}

// Err returns the error that stopped the iteration, or nil after a clean
// end tag.
//
//go:nosplit
func (t *MB2Tags) Err() error { return t.err.error() }

// MB2FindTag returns the first tag of type typ in info.
//
//go:nosplit
func MB2FindTag(info []byte, typ uint32) ([]byte, bool) {
	it := MB2TagIter(info)
	for {
		ty, tag, ok := it.Next()
		if !ok {
			return nil, false
		}
		if ty == typ {
			return tag, true
		}
	}
}

// MB2String returns the NUL-terminated string of a command-line or
// boot-loader-name tag (bytes 8..size), without the NUL.
//
//go:nosplit
func MB2String(tag []byte) []byte {
	if len(tag) <= 8 {
		return nil
	}
	s, _ := CString(tag[8:])
	return s
}

// MB2Module decodes a module tag (§3.6, "Modules": mod_start u32, mod_end
// u32 exclusive, then the NUL-terminated command line).
//
//go:nosplit
func MB2Module(tag []byte) (start, end uint32, cmdline []byte, ok bool) {
	if len(tag) < 16 {
		return 0, 0, nil, false
	}
	start, _ = le32(tag, 8)
	end, _ = le32(tag, 12)
	cmdline, _ = CString(tag[16:])
	return start, end, cmdline, true
}

// MB2BasicMem decodes the basic memory information tag (mem_lower and
// mem_upper in KiB).
//
//go:nosplit
func MB2BasicMem(tag []byte) (lowerKiB, upperKiB uint32, ok bool) {
	if len(tag) < 16 {
		return 0, 0, false
	}
	lowerKiB, _ = le32(tag, 8)
	upperKiB, _ = le32(tag, 12)
	return lowerKiB, upperKiB, true
}

// MB2Framebuffer decodes the common part of the framebuffer info tag.
//
//go:nosplit
func MB2Framebuffer(tag []byte) (Framebuffer, bool) {
	if len(tag) < 30 {
		return Framebuffer{}, false
	}
	return readFramebuffer(tag, 8), true
}

// MB2MemMapFor returns the best memory map of info: the EFI memory map
// (tag 17) if present, since it keeps runtime-services regions apart,
// else the multiboot memory map (tag 6). Boot-services memory counts as
// available only when the "EFI boot services not terminated" tag (18) is
// absent. ok is false when info has neither map.
//
//go:nosplit
func MB2MemMapFor(info []byte) (MemMapIter, bool) {
	_, bsActive := MB2FindTag(info, MB2TagEFIBootServices)
	if tag, ok := MB2FindTag(info, MB2TagEFIMmap); ok {
		return EFIMemMap(tag, !bsActive), true
	}
	if tag, ok := MB2FindTag(info, MB2TagMmap); ok {
		return MB2MemMap(tag), true
	}
	return MemMapIter{}, false
}
