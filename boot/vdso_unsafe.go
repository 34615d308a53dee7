package boot

import (
	"unsafe"

	"beryl/arch/x86"
)

// The kernel vDSO. The Go runtime looks for a vDSO through the auxiliary
// vector (AT_SYSINFO_EHDR) and, when it finds __vdso_clock_gettime,
// calls it for every nanotime and walltime; without one it makes a
// clock_gettime system call instead, which in ring 0 is a full trap
// (FXSAVE, dispatch, FXRSTOR, IRETQ) on each of the scheduler's many
// clock reads. The image is the smallest ELF shared object the runtime's
// parser (runtime/vdso_linux.go) accepts: one PT_LOAD and one PT_DYNAMIC
// header, a DT_HASH table, one symbol versioned LINUX_2.6, and the
// version definitions the runtime reads unconditionally. The symbol's
// code is x86's vdsoClockGettime in the kernel's text: its value is
// relative to the image, as a loaded vDSO's would be.

// ELF constants (System V gABI; GNU symbol versioning).
const (
	ptLoad        = 1
	ptDynamic     = 2
	dtNull        = 0
	dtHash        = 4
	dtStrtab      = 5
	dtSymtab      = 6
	dtStrsz       = 10
	dtSyment      = 11
	dtVersym      = 0x6ffffff0
	dtVerdef      = 0x6ffffffc
	dtVerdefnum   = 0x6ffffffd
	stbGlobal     = 1
	sttFunc       = 2
	verFlgBase    = 1
	atSysinfoEhdr = 33
)

type elf64Ehdr struct {
	ident     [16]byte
	typ       uint16
	machine   uint16
	version   uint32
	entry     uint64
	phoff     uint64
	shoff     uint64
	flags     uint32
	ehsize    uint16
	phentsize uint16
	phnum     uint16
	shentsize uint16
	shnum     uint16
	shstrndx  uint16
}

type elf64Phdr struct {
	typ    uint32
	flags  uint32
	offset uint64
	vaddr  uint64
	paddr  uint64
	filesz uint64
	memsz  uint64
	align  uint64
}

type elf64Dyn struct {
	tag int64
	val uint64
}

type elf64Sym struct {
	name  uint32
	info  uint8
	other uint8
	shndx uint16
	value uint64
	size  uint64
}

// elfVerdef is an Elf64_Verdef followed by its single Elf64_Verdaux.
type elfVerdef struct {
	version uint16
	flags   uint16
	ndx     uint16
	cnt     uint16
	hash    uint32
	aux     uint32
	next    uint32
	auxName uint32
	auxNext uint32
}

// vdsoStrings is the string table: the symbol, the version and the
// base version's name, at the offsets below.
const vdsoStrings = "\x00__vdso_clock_gettime\x00LINUX_2.6\x00linux-vdso.so.1\x00"

const (
	strClockGettime = 1
	strLinux26      = 22
	strSoname       = 32
)

type vdsoImage struct {
	ehdr    elf64Ehdr
	load    elf64Phdr
	dynamic elf64Phdr
	dyn     [9]elf64Dyn
	hash    [5]uint32 // nbucket, nchain, bucket[0], chain[0], chain[1]
	sym     [2]elf64Sym
	versym  [2]uint16
	verdef  [2]elfVerdef
	str     [len(vdsoStrings)]byte
}

var vdso vdsoImage

// elfHash is the System V ABI symbol hash.
//
//go:nosplit
func elfHash(s string) uint32 {
	var h uint32
	for i := 0; i < len(s); i++ {
		h = h<<4 + uint32(s[i])
		g := h & 0xf0000000
		h ^= g >> 24
		h &^= g
	}
	return h
}

// buildVDSO fills the image and returns its address for AT_SYSINFO_EHDR.
// It runs before the Go runtime: nosplit, no allocation.
//
//go:nosplit
func buildVDSO() uintptr {
	v := &vdso
	base := uintptr(unsafe.Pointer(v))
	size := uint64(unsafe.Sizeof(*v))
	v.ehdr = elf64Ehdr{
		ident:     [16]byte{0x7f, 'E', 'L', 'F', 2, 1, 1}, // ELFCLASS64, little endian, EV_CURRENT
		typ:       3,                                      // ET_DYN
		machine:   62,                                     // EM_X86_64
		version:   1,
		phoff:     uint64(unsafe.Offsetof(v.load)),
		ehsize:    uint16(unsafe.Sizeof(v.ehdr)),
		phentsize: uint16(unsafe.Sizeof(v.load)),
		phnum:     2,
	}
	v.load = elf64Phdr{typ: ptLoad, flags: 5, filesz: size, memsz: size, align: 4096}
	v.dynamic = elf64Phdr{typ: ptDynamic, flags: 4,
		offset: uint64(unsafe.Offsetof(v.dyn)), vaddr: uint64(unsafe.Offsetof(v.dyn)),
		filesz: uint64(unsafe.Sizeof(v.dyn)), memsz: uint64(unsafe.Sizeof(v.dyn)), align: 8}
	v.dyn = [9]elf64Dyn{
		{dtHash, uint64(unsafe.Offsetof(v.hash))},
		{dtStrtab, uint64(unsafe.Offsetof(v.str))},
		{dtSymtab, uint64(unsafe.Offsetof(v.sym))},
		{dtStrsz, uint64(len(vdsoStrings))},
		{dtSyment, uint64(unsafe.Sizeof(v.sym[0]))},
		{dtVersym, uint64(unsafe.Offsetof(v.versym))},
		{dtVerdef, uint64(unsafe.Offsetof(v.verdef))},
		{dtVerdefnum, 2},
		{dtNull, 0},
	}
	// One bucket holding symbol 1; chains end at once.
	v.hash = [5]uint32{1, 2, 1, 0, 0}
	v.sym[1] = elf64Sym{
		name:  strClockGettime,
		info:  stbGlobal<<4 | sttFunc,
		shndx: 1, // defined (the image has no section headers; any index but SHN_UNDEF)
		value: uint64(x86.VDSOClockGettimePC() - base),
	}
	v.versym = [2]uint16{0, 2}
	vd := uint32(unsafe.Sizeof(v.verdef[0]))
	aux := uint32(unsafe.Offsetof(v.verdef[0].auxName))
	v.verdef[0] = elfVerdef{version: 1, flags: verFlgBase, ndx: 1, cnt: 1,
		hash: elfHash(vdsoStrings[strSoname : len(vdsoStrings)-1]), aux: aux, next: vd, auxName: strSoname}
	v.verdef[1] = elfVerdef{version: 1, ndx: 2, cnt: 1,
		hash: elfHash(vdsoStrings[strLinux26 : strSoname-1]), aux: aux, auxName: strLinux26}
	copy(v.str[:], vdsoStrings)
	return base
}
