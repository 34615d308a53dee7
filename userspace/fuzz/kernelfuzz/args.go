package main

import (
	"encoding/binary"
	"strings"

	"beryl/userspace/zx"
)

// Argument generation: every argument is drawn from its spec C type and
// attributes (rights=, type=, size=, count=, optional), with a few hints
// by argument name (topic, property, op, options) so that values reach
// past the first validation more often. Nothing here names a syscall
// except the memory cap below.

// buf is a pointer argument's buffer.
type buf struct {
	used  bool
	off   int // offset in the arena's read-write pages; -1 if not there
	bytes int // capacity in bytes
	n     int // capacity in elements
}

// slot is an array in the arena where a call may store handles: n
// elements of stride bytes, the handle value at offset 0.
type slot struct{ off, n, stride int }

func (f *fuzzer) pick64(vs ...uint64) uint64 { return vs[f.rng.IntN(len(vs))] }

// alloc takes n bytes (aligned to 8) from this call's bump allocator; -1
// when the read-write pages are full.
func (f *fuzzer) alloc(n int) int {
	off := (f.off + 7) &^ 7
	if n < 0 || off+n > rwBytes {
		return -1
	}
	f.off = off + n
	return off
}

func (f *fuzzer) put32(off int, v uint32) {
	if off >= 0 && off+4 <= rwBytes {
		binary.LittleEndian.PutUint32(f.ar.rw[off:], v)
	}
}

func (f *fuzzer) put64(off int, v uint64) {
	if off >= 0 && off+8 <= rwBytes {
		binary.LittleEndian.PutUint64(f.ar.rw[off:], v)
	}
}

func (f *fuzzer) get32(off int) uint32 { return binary.LittleEndian.Uint32(f.ar.rw[off:]) }

func (f *fuzzer) get64(off int) uint64 { return binary.LittleEndian.Uint64(f.ar.rw[off:]) }

// place chooses where a buffer of n bytes goes: its address, and its
// offset in the read-write pages when the fuzzer may fill it (-1 for
// NULL, unmapped, kernel, non-canonical and read-only addresses). good
// is the percentage of valid placements.
func (f *fuzzer) place(n int, good int, optional bool) (uint64, int) {
	r := f.rng.IntN(100)
	if optional && r < 12-f.goodBonus() {
		return 0, -1
	}
	if r < good {
		if off := f.alloc(n); off >= 0 {
			return f.ar.rwAddr(off), off
		}
		r = 96 // no room: straddle the guard page instead
	}
	switch f.rng.IntN(9) {
	case 0:
		return 0, -1 // NULL
	case 1:
		return f.pick64(f.ar.page(0), f.ar.page(guardPage), f.ar.page(roPage+1)+uint64(f.rng.IntN(pg))), -1 // unmapped
	case 2:
		return f.pick64(0xffff800000000000, 0xffffffff80201000, 0xffffc00000000000, 0xfffffffffffff000,
			0xffff800000000000+uint64(f.rng.IntN(1<<20))*pg), -1 // kernel half
	case 3:
		return f.pick64(0x0000800000000000, 0x8000000000000000, 0x00f0000000000000, 0x7fff000000000000+uint64(f.rng.Uint32())), -1 // non-canonical
	case 4, 5:
		// Unaligned, inside the read-write pages.
		if off := f.alloc(n + 8); off >= 0 {
			off += 1 + f.rng.IntN(7)
			return f.ar.rwAddr(off), off
		}
		fallthrough
	case 6, 7:
		// Straddling: the buffer's second half is in the guard page.
		off := rwBytes - max(1, n/2)
		if n == 0 {
			off = rwBytes
		}
		off = max(off, 0)
		return f.ar.rwAddr(off), off
	default:
		// The read-only page.
		return f.ar.page(roPage) + uint64(f.rng.IntN(pg/2))&^3, -1
	}
}

