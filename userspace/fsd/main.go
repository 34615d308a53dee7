// Command fsd is Beryl's file-server process: init starts it with the
// boot filesystem (PA_VMO_BOOTFS) and a control channel (PA_USER0), on
// which it asks for the servers of its programs' namespaces (the world's
// "/", /boot, /tmp, /dev, and a /proc per program; userspace/fs's
// control protocol). Each server answers proto/fsproto on its own
// channel, on its own goroutine; they outlive the control channel.
package main

import (
	"fmt"
	"os"
	"time"

	"beryl/userspace/fs"
	"beryl/userspace/launch/bootfs"
	"beryl/userspace/zx"
)

func main() {
	h, ok := zx.TakeStartupHandle(zx.PAVmoBootfs)
	if !ok {
		fmt.Fprintln(os.Stderr, "fsd: no boot filesystem (PA_VMO_BOOTFS)")
		os.Exit(1)
	}
	bfs, err := bootfs.Open(zx.Vmo{Handle: h})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fsd:", err)
		os.Exit(1)
	}
	ctl, ok := zx.TakeStartupHandle(zx.PAUser0)
	if !ok {
		fmt.Fprintln(os.Stderr, "fsd: no control channel (PA_USER0)")
		os.Exit(1)
	}
	fs.ServeControl(zx.Channel{Handle: ctl}, bfs)
	for {
		time.Sleep(time.Hour) // the servers go on
	}
}
