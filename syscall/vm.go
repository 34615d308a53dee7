package zxsys

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// VMO and VMAR syscalls: the handles go through the gate here, the memory
// work is mm/vm's. New VMOs take their pages from the caller's vm.Env.

func (d *Dispatcher) sysVmoCreate(c Caller, size uint64, options uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	// The job policy before the options and the size, as Zircon's
	// sys_vmo_create.
	if st := c.Process().EnforceBasicPolicy(object.PolNewVMO); st != object.OK {
		return st
	}
	v, st := vm.NewVMO(c.AddressSpace().Env().Frames, size, options)
	if st != object.OK {
		return st
	}
	h, st := c.Process().Install(v, v.Rights()) // takes over v's reference
	return out1(c, h, st, out)
}

// vmoChunk bounds the kernel buffer of vmo_read and vmo_write.
const vmoChunk = 64 << 10

// vmoIO copies between a VMO and user memory in chunks of vmoChunk.
func vmoIO(c Caller, h object.Handle, buffer UserPtr, offset, size uint64, write bool) object.Status {
	need := object.RightRead
	if write {
		need = object.RightWrite
	}
	v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, need)
	if st != object.OK {
		return st
	}
	defer v.Release()
	if offset+size < offset || offset+size > v.Size() {
		return object.ErrOutOfRange
	}
	buf := make([]byte, min(size, vmoChunk))
	w := pageWaiter(c)
	for done := uint64(0); done < size; {
		n := min(size-done, vmoChunk)
		b := buf[:n]
		if write {
			if st := c.CopyIn(b, uint64(buffer)+done); st != object.OK {
				return st
			}
			// The whole write's end: a DIRTY request is not cut at
			// the chunk's.
			if st := v.WriteWaitUpTo(offset+done, b, w, offset+size); st != object.OK {
				return st
			}
		} else {
			if st := v.ReadWait(offset+done, b, w); st != object.OK {
				return st
			}
			if st := c.CopyOut(uint64(buffer)+done, b); st != object.OK {
				return st
			}
		}
		done += n
	}
	return object.OK
}

func (d *Dispatcher) sysVmoRead(c Caller, h object.Handle, buffer UserPtr, offset, size uint64) object.Status {
	return vmoIO(c, h, buffer, offset, size, false)
}

func (d *Dispatcher) sysVmoWrite(c Caller, h object.Handle, buffer UserPtr, offset, size uint64) object.Status {
	return vmoIO(c, h, buffer, offset, size, true)
}

func (d *Dispatcher) sysVmoGetSize(c Caller, h object.Handle, size UserPtr) object.Status {
	if st := probeOut(c, size, 8); st != object.OK {
		return st
	}
	v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, 0)
	if st != object.OK {
		return st
	}
	n := v.Size()
	v.Release()
	return writeU64(c, size, n)
}

func (d *Dispatcher) sysVmoSetSize(c Caller, h object.Handle, size uint64) object.Status {
	v, rights, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.SetSizeAs(rights, size)
}

func (d *Dispatcher) sysVmoOpRange(c Caller, h object.Handle, op uint32, offset, size uint64, buffer UserPtr, bufferSize uint64) object.Status {
	v, rights, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, vm.OpRangeRights(op))
	if st != object.OK {
		return st
	}
	defer v.Release()
	if any := vm.OpRangeAnyRight(op); any != 0 && rights&any == 0 {
		return object.ErrAccessDenied
	}
	return v.OpRangeWait(op, offset, size, pageWaiter(c))
}

func (d *Dispatcher) sysVmarAllocate(c Caller, parent object.Handle, options uint32, offset, size uint64, childVmar, childAddr UserPtr) object.Status {
	if st := probeOut(c, childVmar, 4); st != object.OK {
		return st
	}
	if st := probeOut(c, childAddr, 8); st != object.OK {
		return st
	}
	v, _, st := lookupAs[*vm.VMAR](c, parent, object.ObjTypeVMAR, vm.AllocateRights(options))
	if st != object.OK {
		return st
	}
	child, rights, st := v.Allocate(options, offset, size)
	v.Release()
	if st != object.OK {
		return st
	}
	addr := child.Start()
	h, st := c.Process().Install(child, rights)
	if st != object.OK {
		return st
	}
	if writeU64(c, childAddr, addr) != object.OK {
		object.HandleClose(c.Process(), h)
		return object.ErrInvalidArgs
	}
	return out1(c, h, st, childVmar)
}