// good raises a percentage of valid choices for a sane call.
func (f *fuzzer) good(pct int) int {
	if f.sane {
		return pct + (100-pct)*3/4
	}
	return pct
}

func (f *fuzzer) goodBonus() int {
	if f.sane {
		return 8
	}
	return 0
}

// count draws an element count for an array argument.
func (f *fuzzer) count() int {
	switch r := f.rng.IntN(100); {
	case r < 10:
		return 0
	case r < 45:
		return 1
	case r < 80:
		return 2 + f.rng.IntN(7)
	case r < 95:
		return 9 + f.rng.IntN(56)
	default:
		return 65 + f.rng.IntN(64)
	}
}

// byteSize draws the capacity of a byte buffer.
func (f *fuzzer) byteSize() int {
	switch r := f.rng.IntN(100); {
	case r < 8:
		return 0
	case r < 50:
		return 1 + f.rng.IntN(64)
	case r < 80:
		return 65 + f.rng.IntN(1024)
	case r < 92:
		return int(f.pick64(pg-1, pg, pg+1, 2*pg, 4096+32))
	default:
		return 8*pg + f.rng.IntN(8*pg)
	}
}

// sizeFor draws the value of a size or count argument for a buffer whose
// capacity is exact (in the argument's unit): mostly exact, else the
// boundaries around it and absurd values.
func (f *fuzzer) sizeFor(exact uint64) uint64 {
	switch r := f.rng.IntN(100); {
	case r < f.good(60):
		return exact
	case r < 66:
		return 0
	case r < 70:
		return 1
	case r < 77:
		if exact > 0 {
			return uint64(f.rng.Int64N(int64(exact)))
		}
		return 0
	case r < 84:
		return exact + 1
	case r < 91:
		return f.pick64(64, 65, 4096, 4097, 65536, 65537, 1<<20)
	default:
		return f.pick64(1<<31, 1<<32-1, 1<<32, 1<<40, 1<<63, ^uint64(0))
	}
}

// generate draws the arguments of d. Pointers first (their buffers fix
// the sizes), then scalars.
//
// Half of the calls are "sane": each argument is then valid far more
// often, so that calls get past their first check and reach deeper
// state; the other half are chaotic.
func (f *fuzzer) generate(d *zx.SyscallDesc, args *[8]uint64) {
	f.sane = f.rng.IntN(2) == 0
	f.off = 0
	f.touched = f.touched[:0]
	f.slots = f.slots[:0]
	f.vaddrOuts = f.vaddrOuts[:0]
	var bufs [8]buf
	for i := range d.Args {
		a := &d.Args[i]
		if !a.Pointer {
			continue
		}
		es := elemSize(a.Elem)
		b := &bufs[i]
		b.used = true
		switch {
		case a.Size >= 0:
			b.bytes = f.byteSize()
			if a.Elem == "char" && f.rng.IntN(2) == 0 {
				b.bytes = f.rng.IntN(zx.MaxClassLen + 8)
			}
			b.n = b.bytes / es
		case a.Count >= 0:
			b.n = f.count()
			b.bytes = b.n * es
		default:
			b.n, b.bytes = 1, es
		}
		args[i], b.off = f.place(b.bytes, f.good(80), a.Optional)
		f.fill(a, b)
	}
	blocking := d.Blocking
	for i := range d.Args {
		a := &d.Args[i]
		if a.Pointer {
			continue
		}
		if sized := f.sizedBy(d, i, &bufs); sized >= 0 {
			args[i] = f.sizeFor(uint64(sized))
			continue
		}
		args[i] = f.scalar(a, blocking)
	}
	f.capMemory(d, args)
}

// sizedBy returns the capacity (bytes for size=, elements for count=) of
// the buffer whose size argument i is, or -1.
func (f *fuzzer) sizedBy(d *zx.SyscallDesc, i int, bufs *[8]buf) int {
	for j := range d.Args {
		a := &d.Args[j]
		switch {
		case a.Size == i:
			return bufs[j].bytes
		case a.Count == i:
			return bufs[j].n
		}
	}
	return -1
}

