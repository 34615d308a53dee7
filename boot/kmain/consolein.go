package kmain

import (
	"time"

	"beryl/kernel/console"
	"beryl/kernel/klog"
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

// Console input for init. The console's input (serial line and PS/2
// keyboard, one byte stream; keys arrive as the bytes a VT100 terminal
// would send) is handed to init as one end of a stream socket, startup
// handle PA_FD|0 (its stdin, in Fuchsia's terms); the kernel keeps the
// other end and copies every console byte into it. Init's shell reads it
// with socket_read and writes its output (echo included) to stdout, which
// is the console. Nothing else reads console input while init holds it.

// consoleSocket creates the pair and returns init's startup handle and
// the kernel's end.
func consoleSocket() (proc.Startup, *object.Socket) {
	k, u := object.NewSocket(object.SocketStream)
	rights := object.DefaultSocketRights &^ (object.RightWrite | object.RightManageSocket)
	return proc.Startup{Type: proc.PAFD, Obj: u, Rights: rights}, k
}

// pumpConsole copies console input into s until init closes its end.
func pumpConsole(s *object.Socket) {
	defer s.Release()
	for {
		c := console.ReadByte()
		for tries := 0; ; tries++ {
			_, st := s.Write([]byte{c})
			if st == object.OK {
				break
			}
			if st != object.ErrShouldWait {
				klog.Infof("console", "init closed its console input (%v)", st)
				return
			}
			if tries == 100 { // init does not read: drop the byte
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