func (d *Dispatcher) sysVmarMap(c Caller, vmar object.Handle, options uint32, vmarOffset uint64, vmo object.Handle, vmoOffset, length uint64, mappedAddr UserPtr) object.Status {
	if st := probeOut(c, mappedAddr, 8); st != object.OK {
		return st
	}
	v, vr, st := lookupAs[*vm.VMAR](c, vmar, object.ObjTypeVMAR, 0)
	if st != object.OK {
		return st
	}
	defer v.Release()
	o, or, st := lookupAs[*vm.VMO](c, vmo, object.ObjTypeVMO, 0)
	if st != object.OK {
		return st
	}
	defer o.Release()
	addr, st := v.Map(options, vmarOffset, o, vmoOffset, length, vr, or)
	if st != object.OK {
		return st
	}
	if writeU64(c, mappedAddr, addr) != object.OK {
		// The mapping stays, as in Zircon (user_out_ptr failures after
		// the map are reported but not undone).
		return object.ErrInvalidArgs
	}
	return object.OK
}

func (d *Dispatcher) sysVmarUnmap(c Caller, h object.Handle, addr, length uint64) object.Status {
	v, _, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, 0)
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.Unmap(addr, length)
}

func (d *Dispatcher) sysVmarProtect(c Caller, h object.Handle, options uint32, addr, length uint64) object.Status {
	v, _, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, vm.ProtectRights(options))
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.Protect(options, addr, length)
}

func (d *Dispatcher) sysVmarDestroy(c Caller, h object.Handle) object.Status {
	v, _, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, object.RightOpChildren)
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.Destroy()
}

// sysVmoReplaceAsExecutable replaces a VMO handle by one with the same
// rights plus ZX_RIGHT_EXECUTE. vmex must be ZX_HANDLE_INVALID, the root
// resource or the system resource of ZX_RSRC_SYSTEM_VMEX_BASE. The handle is consumed whatever
// happens, as in Zircon.
func (d *Dispatcher) sysVmoReplaceAsExecutable(c Caller, h, vmex object.Handle, out UserPtr) object.Status {
	p := c.Process()
	fail := func(st object.Status) object.Status {
		object.HandleClose(p, h)
		return st
	}
	// Without a vmex resource the job policy decides, as Zircon's
	// sys_vmo_replace_as_executable (ZX_POL_AMBIENT_MARK_VMO_EXEC).
	if vmex == object.HandleInvalid {
		if st := p.EnforceBasicPolicy(object.PolAmbientMarkVMOExec); st != object.OK {
			return fail(st)
		}
	}
	if st := checkSystemResource(c, vmex, object.ResourceSystemVmexBase); st != object.OK {
		return fail(st)
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return fail(st)
	}
	v, rights, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, 0)
	if st != object.OK {
		return fail(st)
	}
	old := p.Table().Remove(h)
	if !old.Valid() { // closed concurrently
		v.Release()
		return object.ErrBadHandle
	}
	old.Release()
	nh, st := p.Install(v, rights|object.RightExecute) // takes over v's reference
	return out1(c, nh, st, out)
}

// vmarInfo serves ZX_INFO_VMAR (zx_info_vmar_t: base, len), which a
// loader needs to place ZX_VM_SPECIFIC mappings in a child's root VMAR.
func vmarInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	v, _, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, object.RightInspect)
	if st != object.OK {
		return 0, 0, 0, st
	}
	defer v.Release()
	rec = 16
	if len(buf) < rec {
		return rec, 0, 1, object.ErrBufferTooSmall
	}
	le.PutUint64(buf[0:], v.Start())
	le.PutUint64(buf[8:], v.Size())
	return rec, 1, 1, object.OK
}

// vmoInfo serves ZX_INFO_VMO (zx_info_vmo_t, vm.InfoVMORecordSize bytes;
// no right needed, as Zircon's sys_object_get_info and its docs): size,
// committed and shared figures, children, mappings, flags and the
// handle's rights.
func vmoInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	v, rights, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, 0)
	if st != object.OK {
		return 0, 0, 0, st
	}
	defer v.Release()
	rec = vm.InfoVMORecordSize
	if len(buf) < rec {
		return rec, 0, 1, object.ErrBufferTooSmall
	}
	v.InfoVMO(rights, buf)
	return rec, 1, 1, object.OK
}

func (d *Dispatcher) sysVmarOpRange(c Caller, h object.Handle, op uint32, addr, size uint64, buffer UserPtr, bufferSize uint64) object.Status {
	v, rights, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, 0)
	if st != object.OK {
		return st
	}
	defer v.Release()
	// Zircon's order: the op, the handle's rights, then the buffer.
	need, known := vm.VMAROpRangeRights(op)
	if !known {
		return object.ErrInvalidArgs
	}
	if rights&need != need {
		return object.ErrAccessDenied
	}
	if buffer != 0 || bufferSize != 0 {
		return object.ErrInvalidArgs
	}
	return v.OpRangeAs(op, addr, size, rights)
}