// fill writes a pointer argument's contents where the fuzzer may.
func (f *fuzzer) fill(a *zx.ArgDesc, b *buf) {
	if b.off < 0 {
		return
	}
	end := min(b.off+b.bytes, rwBytes)
	mem := f.ar.rw[b.off:end]
	es := elemSize(a.Elem)
	switch {
	case a.Elem == "zx_handle_t" && a.Const:
		for k := 0; k+4 <= len(mem); k += 4 {
			f.put32(b.off+k, uint32(f.messageHandle()))
		}
	case a.Elem == "zx_handle_t" || a.Elem == "zx_handle_info_t":
		clear(mem)
		f.slots = append(f.slots, slot{b.off, len(mem) / es, es})
	case a.Elem == "zx_vaddr_t" && !a.Const:
		clear(mem)
		f.vaddrOuts = append(f.vaddrOuts, b.off)
	case a.Elem == "char":
		for k := range mem {
			mem[k] = nameChars[f.rng.IntN(len(nameChars))]
		}
	case isScalarElem(a.Elem):
		if a.Const {
			f.randomBytes(mem)
		} else {
			clear(mem)
		}
	default:
		for k := 0; k+es <= len(mem); k += es {
			f.fillStruct(a.Elem, b.off+k)
		}
	}
}

// nameChars are the bytes of fuzzed names and classes: mostly valid ones.
const nameChars = "abcdefghijklmnopqrstuvwxyz0123456789_.:-/ \x00\xff"

func isScalarElem(e string) bool {
	switch e {
	case "void", "zx_rights_t", "zx_signals_t", "zx_time_t", "zx_duration_t", "zx_koid_t", "zx_vaddr_t",
		"zx_vm_option_t", "zx_clock_t", "zx_futex_t", "uint32_t", "uint64_t", "int64_t", "size_t", "uintptr_t":
		return true
	}
	return false
}

func (f *fuzzer) randomBytes(mem []byte) {
	switch f.rng.IntN(4) {
	case 0:
		clear(mem)
	default:
		for k := range mem {
			if k%8 == 0 && f.rng.IntN(3) == 0 {
				mem[k] = byte(f.rng.IntN(4))
				continue
			}
			mem[k] = byte(f.rng.Uint32())
		}
	}
}

