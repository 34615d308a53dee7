package fs

import (
	"strings"
	"sync"

	"beryl/userspace/zx"
)

// The control channel of a file-server process (bin/fsd): its launcher
// (init) sends one message per server to start. The message's bytes are
// the server's kind and arguments, NUL-separated; its handles are the
// server end of the new server's channel and, for "proc", an INSPECT
// handle to the process that /proc describes.
//
//	"/", "/boot", "/tmp", "/dev"   the world's servers (World), one each
//	"proc" EXE ARGV...             a /proc (NewProc)
//
// A malformed message is dropped with its handles.

// SendServe asks the file-server process behind ctl to serve kind on
// server (which is given away, as are extra).
func SendServe(ctl zx.Channel, kind string, args []string, server zx.Handle, extra ...zx.Handle) error {
	msg := strings.Join(append([]string{kind}, args...), "\x00")
	return ctl.Write([]byte(msg), append([]zx.Handle{server}, extra...), 0)
}

// ServeControl starts the servers ctl asks for, each on its own goroutine,
// until the launcher closes ctl; the servers go on.
func ServeControl(ctl zx.Channel, bfs BootFiles) {
	var once sync.Once
	var world map[string]Handler
	buf := make([]byte, zx.ChannelMaxMsgBytes)
	hs := make([]zx.Handle, zx.ChannelMaxMsgHandles)
	for {
		n, nh, err := ctl.Read(buf, hs, 0)
		if err == zx.ErrShouldWait {
			if _, err := ctl.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, zx.TimeInfinite); err != nil {
				return
			}
			continue
		}
		if err != nil {
			return
		}
		got := append([]zx.Handle(nil), hs[:nh]...)
		parts := strings.Split(string(buf[:n]), "\x00")
		var h Handler
		switch kind := parts[0]; {
		case kind == "proc" && len(got) == 2 && len(parts) >= 2:
			h = NewProc(parts[1], parts[2:], ProcessSource{Process: got[1]})
			got = got[:1]
		case len(got) == 1:
			once.Do(func() { world = World(bfs) })
			h = world[kind]
		}
		if h == nil {
			for _, x := range got {
				x.Close()
			}
			continue
		}
		go Serve(zx.Channel{Handle: got[0]}, h)
	}
}
