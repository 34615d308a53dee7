package vm

import "beryl/kernel/object"

// DebugCopy moves bytes between buf and another process's memory for a
// debugger (process_read_memory, process_write_memory): through the one
// mapping that contains uaddr, at most to its end, whatever its
// permissions (a debugger writes breakpoints into code), as Zircon does.
// It returns the bytes moved: ZX_ERR_BAD_STATE once the address space is
// gone, ZX_ERR_NO_MEMORY if nothing is mapped at uaddr or nothing could
// be moved (past the VMO's end, device memory).
func (as *AddressSpace) DebugCopy(uaddr uint64, buf []byte, out bool) (int, object.Status) {
	as.mu.RLock()
	defer as.mu.RUnlock()
	if as.destroyed {
		return 0, object.ErrBadState
	}
	if uaddr < UserBase || uaddr >= UserLimit {
		return 0, object.ErrNoMemory
	}
	m := as.mappingLocked(uaddr)
	if m == nil {
		return 0, object.ErrNoMemory
	}
	if room := m.base + m.size - uaddr; uint64(len(buf)) > room {
		buf = buf[:room]
	}
	done := 0
	for len(buf) > 0 {
		in := uaddr % PageSize
		n := min(uint64(len(buf)), PageSize-in)
		if err := m.copyPage(uaddr-in, in, buf[:n], out); err != nil {
			break
		}
		done += int(n)
		buf, uaddr = buf[n:], uaddr+n
	}
	if done == 0 {
		return 0, object.ErrNoMemory
	}
	return done, object.OK
}