// fillStruct writes one element of a struct type at off: handles from the
// pool, nested buffers placed like pointer arguments, the rest random.
func (f *fuzzer) fillStruct(elem string, off int) {
	es := elemSize(elem)
	if off+es > rwBytes {
		return
	}
	mem := f.ar.rw[off : off+es]
	switch elem {
	case "zx_wait_item_t":
		f.put32(off, uint32(f.handle(zx.ObjTypeNone, zx.RightWait)))
		f.put32(off+4, uint32(f.signals()))
		f.put32(off+8, 0)
	case "zx_handle_disposition_t":
		f.put32(off, uint32(f.pick64(0, 0, 0, 1, 1, uint64(f.rng.Uint32()))))
		h := f.messageHandle()
		f.put32(off+4, uint32(h))
		typ := uint32(0)
		if f.rng.IntN(3) == 0 {
			typ = uint32(f.rng.IntN(45))
		}
		f.put32(off+8, typ)
		f.put32(off+12, uint32(f.rights()))
		f.put32(off+16, 0)
	case "zx_channel_call_etc_args_t":
		// As zx_channel_call_args_t, with dispositions to write and
		// handle infos to read.
		wn := 4 + f.rng.IntN(64)
		wp, woff := f.place(wn, 92, false)
		if woff >= 0 {
			f.randomBytes(f.ar.rw[woff:min(woff+wn, rwBytes)])
		}
		const dsz, isz = 20, 16
		hn := f.rng.IntN(3)
		hp, hoff := f.place(dsz*hn, 92, false)
		for k := 0; hoff >= 0 && k < hn; k++ {
			f.fillStruct("zx_handle_disposition_t", hoff+dsz*k)
		}
		rn := f.rng.IntN(128)
		rp, roff := f.place(rn, 92, false)
		rh := f.rng.IntN(4)
		rhp, rhoff := f.place(isz*rh, 92, false)
		if roff >= 0 {
			clear(f.ar.rw[roff:min(roff+rn, rwBytes)])
		}
		if rhoff >= 0 {
			clear(f.ar.rw[rhoff:min(rhoff+isz*rh, rwBytes)])
			f.slots = append(f.slots, slot{rhoff, rh, isz})
		}
		f.put64(off, wp)
		f.put64(off+8, hp)
		f.put64(off+16, rp)
		f.put64(off+24, rhp)
		f.put32(off+32, uint32(f.sizeFor(uint64(wn))))
		f.put32(off+36, uint32(f.sizeFor(uint64(hn))))
		f.put32(off+40, uint32(f.sizeFor(uint64(rn))))
		f.put32(off+44, uint32(f.sizeFor(uint64(rh))))
	case "zx_channel_call_args_t":
		wn := 4 + f.rng.IntN(64)
		wp, woff := f.place(wn, 92, false)
		if woff >= 0 {
			f.randomBytes(f.ar.rw[woff:min(woff+wn, rwBytes)])
		}
		hn := f.rng.IntN(3)
		hp, hoff := f.place(4*hn, 92, false)
		for k := 0; hoff >= 0 && k < hn; k++ {
			f.put32(hoff+4*k, uint32(f.messageHandle()))
		}
		rn := f.rng.IntN(128)
		rp, roff := f.place(rn, 92, false)
		rh := f.rng.IntN(4)
		rhp, rhoff := f.place(4*rh, 92, false)
		if roff >= 0 {
			clear(f.ar.rw[roff:min(roff+rn, rwBytes)])
		}
		if rhoff >= 0 {
			clear(f.ar.rw[rhoff:min(rhoff+4*rh, rwBytes)])
			f.slots = append(f.slots, slot{rhoff, rh, 4})
		}
		f.put64(off, wp)
		f.put64(off+8, hp)
		f.put64(off+16, rp)
		f.put64(off+24, rhp)
		f.put32(off+32, uint32(f.sizeFor(uint64(wn))))
		f.put32(off+36, uint32(f.sizeFor(uint64(hn))))
		f.put32(off+40, uint32(f.sizeFor(uint64(rn))))
		f.put32(off+44, uint32(f.sizeFor(uint64(rh))))
	case "zx_port_packet_t":
		f.randomBytes(mem)
		f.put32(off+8, uint32(f.pick64(0, 0, 0, 1, uint64(f.rng.Uint32()))))
	case "kos_msg_buf_t":
		f.fillKosMsgBuf(off)
	case "kos_call_args_t":
		f.put32(off, uint32(f.rng.IntN(4)))
		f.put32(off+4, uint32(f.pick64(0, 1, 2, uint64(f.rng.Uint32()))))
		f.fillKosMsgBuf(off + 8)
		f.fillKosMsgBuf(off + 8 + elemSize("kos_msg_buf_t"))
	case "zx_handle_info_t", "kos_sizes_t", "kos_recv_info_t":
		clear(mem)
	default:
		f.randomBytes(mem)
	}
}

