package kmain

import (
	"beryl/kernel/proc"
	zxsys "beryl/syscall"
)

// The zx system calls of user programs go to the zx dispatcher, with the
// user-mode implementation of VMOs, VMARs, processes and threads (wired
// here: kernel packages may not import the syscall layer).
func init() {
	zxsys.SetTaskOps(proc.Tasks{})
	proc.ZxSyscall = func(t *proc.Thread, num uint64, args *[8]uint64) int64 {
		return zxsys.Dispatch(t, num, args)
	}
}
