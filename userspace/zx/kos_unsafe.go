package zx

import (
	"runtime"
	"unsafe"
)

// KasperskyOS-style handles and IPC: the kos_* syscalls
// (syscall/spec.txt, model in kernel/object/kos/STATUS.md).

// Object types of kos objects.
const (
	ObjTypeKosUserObject ObjType = 40
	ObjTypeKosBadge      ObjType = 41
	ObjTypeKosServer     ObjType = 42
	ObjTypeKosClient     ObjType = 43
)

// Rights and constants of the kos ABI.
const (
	// KosRightsGeneric are the generic (Zircon) bits of a kos rights mask;
	// KosRightsSpecific the provider-defined bits 16..30.
	KosRightsGeneric  Rights = 0x0000ffff
	KosRightsSpecific Rights = 0x7fff0000
	// KosRightListen lets a server handle (a listener) accept clients.
	KosRightListen Rights = 1 << 16

	// KosRevokeClose: kos_handle_revoke also closes the handle itself.
	KosRevokeClose uint32 = 1

	// Flags of KosRecvHandle.
	KosRecvDereferenced uint32 = 1
	KosRecvHasBadge     uint32 = 2

	// KosEndpointInvalid is the endpoint of a call through a plain client.
	KosEndpointInvalid uint32 = 0xffffffff

	// Message limits.
	KosMaxFixedBytes = 4096
	KosMaxArenaBytes = 65536
	KosMaxHandles    = 64

	// Port packet types of kos notifications (Payload[0:8] context,
	// [8:16] koid).
	PktTypeKosBadgeClosed         uint32 = 0x100
	PktTypeKosBadgeDestroyed      uint32 = 0x101
	PktTypeKosUserObjectDestroyed uint32 = 0x102
)

// KosRightSpecific returns the n-th provider-defined right (n in 0..14).
func KosRightSpecific(n uint) Rights {
	if n > 14 {
		return 0
	}
	return 1 << (16 + n)
}

// KosHandleDesc is kos_handle_desc_t: a handle a message sends (the
// receiver gets a descendant with Rights, tagged with Badge).
type KosHandleDesc struct {
	Handle   Handle
	Rights   Rights
	Badge    Handle
	Reserved uint32
}

// KosRecvHandle is kos_recv_handle_t: a handle a message delivered.
type KosRecvHandle struct {
	Handle       Handle
	Type         ObjType
	Rights       Rights
	Flags        uint32
	BadgeContext uint64
}

// IsDereferenced reports whether the handle came back to its provider as
// the provider's own ancestor handle (nk_is_handle_dereferenced).
func (r *KosRecvHandle) IsDereferenced() bool { return r.Flags&KosRecvDereferenced != 0 }

// BadgeOp (nk_get_badge_op) returns the badge context of a dereferenced
// handle if the rights sent include every right of op. Errors:
// ErrBadState (not dereferenced), ErrAccessDenied (a right of op was not
// sent), ErrNotFound (no badge on the way).
func (r *KosRecvHandle) BadgeOp(op Rights) (uint64, error) {
	switch {
	case !r.IsDereferenced():
		return 0, ErrBadState
	case r.Rights&op != op:
		return 0, ErrAccessDenied
	case r.Flags&KosRecvHasBadge == 0:
		return 0, ErrNotFound
	}
	return r.BadgeContext, nil
}

// KosMsgBuf is kos_msg_buf_t. Handles points to KosHandleDesc entries
// when sending and KosRecvHandle entries when receiving.
type KosMsgBuf struct {
	Fixed      *byte
	Arena      *byte
	Handles    unsafe.Pointer
	FixedLen   uint32
	ArenaLen   uint32
	NumHandles uint32
	Reserved   uint32
}

// KosCallArgs is kos_call_args_t.
type KosCallArgs struct {
	Endpoint uint32
	Method   uint32
	Wr       KosMsgBuf
	Rd       KosMsgBuf
}

// KosSizes is kos_sizes_t.
type KosSizes struct {
	Fixed, Arena, Handles uint32
}