// fillKosMsgBuf writes a kos_msg_buf_t at off: a fixed part, an arena and
// a handle array that either sends pool handles (kos_handle_desc_t) or
// has room for received ones (kos_recv_handle_t, scanned afterwards).
func (f *fuzzer) fillKosMsgBuf(off int) {
	fn := f.rng.IntN(64)
	if f.rng.IntN(10) == 0 {
		fn = zx.KosMaxFixedBytes + f.rng.IntN(2)
	}
	fp, foff := f.place(fn, 92, false)
	if foff >= 0 {
		f.randomBytes(f.ar.rw[foff:min(foff+fn, rwBytes)])
	}
	an := f.rng.IntN(128)
	ap, aoff := f.place(an, 92, false)
	if aoff >= 0 {
		f.randomBytes(f.ar.rw[aoff:min(aoff+an, rwBytes)])
	}
	hn := f.rng.IntN(4)
	if f.rng.IntN(20) == 0 {
		hn = zx.KosMaxHandles + 1
	}
	var hp uint64
	if f.rng.IntN(2) == 0 {
		ds := elemSize("kos_handle_desc_t")
		var hoff int
		hp, hoff = f.place(hn*ds, 92, false)
		for k := 0; hoff >= 0 && k < hn && hoff+ds*(k+1) <= rwBytes; k++ {
			f.put32(hoff+ds*k, uint32(f.messageHandle()))
			f.put32(hoff+ds*k+4, uint32(f.rights()))
			badge := zx.HandleInvalid
			if f.rng.IntN(3) == 0 {
				badge = f.handle(zx.ObjTypeKosBadge, zx.RightNone)
			}
			f.put32(hoff+ds*k+8, uint32(badge))
			f.put32(hoff+ds*k+12, 0)
		}
	} else {
		rs := elemSize("kos_recv_handle_t")
		var hoff int
		hp, hoff = f.place(hn*rs, 92, false)
		if hoff >= 0 {
			clear(f.ar.rw[hoff:min(hoff+hn*rs, rwBytes)])
			f.slots = append(f.slots, slot{hoff, min(hn, (rwBytes-hoff)/rs), rs})
		}
	}
	f.put64(off, fp)
	f.put64(off+8, ap)
	f.put64(off+16, hp)
	f.put32(off+24, uint32(f.sizeFor(uint64(fn))))
	f.put32(off+28, uint32(f.sizeFor(uint64(an))))
	f.put32(off+32, uint32(f.sizeFor(uint64(hn))))
	f.put32(off+36, uint32(f.pick64(0, 0, 0, 0, 0, 0, 0, 1)))
}

// handle draws a handle argument that should be of type t with rights
// need: a matching pool handle most of the time, else one with fewer
// rights, one of another type, ZX_HANDLE_INVALID, a closed handle's value
// or a random value (never one of the protected handles).
func (f *fuzzer) handle(t zx.ObjType, need zx.Rights) zx.Handle {
	p := f.pool
	r := f.rng.IntN(100)
	switch {
	case r < f.good(58):
		if c := p.ofType(t, need); len(c) > 0 {
			return f.use(c[f.rng.IntN(len(c))])
		}
	case r < 66:
		if h, ok := f.reduced(t, need); ok {
			return h
		}
	case r < 74:
		var c []int
		for i, e := range p.entries {
			if (t != zx.ObjTypeNone && e.typ != t) || (t == zx.ObjTypeNone && need != 0 && e.rights&need != need) {
				c = append(c, i)
			}
		}
		if len(c) > 0 {
			return f.use(c[f.rng.IntN(len(c))])
		}
	case r < 78:
		return zx.HandleInvalid
	case r < 83:
		if len(p.closed) > 0 {
			if h := p.closed[f.rng.IntN(len(p.closed))]; !p.protected[h] {
				return f.use(-1, h)
			}
		}
	case r < 86:
		for {
			h := zx.Handle(f.rng.Uint32())
			if !p.protected[h] {
				return f.use(-1, h)
			}
		}
	}
	if len(p.entries) == 0 {
		return zx.HandleInvalid
	}
	return f.use(f.rng.IntN(len(p.entries)))
}

