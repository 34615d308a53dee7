package stream

import "beryl/userspace/conformance/ctest"

// The helpers shared by every conformance family (package ctest).
var (
	ptr         = ctest.Ptr
	want        = ctest.Want
	must        = ctest.Must
	newScratch  = ctest.NewScratch
	badAddrs    = ctest.BadAddrs
	probe       = ctest.Probe
	handleCount = ctest.HandleCount
	basic       = ctest.Basic
	valid       = ctest.Valid
	newEvent    = ctest.NewEvent
	reduced     = ctest.Reduced
)

type (
	badAddr = ctest.BadAddr
	scratch = ctest.Scratch
)