// KosRecvInfo is kos_recv_info_t.
type KosRecvInfo struct {
	CallID     uint64
	Endpoint   uint32
	Method     uint32
	Sizes      KosSizes
	Reserved   uint32
	ClientKoid Koid
	CallerKoid Koid
}

// KosMsg is a message to send (Endpoint and Method are ignored by Reply;
// Endpoint is ignored by a call through a callable).
type KosMsg struct {
	Endpoint, Method uint32
	Fixed, Arena     []byte
	Handles          []KosHandleDesc
}

// KosRecvBuf is room for a received message.
type KosRecvBuf struct {
	Fixed, Arena []byte
	Handles      []KosRecvHandle
}

func bytePtr(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}

func (m *KosMsg) buf() KosMsgBuf {
	if m == nil {
		return KosMsgBuf{}
	}
	b := KosMsgBuf{Fixed: bytePtr(m.Fixed), Arena: bytePtr(m.Arena),
		FixedLen: uint32(len(m.Fixed)), ArenaLen: uint32(len(m.Arena)), NumHandles: uint32(len(m.Handles))}
	if len(m.Handles) > 0 {
		b.Handles = unsafe.Pointer(&m.Handles[0])
	}
	return b
}

func (r *KosRecvBuf) buf() KosMsgBuf {
	if r == nil {
		return KosMsgBuf{}
	}
	b := KosMsgBuf{Fixed: bytePtr(r.Fixed), Arena: bytePtr(r.Arena),
		FixedLen: uint32(len(r.Fixed)), ArenaLen: uint32(len(r.Arena)), NumHandles: uint32(len(r.Handles))}
	if len(r.Handles) > 0 {
		b.Handles = unsafe.Pointer(&r.Handles[0])
	}
	return b
}

// UserObject is a handle to a kos user object (or callable).
type UserObject struct{ Handle }

// NewUserObject creates a user object with context; with a port (else
// HandleInvalid) PktTypeKosUserObjectDestroyed is queued with key when it
// goes.
func NewUserObject(rights Rights, context uint64, port Handle, key uint64) (UserObject, error) {
	var h Handle
	err := errOf(Sys_kos_user_object_create(rights, context, port, key, &h))
	return UserObject{h}, err
}

// Context returns the context (only the provider may read it).
func (u UserObject) Context() (uint64, error) {
	var ctx uint64
	return ctx, errOf(Sys_kos_user_object_get_context(u.Handle, &ctx))
}

// Callable is a user object naming a server and an endpoint.
type Callable struct{ UserObject }

// NewCallable creates a callable for server's IPC object and endpoint.
func NewCallable(rights Rights, context uint64, server Server, endpoint uint32) (Callable, error) {
	var h Handle
	err := errOf(Sys_kos_callable_create(rights, context, server.Handle, endpoint, &h))
	return Callable{UserObject{h}}, err
}

// Call calls the callable's server (req.Endpoint is ignored).
func (c Callable) Call(deadline Time, req *KosMsg, rd *KosRecvBuf) (KosSizes, error) {
	return KosCall(c.Handle, deadline, req, rd)
}

// Badge is a handle to a kos badge.
type Badge struct{ Handle }

// NewBadge creates a badge with context; with a port (else HandleInvalid)
// PktTypeKosBadgeClosed / PktTypeKosBadgeDestroyed are queued with key.
func NewBadge(context uint64, port Handle, key uint64) (Badge, error) {
	var h Handle
	err := errOf(Sys_kos_badge_create(context, port, key, &h))
	return Badge{h}, err
}

// NoBadge is the badge argument for an untagged copy or transfer.
var NoBadge = Badge{HandleInvalid}

// KosCopy makes a descendant of h with rights (RightSameRights: all of
// h's), tagged with badge (NoBadge: none).
func (h Handle) KosCopy(rights Rights, badge Badge) (Handle, error) {
	var out Handle
	return out, errOf(Sys_kos_handle_copy(h, rights, badge.Handle, &out))
}