// messageHandle draws a handle to put into a message (an array of
// handles a call transfers). Never a channel endpoint or a kos IPC
// handle: those hold messages themselves, and one travelling in a
// channel can close a cycle that no handle reaches any more (Zircon
// leaks such cycles as well), which the leak check would report as the
// kernel's leak.
//
// With -send-carriers they are sent too (and the leak check may fail).
func (f *fuzzer) messageHandle() zx.Handle {
	for k := 0; k < 4; k++ {
		h := f.handle(zx.ObjTypeNone, zx.RightTransfer)
		i, pooled := f.pool.index[h]
		if !pooled || f.sendCarriers {
			return h
		}
		switch f.pool.entries[i].typ {
		case zx.ObjTypeChannel, zx.ObjTypeKosServer, zx.ObjTypeKosClient:
		default:
			return h
		}
	}
	return zx.HandleInvalid
}

// use records a pool handle (by index, or by value with i < 0) as passed
// to this call, so it is revalidated afterwards.
func (f *fuzzer) use(i int, v ...zx.Handle) zx.Handle {
	var h zx.Handle
	if i >= 0 {
		h = f.pool.entries[i].h
	} else {
		h = v[0]
	}
	f.touched = append(f.touched, h)
	return h
}

// reduced duplicates a matching handle without one of the needed rights
// (or a random right when none is needed) and pools the duplicate.
func (f *fuzzer) reduced(t zx.ObjType, need zx.Rights) (zx.Handle, bool) {
	c := f.pool.ofType(t, zx.RightDuplicate)
	if len(c) == 0 {
		return 0, false
	}
	e := f.pool.entries[c[f.rng.IntN(len(c))]]
	drop := need
	if drop == 0 {
		drop = e.rights
	}
	var bits []zx.Rights
	for b := zx.Rights(1); b != 0 && b < zx.RightSameRights; b <<= 1 {
		if drop&b != 0 {
			bits = append(bits, b)
		}
	}
	if len(bits) == 0 {
		return 0, false
	}
	var out zx.Handle
	if zx.Sys_handle_duplicate(e.h, e.rights&^bits[f.rng.IntN(len(bits))], &out) != zx.OK || !f.pool.add(out) {
		return 0, false
	}
	f.touched = append(f.touched, out)
	return out, true
}

var allRights = []zx.Rights{zx.RightDuplicate, zx.RightTransfer, zx.RightRead, zx.RightWrite, zx.RightExecute,
	zx.RightMap, zx.RightGetProperty, zx.RightSetProperty, zx.RightEnumerate, zx.RightDestroy, zx.RightSetPolicy,
	zx.RightGetPolicy, zx.RightSignal, zx.RightSignalPeer, zx.RightWait, zx.RightInspect, zx.RightManageJob,
	zx.RightManageProcess, zx.RightManageThread, zx.RightApplyProfile, zx.RightManageSocket, zx.RightOpChildren,
	zx.RightResize, zx.RightAttachVMO, zx.RightManageVMO}

func (f *fuzzer) rights() zx.Rights {
	switch r := f.rng.IntN(100); {
	case r < 35:
		return zx.RightSameRights
	case r < 45:
		return 0
	case r < 85:
		var x zx.Rights
		for k := f.rng.IntN(6); k >= 0; k-- {
			x |= allRights[f.rng.IntN(len(allRights))]
		}
		return x
	default:
		return zx.Rights(f.rng.Uint32())
	}
}

func (f *fuzzer) signals() zx.Signals {
	switch r := f.rng.IntN(100); {
	case r < 10:
		return 0
	case r < 50:
		return zx.Signals(1) << f.rng.IntN(32)
	case r < 80:
		return zx.UserSignalAll & zx.Signals(f.rng.Uint32())
	default:
		return zx.Signals(f.rng.Uint32())
	}
}

// deadline draws the deadline of a blocking call: in the past or at most
// 2 ms ahead, so the fuzzer never waits long.
func (f *fuzzer) deadline() uint64 {
	switch r := f.rng.IntN(100); {
	case r < 20:
		return 1 << 63 // ZX_TIME_INFINITE_PAST
	case r < 30:
		return 0
	case r < 40:
		return uint64(zx.Now() - 1)
	default:
		return uint64(zx.Now() + zx.Time(f.rng.IntN(2_000_000)))
	}
}

