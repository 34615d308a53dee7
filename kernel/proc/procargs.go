package proc

import (
	"encoding/binary"
	"fmt"

	"beryl/kernel/object"
)

// Process arguments (Beryl's take on Fuchsia's processargs): the launcher
// puts a process's startup handles into a message on a bootstrap channel
// and tells the program where that channel is in the environment variable
// ZX_BOOTSTRAP. A Go program's entry code reads argc/argv from the stack
// and overwrites RDI, so Zircon's register convention alone (the channel
// as process_start's arg1, its value in RDI) would not reach it. Two
// forms:
//
//   - ZX_BOOTSTRAP=<handle value>: the launcher knew the child's value,
//     as the kernel does when it spawns init (Spawn installs the channel
//     itself).
//   - ZX_BOOTSTRAP=arg1: a userspace launcher (userspace/launch) cannot
//     know it: the channel end moves into the child at process_start,
//     whose handle table picks the value (randomised per process). It
//     passes the channel as arg1, and the child takes the value with
//     beryl_startup_handle (Thread.TakeStartupHandle), once.
//
// The message is:
//
//	magic "BRYLPA01" (8 bytes), u32 handle count n, n × u32 handle types
//
// with the handles attached in the same order. Types are Fuchsia's PA_*
// values (zircon/processargs.h).
const (
	PAMagic      = "BRYLPA01"
	PAProcSelf   = 0x01
	PAThreadSelf = 0x02
	PAJobDefault = 0x03
	PAVmarRoot   = 0x04
	PAVmoBootfs  = 0x1B
	PAResource   = 0x3F
	// PAFD is PA_HND(PA_FD, n) for n = 0: a handle serving file
	// descriptor n. The kernel hands init the console's input as a
	// stream socket of this type (console input, serial and keyboard).
	PAFD = 0x30
	// BootstrapEnv names the environment variable that carries the
	// bootstrap channel's handle value (or BootstrapArg1).
	BootstrapEnv = "ZX_BOOTSTRAP"
	// BootstrapArg1 as ZX_BOOTSTRAP's value: the channel is the handle
	// process_start passed as arg1 (take it with beryl_startup_handle).
	BootstrapArg1 = "arg1"
)

// Startup is one handle given to a new process: its PA_* type and the
// object and rights to install.
type Startup struct {
	Type   uint32
	Obj    object.Object
	Rights object.Rights
}

// bootstrap installs the standard startup handles (process, root VMAR,
// first thread, job) and extra ones in p, sends them in a bootstrap
// message and returns the environment entry naming the channel (and
// records the channel as the handle beryl_startup_handle takes). Every
// Startup's object carries a reference the caller gave up.
func bootstrap(p *Process, t *Thread, job *object.Job, extra []Startup) (string, error) {
	po := p.Obj
	po.AddRef()
	root := p.AS.RootVMAR()
	root.AddRef()
	t.AddRef()
	job.AddRef()
	all := append([]Startup{
		{PAProcSelf, po, object.DefaultProcessRights},
		{PAVmarRoot, root, root.Rights()},
		{PAThreadSelf, t, object.DefaultThreadRights},
		{PAJobDefault, job, object.DefaultJobRights},
	}, extra...)
	msg := make([]byte, 12+4*len(all))
	copy(msg, PAMagic)
	binary.LittleEndian.PutUint32(msg[8:], uint32(len(all)))
	var hs []object.Handle
	for i, s := range all {
		binary.LittleEndian.PutUint32(msg[12+4*i:], s.Type)
		h, st := po.Install(s.Obj, s.Rights)
		if st != object.OK {
			return "", fmt.Errorf("installing startup handle %#x: %v", s.Type, st)
		}
		hs = append(hs, h)
	}
	h0, h1, st := object.ChannelCreate(po, 0)
	if st != object.OK {
		return "", fmt.Errorf("bootstrap channel: %v", st)
	}
	if st := object.ChannelWrite(po, h0, 0, msg, hs); st != object.OK {
		return "", fmt.Errorf("bootstrap message: %v", st)
	}
	object.HandleClose(po, h0)
	p.bootstrap.Store(uint32(h1))
	return fmt.Sprintf("%s=%#x", BootstrapEnv, uint32(h1)), nil
}
