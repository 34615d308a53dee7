package kos

import "beryl/kernel/object"

// Statuses beyond Zircon's (their values lie outside Zircon's ranges; see
// kernel/object/status.go, whose String() names them).
const (
	// ErrHandleRevoked (-1100, "ZX_ERR_HANDLE_REVOKED"): the handle was
	// revoked; only closing it succeeds.
	ErrHandleRevoked = object.ErrHandleRevoked
	// ErrPolicyDenied (-1101, "ZX_ERR_POLICY_DENIED"): the security policy
	// denied the IPC message (Call, Recv delivery or Reply).
	ErrPolicyDenied = object.ErrPolicyDenied
)

// Object types of kos objects: Beryl values above Zircon's (which end at
// 32) and below object.ObjTypeUpperBound.
const (
	ObjTypeUserObject object.ObjType = 40
	ObjTypeBadge      object.ObjType = 41
	ObjTypeServer     object.ObjType = 42
	ObjTypeClient     object.ObjType = 43
)

// Rights. The low 16 bits of a mask are generic (Zircon's rights: copy is
// ZX_RIGHT_DUPLICATE, transfer is ZX_RIGHT_TRANSFER); bits 16..30 are
// specific to the object type: for user objects the provider defines them.
const (
	RightsGeneric  object.Rights = 0x0000ffff
	RightsSpecific object.Rights = 0x7fff0000
	// RightListen lets a server handle (a listener) accept new channels
	// (the first specific right of IPC server handles).
	RightListen object.Rights = 1 << 16

	// DefaultBadgeRights are the rights of a new badge handle.
	DefaultBadgeRights = object.RightDuplicate | object.RightTransfer | object.RightInspect
	// DefaultClientRights are the rights of a new client IPC handle.
	DefaultClientRights = object.RightDuplicate | object.RightTransfer | object.RightInspect |
		object.RightRead | object.RightWrite
	// DefaultServerRights are the rights of a new server IPC handle.
	DefaultServerRights = object.RightDuplicate | object.RightTransfer | object.RightInspect |
		object.RightRead | object.RightWrite
	// DefaultListenerRights are the rights of a new listener handle.
	DefaultListenerRights = DefaultServerRights | RightListen
)

// RightSpecific returns the n-th type-specific right (n in 0..14).
func RightSpecific(n uint) object.Rights {
	if n > 14 {
		return 0
	}
	return 1 << (16 + n)
}

// Port packet types of kos notifications (Beryl values; Zircon's end at
// 9). The packet's Key is the one given when the notification was set up;
// Payload[0:8] holds the context (little endian), Payload[8:16] the koid of
// the badge or user object.
const (
	PktTypeBadgeClosed         uint32 = 0x100 // last handle under a badge gone
	PktTypeBadgeDestroyed      uint32 = 0x101 // badge object destroyed
	PktTypeUserObjectDestroyed uint32 = 0x102 // user object destroyed
)

// Message limits.
const (
	MaxFixedBytes = 4096  // fixed part of a message
	MaxArenaBytes = 65536 // arena of a message
	MaxHandles    = 64    // handles in a message
)

// EndpointInvalid is the endpoint id of a call through a plain client
// handle that names none (KasperskyOS INVALID_RIID). Calls through a
// callable handle carry the callable's endpoint instead.
const EndpointInvalid uint32 = 0xffffffff

// Options of HandleRevoke.
const (
	// RevokeClose also closes the handle itself (KnHandleRevoke); without
	// it only the descendants are revoked (KnHandleRevokeEx(h, false)).
	RevokeClose uint32 = 1
)