func (f *fuzzer) time() uint64 {
	return f.pick64(0, 1, 1<<63-1, 1<<63, uint64(zx.Now()),
		uint64(zx.Now()+zx.Time(f.rng.IntN(5_000_000))), f.rng.Uint64())
}

func (f *fuzzer) duration() uint64 {
	return f.pick64(0, 1, 1000, 1_000_000, uint64(1<<63-1), ^uint64(0), uint64(f.rng.IntN(10_000_000)), f.rng.Uint64())
}

func (f *fuzzer) vmOptions() uint64 {
	if f.sane {
		// Mapping permissions or VMAR capabilities, sometimes with a
		// placement flag.
		x := uint64(1 + f.rng.IntN(3))
		if f.rng.IntN(2) == 0 {
			x = uint64(1+f.rng.IntN(15)) << 6
		}
		if f.rng.IntN(3) == 0 {
			x |= 1 << (3 + f.rng.IntN(12))
		}
		return x
	}
	switch r := f.rng.IntN(100); {
	case r < 10:
		return 0
	case r < 85:
		var x uint32
		for k := f.rng.IntN(5); k >= 0; k-- {
			x |= 1 << f.rng.IntN(15)
		}
		return uint64(x)
	default:
		return uint64(f.rng.Uint32())
	}
}

// vaddr draws an address: one a call returned (mapped or allocated),
// near one, or a special value.
func (f *fuzzer) vaddr() uint64 {
	r := f.rng.IntN(100)
	if r < 60 && len(f.addrs) > 0 {
		a := f.addrs[f.rng.IntN(len(f.addrs))]
		switch f.rng.IntN(4) {
		case 0:
			return a + uint64(f.rng.IntN(16))*pg
		case 1:
			return a + uint64(f.rng.IntN(pg))
		}
		return a
	}
	return f.pick64(0, pg, 0x1000000, 0x7ffffffff000, 0x0000800000000000, 0xffff800000000000, f.rng.Uint64())
}

var (
	infoTopics = []uint64{uint64(zx.ObjectInfoNone), uint64(zx.ObjectInfoHandleValid), uint64(zx.ObjectInfoHandleBasic),
		uint64(zx.ObjectInfoProcess), uint64(zx.ObjectInfoProcessThreads), uint64(zx.ObjectInfoVMAR),
		uint64(zx.ObjectInfoJobChildren), uint64(zx.ObjectInfoJobProcesses), uint64(zx.ObjectInfoThread),
		uint64(zx.ObjectInfoTaskStats), uint64(zx.ObjectInfoHandleCount), uint64(zx.ObjectInfoProcessHandleStats),
		uint64(zx.ObjectInfoSocket), uint64(zx.ObjectInfoVMO), uint64(zx.ObjectInfoJob), uint64(zx.ObjectInfoTimer),
		uint64(zx.ObjectInfoHandleTable)}
	properties = []uint64{uint64(zx.PropName), uint64(zx.PropRegisterFS), uint64(zx.PropRegisterGS),
		uint64(zx.PropProcessDebugAddr), uint64(zx.PropProcessVDSOBaseAddress), uint64(zx.PropSocketRxThreshold),
		uint64(zx.PropSocketTxThreshold), uint64(zx.PropJobKillOnOOM), uint64(zx.PropProcessClass), 0x1000, 0x1001}
	vmoOps = []uint64{uint64(zx.VMOOpCommit), uint64(zx.VMOOpDecommit), uint64(zx.VMOOpLock), uint64(zx.VMOOpUnlock),
		uint64(zx.VMOOpCacheSync), uint64(zx.VMOOpCacheInvalidate), uint64(zx.VMOOpCacheClean),
		uint64(zx.VMOOpCacheCleanInvalid), uint64(zx.VMOOpZero)}
	interesting = []uint64{0, 1, 2, 3, 7, 8, 16, 63, 64, 255, 256, 4095, 4096, 4097, 65535, 65536,
		1<<31 - 1, 1 << 31, 1<<32 - 1, 1 << 32, 1<<63 - 1, 1 << 63, ^uint64(0)}
)

