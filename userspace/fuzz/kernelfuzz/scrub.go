package main

import (
	"encoding/binary"

	"beryl/userspace/zx"
)

// scrubConsumed clears, in the arena, every protected handle value the
// call about to be made could consume: the handle arrays it passes (a
// channel write that fails with OUT_OF_RANGE consumes its whole array,
// however long: a 65537-entry array reads 256 KiB of arena bytes as
// handles) and the write handles named by a channel_call's arguments.
// Random arena bytes equal a protected value rarely, but over millions of
// calls they did, and the fuzzer lost its own thread handle.
func (f *fuzzer) scrubConsumed(d *zx.SyscallDesc, args *[8]uint64) {
	for i, a := range d.Args {
		if !a.Pointer {
			continue
		}
		switch a.Elem {
		case "zx_handle_t", "zx_handle_disposition_t", "kos_handle_desc_t":
			if a.Count < 0 {
				continue
			}
			f.scrubRange(args[i], args[a.Count]*uint64(elemSize(a.Elem)))
		case "zx_channel_call_args_t", "zx_channel_call_etc_args_t":
			const handlesOff, numOff = 8, 36 // wr_handles, wr_num_handles
			elem := uint64(4)
			if a.Elem == "zx_channel_call_etc_args_t" {
				elem = uint64(elemSize("zx_handle_disposition_t"))
			}
			if p, ok := f.arenaWord(args[i]+handlesOff, 8); ok {
				if n, ok := f.arenaWord(args[i]+numOff, 4); ok {
					f.scrubRange(p, n*elem)
				}
			}
		}
	}
}

// arenaWord reads the little-endian n-byte word at user address addr if
// it lies in the arena's read-write pages.
func (f *fuzzer) arenaWord(addr, n uint64) (uint64, bool) {
	lo := f.ar.rwAddr(0)
	if addr < lo || addr-lo+n > uint64(len(f.ar.rw)) {
		return 0, false
	}
	b := f.ar.rw[addr-lo:]
	if n == 4 {
		return uint64(binary.LittleEndian.Uint32(b)), true
	}
	return binary.LittleEndian.Uint64(b), true
}

// scrubRange zeroes the protected handle values among the 4-byte words of
// [addr, addr+n) that lie in the arena's read-write pages.
func (f *fuzzer) scrubRange(addr, n uint64) {
	lo := f.ar.rwAddr(0)
	size := uint64(len(f.ar.rw))
	if addr >= lo+size || n == 0 {
		return
	}
	start := addr
	if start < lo { // the words before the arena: the first one inside, on addr's alignment
		start += (lo - addr + 3) &^ 3
	}
	end := addr + n
	if end < addr || end > lo+size {
		end = lo + size
	}
	for a := start; a+4 <= end; a += 4 {
		off := a - lo
		if f.pool.protected[zx.Handle(binary.LittleEndian.Uint32(f.ar.rw[off:]))] {
			binary.LittleEndian.PutUint32(f.ar.rw[off:], 0)
		}
	}
}
