package fs

import (
	"beryl/proto/fsproto"
	"beryl/userspace/zx"
)

// Handler answers fsproto requests.
type Handler interface {
	Handle(req []byte) []byte
}

// MsgHandler is a Handler whose replies may carry handles (the VMO of
// OpGetVMO); Serve prefers it.
type MsgHandler interface {
	HandleMsg(req []byte) ([]byte, []zx.Handle)
}

// NsCwd is BERYL_NS_CWD: Bind also sets the working directory.
const NsCwd = 1

// Bind binds path in process's Linux namespace to dir (beryl_ns_bind;
// dir may be zx.HandleInvalid with NsCwd).
func Bind(process zx.Handle, options uint32, path string, dir zx.Handle) error {
	b := []byte(path)
	if len(b) == 0 {
		return zx.ErrInvalidArgs
	}
	return zx.Sys_beryl_ns_bind(process, options, &b[0], uint(len(b)), dir).Err()
}

// Serve answers requests on ch with h until the peer closes; it closes
// ch then, and h too if it has a Close method.
func Serve(ch zx.Channel, h Handler) {
	defer ch.Close()
	if c, ok := h.(interface{ Close() }); ok {
		defer c.Close()
	}
	buf := make([]byte, fsproto.MaxMessage)
	for {
		n, _, err := ch.Read(buf, nil, 0)
		if err == zx.ErrShouldWait {
			if _, err := ch.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, zx.TimeInfinite); err != nil {
				return
			}
			continue
		}
		if err != nil {
			return
		}
		var reply []byte
		var hs []zx.Handle
		if mh, ok := h.(MsgHandler); ok {
			reply, hs = mh.HandleMsg(buf[:n])
		} else {
			reply = h.Handle(buf[:n])
		}
		if err := ch.Write(reply, hs, 0); err != nil && err != zx.ErrPeerClosed {
			return
		}
	}
}

// Start serves h on a new channel in a goroutine and returns the client
// end (to Bind).
func Start(h Handler) (zx.Channel, error) {
	client, server, err := zx.NewChannel(0)
	if err != nil {
		return zx.Channel{}, err
	}
	go Serve(server, h)
	return client, nil
}