// scalar draws a non-pointer argument from its C type, with hints from
// its name.
func (f *fuzzer) scalar(a *zx.ArgDesc, blocking bool) uint64 {
	switch a.CType {
	case "zx_handle_t":
		return uint64(f.handle(a.ObjType, a.Rights))
	case "zx_rights_t":
		return uint64(f.rights())
	case "zx_signals_t":
		return uint64(f.signals())
	case "zx_time_t":
		if blocking {
			return f.deadline()
		}
		return f.time()
	case "zx_duration_t":
		return f.duration()
	case "zx_vm_option_t":
		return f.vmOptions()
	case "zx_vaddr_t":
		return f.vaddr()
	case "zx_clock_t":
		return f.pick64(0, 0, 0, 1, 2, uint64(f.rng.Uint32()))
	case "zx_futex_t":
		return f.pick64(0, 1, 2, 0xffffffff)
	}
	hint := f.sane || f.rng.IntN(100) < 85
	switch n := a.Name; {
	case hint && n == "options":
		if f.rng.IntN(2) == 0 {
			return 0
		}
		return 1 << f.rng.IntN(8)
	case hint && n == "topic":
		return infoTopics[f.rng.IntN(len(infoTopics))]
	case hint && n == "property":
		return properties[f.rng.IntN(len(properties))]
	case hint && n == "op":
		return vmoOps[f.rng.IntN(len(vmoOps))]
	case hint && strings.HasPrefix(n, "disposition"):
		return uint64(f.rng.IntN(4))
	case hint && (n == "endpoint" || n == "method"):
		return uint64(f.rng.IntN(4))
	case hint && (strings.HasSuffix(n, "count") || n == "elem_size"):
		return f.pick64(0, 1, 2, 4, 8, 16, 64, 4096, 4097, 1<<32)
	case hint && strings.HasSuffix(n, "_mask"):
		return uint64(f.signals())
	case f.sane && strings.Contains(n, "offset") && f.rng.IntN(2) == 0:
		return 0
	case f.sane && (strings.Contains(n, "size") || n == "len") && f.rng.IntN(2) == 0:
		return uint64(1+f.rng.IntN(16)) * pg
	case hint && (strings.Contains(n, "offset") || strings.Contains(n, "size") || n == "len"):
		return f.pick64(0, 1, pg-1, pg, pg+1, 2*pg, 16*pg, uint64(f.rng.IntN(256))*pg, 1<<40, ^uint64(0)&^(pg-1))
	}
	if f.rng.IntN(3) == 0 {
		return f.rng.Uint64()
	}
	return interesting[f.rng.IntN(len(interesting))]
}

// capMemory bounds what one call can make the kernel commit (the VMO
// sizes and the ranges vmo_op_range and ZX_VM_MAP_RANGE commit) unless
// -nocap: a run that exhausts memory spends its calls on NO_MEMORY (and
// may have its own runtime ended for want of a page), which the memory
// conformance family covers; capped, it explores everything else.
// Only a size no VMO can have (all ones) passes uncapped.
func (f *fuzzer) capMemory(d *zx.SyscallDesc, args *[8]uint64) {
	if f.noCap {
		return
	}
	limit := uint64(f.vmoCap)
	capArg := func(name string) {
		for i := range d.Args {
			if d.Args[i].Name == name && !d.Args[i].Pointer && args[i] > limit && args[i] != ^uint64(0) {
				args[i] %= limit + 1
			}
		}
	}
	switch {
	case strings.HasPrefix(d.Name, "vmo_"):
		capArg("size")
	case d.Name == "vmar_map":
		for i := range d.Args {
			if d.Args[i].Name == "options" && uint32(args[i])&zx.VMMapRange != 0 {
				capArg("len")
			}
		}
	}
}
