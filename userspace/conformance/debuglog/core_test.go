package debuglog

import (
	"bytes"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// TestDebugLogTest_WriteRead is Zircon's core-test DebugLogTest.WriteRead
// (debuglog tests in utest/core): a record written through one debuglog
// handle is read back, with its text, through a readable one.
func TestDebugLogTest_WriteRead(t *testing.T) {
	w := newLog(t, 0)
	r := newLog(t, zx.LogFlagReadable)
	msg := []byte("debuglog core-test WriteRead")
	buf := make([]byte, 256)
	// Other programs (the soak's fuzzers) may fill the shared ring between
	// the write and the read and push the record out: try a few times.
	for attempt := 0; attempt < 5; attempt++ {
		ctest.Must(t, "debuglog_write", zx.Sys_debuglog_write(w, 0, unsafe.Pointer(&msg[0]), uint(len(msg))))
		for {
			st := zx.Sys_debuglog_read(r, 0, unsafe.Pointer(&buf[0]), uint(len(buf)))
			if st < 0 {
				ctest.Want(t, "debuglog_read at the end", st, zx.ErrShouldWait)
				break
			}
			if bytes.Contains(buf[:st], msg) {
				return
			}
		}
	}
	t.Fatal("the written record was never read back")
}
