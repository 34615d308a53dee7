package zxsys

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// sysCacheFlush is zx_cache_flush. Zircon serves it in its vDSO (x86:
// CLFLUSH over the range for DATA, nothing for INSN); Beryl has no vDSO,
// so the kernel checks the options and that every page of the range is
// mapped readable. x86 caches are coherent with instruction fetch and
// with DMA to write-back memory, so no flush is needed for correctness.
func (d *Dispatcher) sysCacheFlush(c Caller, addr UserPtr, size uint64, options uint32) object.Status {
	const all = object.CacheFlushInsn | object.CacheFlushData | object.CacheFlushInvalidate
	if options == 0 || options&^all != 0 {
		return object.ErrInvalidArgs
	}
	if options&object.CacheFlushInvalidate != 0 && options&object.CacheFlushData == 0 {
		return object.ErrInvalidArgs
	}
	if size == 0 {
		return object.OK
	}
	end := uint64(addr) + size
	if end < uint64(addr) {
		return object.ErrInvalidArgs
	}
	var b [1]byte
	for p := uint64(addr) &^ (vm.PageSize - 1); p < end; p += vm.PageSize {
		if c.CopyIn(b[:], max(p, uint64(addr))) != object.OK {
			return object.ErrInvalidArgs
		}
	}
	return object.OK
}
