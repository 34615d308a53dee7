package proc

import (
	"strconv"

	"beryl/kernel/object"
)

// What a /proc server (userspace/fs) learns about a process through
// zx_object_get_info: its mappings (ZX_INFO_PROCESS_MAPS) and its Linux
// descriptors (ZX_INFO_BERYL_LINUX_FDS). The server formats them as
// Linux's /proc/PID/maps and /proc/PID/fd.

// FdLink is one open descriptor: its number and the target its
// /proc/PID/fd link reads as on Linux.
type FdLink struct {
	Fd     int
	Target string
}

// ProcessFds returns po's open descriptors in ascending order.
func ProcessFds(po *object.Process) []FdLink {
	p := processOf(po)
	if p == nil {
		return nil
	}
	t := &p.fds
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []FdLink
	for fd, e := range t.fds {
		if e.f != nil {
			out = append(out, FdLink{Fd: fd, Target: linkTarget(e.f)})
		}
	}
	return out
}

// linkTarget is what readlink of /proc/PID/fd/N gives on Linux: the path
// of a file, or the kind of an anonymous one with its inode number.
func linkTarget(f *file) string {
	id := strconv.FormatUint(f.id, 10)
	switch o := f.ops.(type) {
	case *nodeFile:
		return o.path
	case *pipeEnd, *fifoFile:
		return "pipe:[" + id + "]"
	case *sockFile:
		return "socket:[" + id + "]"
	case *eventFile:
		return "anon_inode:[eventfd]"
	case *epollFile:
		return "anon_inode:[eventpoll]"
	case *pidFile:
		return "anon_inode:[pidfd]"
	case *consoleFile:
		return "/dev/console"
	}
	return "anon_inode:[" + id + "]"
}
