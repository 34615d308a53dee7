package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

// processMapsInfo serves ZX_INFO_PROCESS_MAPS (INSPECT): the address
// space tree as zx_info_maps_t records, depth-first. As in Zircon a
// process may not ask about itself (ACCESS_DENIED: its own reply would
// change what it describes); a short buffer gets the first records and
// avail the count.
func processMapsInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightInspect)
	if st != object.OK {
		return 0, 0, 0, st
	}
	defer po.Release()
	if po == c.Process() {
		return 0, 0, 0, object.ErrAccessDenied
	}
	maps := proc.ProcessMaps(po)
	rec = object.InfoMapsSize
	n := min(len(maps), len(buf)/rec)
	for i, e := range maps[:n] {
		r := buf[i*rec : (i+1)*rec]
		clear(r)
		copy(r[:31], e.Name)
		le.PutUint64(r[32:], e.Base)
		le.PutUint64(r[40:], e.Size)
		le.PutUint64(r[48:], e.Depth)
		le.PutUint32(r[56:], e.Type)
		le.PutUint32(r[64:], e.Perms)
		le.PutUint64(r[72:], e.VMOKoid)
		le.PutUint64(r[80:], e.VMOOffset)
		le.PutUint64(r[88:], e.Committed)
	}
	return rec, n, len(maps), object.OK
}

// linuxFdsInfo serves ZX_INFO_BERYL_LINUX_FDS (INSPECT): the process's
// open Linux descriptors with their /proc link targets.
func linuxFdsInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightInspect)
	if st != object.OK {
		return 0, 0, 0, st
	}
	fds := proc.ProcessFds(po)
	po.Release()
	rec = object.InfoLinuxFdSize
	n := min(len(fds), len(buf)/rec)
	for i, f := range fds[:n] {
		r := buf[i*rec : (i+1)*rec]
		clear(r)
		le.PutUint32(r[0:], uint32(int32(f.Fd)))
		copy(r[8:rec-1], f.Target)
	}
	return rec, n, len(fds), object.OK
}
