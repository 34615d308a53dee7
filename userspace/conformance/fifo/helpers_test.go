package fifo

import "beryl/userspace/conformance/ctest/ipc"

// The helpers shared by the IPC conformance families (package ipc).
var (
	badAddrs     = ipc.BadAddrs
	expect       = ipc.Expect
	ok           = ipc.OK
	closeLater   = ipc.CloseLater
	valid        = ipc.Valid
	basic        = ipc.Basic
	handleCount  = ipc.HandleCount
	signals      = ipc.SignalsOf
	wantSignals  = ipc.WantSignals
	waitFor      = ipc.WaitFor
	after        = ipc.After
	staleHandle  = ipc.StaleHandle
	newEvent     = ipc.NewEvent
	newEventPair = ipc.NewEventPair
	withRights   = ipc.WithRights
	typeCount    = ipc.TypeCount
	status       = ipc.StatusOf
	ptr          = ipc.Ptr
	hptr         = ipc.HPtr
	bp           = ipc.BP
	roAddr       = ipc.ROAddr
	statsBytes   = ipc.StatsBytes
)

// badAddr is a user address the kernel must refuse.
type badAddr = ipc.BadAddr
