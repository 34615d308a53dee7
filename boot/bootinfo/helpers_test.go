package bootinfo

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// fakeMem is sparse fake physical memory: segments of bytes at
// addresses. A read must fall entirely inside one segment.
type fakeMem struct {
	segs []fakeSeg
}

type fakeSeg struct {
	addr uint64
	data []byte
}

var errUnmapped = errors.New("fake: unmapped physical address")

func (m *fakeMem) put(addr uint64, data []byte) {
	m.segs = append(m.segs, fakeSeg{addr, data})
}

func (m *fakeMem) ReadPhys(addr uint64, p []byte) error {
	for _, s := range m.segs {
		if addr >= s.addr && addr-s.addr <= uint64(len(s.data)) && uint64(len(p)) <= uint64(len(s.data))-(addr-s.addr) {
			copy(p, s.data[addr-s.addr:])
			return nil
		}
	}
	return fmt.Errorf("%w: %#x+%d", errUnmapped, addr, len(p))
}

var le = binary.LittleEndian

func cstr(s string) []byte { return append([]byte(s), 0) }

// mb1Entry encodes one MB1 memory-map entry with the given size field.
func mb1Entry(size uint32, base, length uint64, typ uint32) []byte {
	b := make([]byte, max(4+size, 24))
	le.PutUint32(b, size)
	le.PutUint64(b[4:], base)
	le.PutUint64(b[12:], length)
	le.PutUint32(b[20:], typ)
	return b[:4+size]
}

// mb1Info builds a MB1 information structure.
type mb1Info struct {
	flags                          uint32
	memLower, memUpper             uint32
	cmdline, modsCount, modsAddr   uint32
	mmapLength, mmapAddr, loaderNm uint32
	fb                             *Framebuffer
}

func (i mb1Info) bytes() []byte {
	b := make([]byte, MB1InfoMaxSize)
	le.PutUint32(b[0:], i.flags)
	le.PutUint32(b[4:], i.memLower)
	le.PutUint32(b[8:], i.memUpper)
	le.PutUint32(b[16:], i.cmdline)
	le.PutUint32(b[20:], i.modsCount)
	le.PutUint32(b[24:], i.modsAddr)
	le.PutUint32(b[44:], i.mmapLength)
	le.PutUint32(b[48:], i.mmapAddr)
	le.PutUint32(b[64:], i.loaderNm)
	if i.fb != nil {
		le.PutUint64(b[88:], i.fb.Addr)
		le.PutUint32(b[96:], i.fb.Pitch)
		le.PutUint32(b[100:], i.fb.Width)
		le.PutUint32(b[104:], i.fb.Height)
		b[108] = i.fb.BPP
		b[109] = i.fb.Type
	}
	return b[:MB1InfoSize(i.flags)]
}

func mb1Module(start, end, cmd uint32) []byte {
	b := make([]byte, MB1ModuleSize)
	le.PutUint32(b, start)
	le.PutUint32(b[4:], end)
	le.PutUint32(b[8:], cmd)
	return b
}

// tag builds an MB2 tag (header + payload, unpadded).
func tag(typ uint32, payload ...[]byte) []byte {
	var p []byte
	for _, x := range payload {
		p = append(p, x...)
	}
	b := make([]byte, 8, 8+len(p))
	le.PutUint32(b, typ)
	le.PutUint32(b[4:], uint32(8+len(p)))
	return append(b, p...)
}

func u32(v uint32) []byte { b := make([]byte, 4); le.PutUint32(b, v); return b }
func u64(v uint64) []byte { b := make([]byte, 8); le.PutUint64(b, v); return b }

// mb2 builds an information structure from tags, padding each to 8 bytes
// and appending the end tag.
func mb2(tags ...[]byte) []byte {
	b := make([]byte, 8)
	for _, t := range tags {
		b = append(b, t...)
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
	}
	b = append(b, tag(MB2TagEnd)...)
	le.PutUint32(b, uint32(len(b)))
	return b
}

func mb2MmapTag(entrySize uint32, regions ...MemRegion) []byte {
	p := append(u32(entrySize), u32(0)...)
	for _, r := range regions {
		e := make([]byte, max(entrySize, 24))
		le.PutUint64(e, r.Base)
		le.PutUint64(e[8:], r.Length)
		le.PutUint32(e[16:], uint32(r.Type))
		p = append(p, e[:entrySize]...)
	}
	return tag(MB2TagMmap, p)
}

type efiDesc struct {
	typ         uint32
	base, pages uint64
}

func efiMmapTag(descSize uint32, descs ...efiDesc) []byte {
	p := append(u32(descSize), u32(1)...)
	for _, d := range descs {
		e := make([]byte, max(descSize, 40))
		le.PutUint32(e, d.typ)
		le.PutUint64(e[8:], d.base)
		le.PutUint64(e[16:], d.base+0xffff_8000_0000_0000) // virtual start: ignored
		le.PutUint64(e[24:], d.pages)
		le.PutUint64(e[32:], 0xf) // attributes: ignored
		p = append(p, e[:descSize]...)
	}
	return tag(MB2TagEFIMmap, p)
}

func rsdp(rev byte, n int) []byte {
	b := make([]byte, n)
	copy(b, "RSD PTR ")
	if n > 15 {
		b[15] = rev
	}
	return b
}
