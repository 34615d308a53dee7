// Package kos is Beryl's KasperskyOS-style handle model, built on
// the per-process handle tables of package kernel/object:
//
//   - user objects: handles a provider process creates for its own
//     resources, carrying an opaque 64-bit context and a rights mask whose
//     low 16 bits are generic (ZX_RIGHT_DUPLICATE is KasperskyOS's copy,
//     ZX_RIGHT_TRANSFER its transfer) and whose bits 16..30 are defined by
//     the provider (RightSpecific);
//   - transfer and copy create descendants: the kernel keeps, per object,
//     an inheritance tree of handles (object.DeriveHandle); rights only
//     narrow along it; closing a handle splices its children into its
//     parent;
//   - badges: a transfer or copy may be tagged with a badge carrying a
//     provider context; the provider gets a port packet when the last handle
//     derived under the badge goes and when the badge is destroyed;
//     revocation cuts a handle's whole subtree or the subtrees created under
//     one badge, and a revoked handle fails every use with
//     ErrHandleRevoked until it is closed;
//   - dereferencing: a handle that travels back to a process owning one of
//     its ancestors arrives as that ancestor, with the rights mask that was
//     sent and the badge context (RecvHandle.Dereferenced, BadgeOp);
//   - IPC handles: KnHandleConnect's client, server and listener outputs,
//     KnHandleConnectEx wiring a client and a server into two other
//     processes' handle tables (client.go), listeners aggregating several
//     channels, callable handles naming a server and an endpoint;
//     synchronous Call, Recv and Reply (a rendezvous) with deadlines;
//   - the security interface: a client handle to the security module that
//     answers a process's own questions from the policy (security.go);
//   - a policy checked on every Call, Recv delivery, Reply, ConnectEx and
//     security query (policy.go).
//
// Every syscall-shaped function takes the calling *object.Process, Go
// slices (the syscall layer copies user memory) and returns object.Status;
// STATUS.md lists the intended syscalls.
//
// # Lock order
//
// kos adds one lock, Server.mu (a server's queues and the state of the
// clients connected to it). It is a leaf with respect to kernel/object:
// no handle-table, object or entryLinkMu lock is ever taken while it is
// held, and it is never taken inside them. Messages are built (handles
// derived) before Server.mu is taken and installed after it is released.
// The policy is read through an atomic pointer; the denial log has its own
// leaf mutex.
package kos