// Revoke revokes every descendant of h; options KosRevokeClose also
// closes h.
func (h Handle) Revoke(options uint32) error { return errOf(Sys_kos_handle_revoke(h, options)) }

// RevokeSubtree revokes the descendants of h derived under badge.
func (h Handle) RevokeSubtree(badge Badge) error {
	return errOf(Sys_kos_handle_revoke_subtree(h, badge.Handle))
}

// Client is the client end of a kos IPC channel.
type Client struct{ Handle }

// Server is the server end of a kos IPC channel (or a listener).
type Server struct{ Handle }

// Listener is a server handle with KosRightListen.
type Listener struct{ Server }

// Connect is KnHandleConnect with no listener: a new client and a new
// server that is also a listener (KosRightListen), so the server and
// listener it returns are the same handle (close it once). More clients
// can be connected to it with Listener.Connect.
func Connect() (Client, Server, Listener, error) {
	var c, s, l Handle
	err := errOf(Sys_kos_handle_connect(HandleInvalid, 0, &c, &s, &l))
	return Client{c}, Server{s}, Listener{Server{l}}, err
}

// NewListener creates a listener.
func NewListener() (Listener, error) {
	var h Handle
	err := errOf(Sys_kos_listener_create(0, &h))
	return Listener{Server{h}}, err
}

// Connect is KnHandleConnect with a listener: a new client of l and a new
// server handle, distinct from l and without KosRightListen, that
// receives over every channel of l (close it if only l serves).
func (l Listener) Connect() (Client, Server, error) {
	var c, s, lo Handle
	err := errOf(Sys_kos_handle_connect(l.Handle, 0, &c, &s, &lo))
	return Client{c}, Server{s}, err
}

// ConnectEx is KnHandleConnectEx: it connects a new client in client's
// handle table to a server in server's (both need RightManageProcess),
// through listener — a handle value in server's table, as an earlier
// ConnectEx returned it — or a new listener (HandleInvalid). It returns
// the values it installed: the client in client's table, the server and
// the listener in server's (the same value for a new listener). These
// are not handles of the caller.
func ConnectEx(client, server Process, listener Handle) (c, s, l Handle, err error) {
	err = errOf(Sys_kos_handle_connect_ex(client.Handle, server.Handle, listener, 0, &c, &s, &l))
	return c, s, l, err
}

// KosCall sends req through h (a client or callable handle) and waits
// until deadline for the reply, received into rd (nil: no room). The
// returned sizes are the reply's (also with ErrBufferTooSmall).
func KosCall(h Handle, deadline Time, req *KosMsg, rd *KosRecvBuf) (KosSizes, error) {
	args := KosCallArgs{Wr: req.buf(), Rd: rd.buf()}
	if req != nil {
		args.Endpoint, args.Method = req.Endpoint, req.Method
	}
	var sz KosSizes
	err := errOf(Sys_kos_call(h, deadline, &args, &sz))
	runtime.KeepAlive(req)
	runtime.KeepAlive(rd)
	return sz, err
}

// Call sends req and waits for the reply (see KosCall).
func (c Client) Call(deadline Time, req *KosMsg, rd *KosRecvBuf) (KosSizes, error) {
	return KosCall(c.Handle, deadline, req, rd)
}

// Recv waits until deadline for a request, received into rd; info.CallID
// names it for Reply (info.Sizes also with ErrBufferTooSmall /
// ErrNoResources).
func (s Server) Recv(deadline Time, rd *KosRecvBuf) (KosRecvInfo, error) {
	b := rd.buf()
	var info KosRecvInfo
	err := errOf(Sys_kos_recv(s.Handle, 0, deadline, &b, &info))
	runtime.KeepAlive(rd)
	return info, err
}

// Reply completes call id with rep (Endpoint and Method are ignored).
func (s Server) Reply(id uint64, rep *KosMsg) error {
	b := rep.buf()
	err := errOf(Sys_kos_reply(s.Handle, id, &b))
	runtime.KeepAlive(rep)
	return err
}
