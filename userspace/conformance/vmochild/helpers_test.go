package vmochild

import "beryl/userspace/conformance/ctest"

// The helpers shared by every conformance family (package ctest).
var (
	ptr         = ctest.Ptr
	want        = ctest.Want
	must        = ctest.Must
	badAddrs    = ctest.BadAddrs
	handleCount = ctest.HandleCount
	basic       = ctest.Basic
	valid       = ctest.Valid
	newEvent    = ctest.NewEvent
	reduced     = ctest.Reduced
)
