package kos

import "beryl/kernel/object"

// lookup resolves h through kernel/object's rights gate (BAD_HANDLE,
// HANDLE_REVOKED, WRONG_TYPE, ACCESS_DENIED); the caller must Release the
// object.
func lookup(p *object.Process, h object.Handle, want object.ObjType, required object.Rights) (object.Object, object.Status) {
	obj, _, st := p.Lookup(h, want, required)
	return obj, st
}

// releaser is the part of object.Base that kos needs from an object.
type releaser interface{ Release() }

func release(obj object.Object) { obj.(releaser).Release() }
