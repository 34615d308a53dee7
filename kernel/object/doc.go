// Package object is Beryl's object core: kernel objects, per-process handle
// tables, rights, signals and waiting, with Zircon's documented semantics
// (names, numeric values and error precedence follow zircon/types.h,
// errors.h, rights.h, syscalls/object.h, port.h and policy.h).
//
// The package is pure Go: it imports neither unsafe nor arch, so the same
// code runs in the kernel and under plain `go test` on the host. The syscall
// layer copies user memory and calls the exported functions here (for
// example HandleDuplicate, ChannelWrite, ObjectWaitOne) with Go slices.
//
// # Lifetime
//
// Every object carries a reference count (Base.AddRef/Release) separate from
// its handle count. A handle holds one reference. When the handle count
// reaches zero the object's OnZeroHandles hook runs (peers see PEER_CLOSED
// before the closing call returns; a channel endpoint drops its unread
// messages, whose handles are closed iteratively by the caller's loop, never
// by recursion). When the last reference goes the object is destroyed.
//
// # Lock order
//
// Locks are always taken in this order, never against it:
//
//  1. HandleTable.mu (one process's handle table; never two at once)
//  2. jobTreeMu (the job tree and task states; never taken while a table
//     lock or an object lock is held)
//  3. Exceptionate.mu (a task's exception channel; ZX_INFO_PROCESS takes
//     it with jobTreeMu held), before the object locks of the channel
//     and of the exception it sends
//  4. the object lock (Base.mu; peered objects share one lock)
//  5. Pager.mu (a pager's attached page sources; pager.go), then
//     Port.mu (taken by port observers while the object lock is held,
//     and by page sources queueing or taking back page requests, with
//     mm/vm's VMO lock held)
//  6. leaf locks: entryLinkMu (handle inheritance links), the FakeClock's
//
// Object hooks (OnZeroHandles, OnDestroy) and policy actions (which may
// kill a process) run with no lock held.
//
// Functions whose name ends in Locked require the relevant lock (stated in
// their doc comment) to be held by the caller.
package object
