package kos

import "beryl/userspace/conformance/ctest/ipc"

// The helpers shared by the IPC conformance families (package ipc).
var (
	badAddrs    = ipc.BadAddrs
	expect      = ipc.Expect
	ok          = ipc.OK
	closeLater  = ipc.CloseLater
	basic       = ipc.Basic
	after       = ipc.After
	newEvent    = ipc.NewEvent
	typeCount   = ipc.TypeCount
	status      = ipc.StatusOf
	ptr         = ipc.Ptr
	hptr        = ipc.HPtr
	staleHandle = ipc.StaleHandle
	handleCount = ipc.HandleCount
	statsBytes  = ipc.StatsBytes
)
