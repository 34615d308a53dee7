package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

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
