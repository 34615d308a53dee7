package console

import "unsafe"

// inputSeqAddr is inputSeq's counter word, for rt.WaitWord/WakeWord.
//
//go:nosplit
func inputSeqAddr() *uint32 { return (*uint32)(unsafe.Pointer(&inputSeq)) }
