package kos

import (
	"beryl/kernel/object"
)

// UserObject is a handle target created by a provider process for one of
// its own resources (KnHandleCreateUserObject): the kernel stores an opaque
// context for the provider and never interprets it. A user object created
// with a server and an endpoint (CallableCreate) is also a callable IPC
// handle: Call through it reaches that server's endpoint.
type UserObject struct {
	object.Base
	context  uint64
	provider object.Koid // process that created it
	notify   notifier    // ZX_PKT_TYPE destroyed notification
	// Callable: the server and endpoint calls through the handle go to.
	server   *Server
	endpoint uint32
}

// Context returns the provider's context.
func (u *UserObject) Context() uint64 { return u.context }

// Provider returns the koid of the process that created the object.
func (u *UserObject) Provider() object.Koid { return u.provider }

// Callable reports whether the object is a callable IPC handle, and its
// endpoint.
func (u *UserObject) Callable() (uint32, bool) { return u.endpoint, u.server != nil }

// OnDestroy sends the destroyed notification and drops the references the
// object holds.
func (u *UserObject) OnDestroy() {
	u.notify.send(PktTypeUserObjectDestroyed, u.context, u.Koid())
	u.notify.release()
	if u.server != nil {
		u.server.Release()
	}
}

// validUserRights checks a user object's rights mask: generic and
// specific bits, never ZX_RIGHT_SAME_RIGHTS.
func validUserRights(r object.Rights) bool {
	return r&^(RightsGeneric|RightsSpecific) == 0
}

// UserObjectCreate creates a user object with context and a handle to it
// with rights in p (KnHandleCreateUserObject). If port is not
// HandleInvalid, a PktTypeUserObjectDestroyed packet with key is queued on
// it when the object is destroyed (its last handle, revoked ones included,
// is gone). Errors: INVALID_ARGS (rights has ZX_RIGHT_SAME_RIGHTS),
// BAD_HANDLE/HANDLE_REVOKED/WRONG_TYPE/ACCESS_DENIED (port, which needs
// ZX_RIGHT_WRITE), NO_RESOURCES.
func UserObjectCreate(p *object.Process, rights object.Rights, context uint64, port object.Handle, key uint64) (object.Handle, object.Status) {
	return userObjectCreate(p, rights, context, port, key, nil, 0)
}

// CallableCreate creates a callable handle (KnHandleCreateUserObjectEx):
// a user object with context that also names server (a server or
// listener handle of p, which needs ZX_RIGHT_READ) and endpoint; a Call
// through it is delivered to that server with that endpoint. Errors: INVALID_ARGS (rights, endpoint == EndpointInvalid),
// BAD_HANDLE, HANDLE_REVOKED, WRONG_TYPE, ACCESS_DENIED (server without
// ZX_RIGHT_READ), NO_RESOURCES.
func CallableCreate(p *object.Process, rights object.Rights, context uint64, server object.Handle, endpoint uint32) (object.Handle, object.Status) {
	if endpoint == EndpointInvalid || !validUserRights(rights) {
		return object.HandleInvalid, object.ErrInvalidArgs
	}
	obj, st := lookup(p, server, ObjTypeServer, object.RightRead)
	if st != object.OK {
		return object.HandleInvalid, st
	}
	// The user object takes over the lookup's reference to the server.
	return userObjectCreate(p, rights, context, object.HandleInvalid, 0, obj.(*Server), endpoint)
}

func userObjectCreate(p *object.Process, rights object.Rights, context uint64, port object.Handle, key uint64, srv *Server, endpoint uint32) (object.Handle, object.Status) {
	if !validUserRights(rights) {
		if srv != nil {
			srv.Release()
		}
		return object.HandleInvalid, object.ErrInvalidArgs
	}
	n, st := newNotifier(p, port, key)
	if st != object.OK {
		if srv != nil {
			srv.Release()
		}
		return object.HandleInvalid, st
	}
	u := &UserObject{context: context, provider: p.Koid(), notify: n, server: srv, endpoint: endpoint}
	u.Base.Init(u, ObjTypeUserObject, nil, false, 0)
	return p.Install(u, rights)
}

// UserObjectGetContext returns the context of the user object behind h;
// only the provider (the process that created it) may read it. No right
// is needed. Errors: BAD_HANDLE, HANDLE_REVOKED, WRONG_TYPE, ACCESS_DENIED
// (p is not the provider).
func UserObjectGetContext(p *object.Process, h object.Handle) (uint64, object.Status) {
	obj, st := lookup(p, h, ObjTypeUserObject, object.RightNone)
	if st != object.OK {
		return 0, st
	}
	defer release(obj)
	u := obj.(*UserObject)
	if u.provider != p.Koid() {
		return 0, object.ErrAccessDenied
	}
	return u.context, object.OK
}
