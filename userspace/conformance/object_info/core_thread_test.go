package object_info

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ThreadGetInfoTest (object-info/thread-object-info-test.cc).

func TestThreadGetInfoTest_InfoHandleBasicOnSelfSuceeds(t *testing.T) {
	ctest.InfoWant(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1, zx.OK)
}
func TestThreadGetInfoTest_InfoHandleBasicInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoHandleBasic, 32, 1)
}
func TestThreadGetInfoTest_InfoHandleBasicNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}
func TestThreadGetInfoTest_InfoHandleBasicNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}
func TestThreadGetInfoTest_InfoHandleBasicNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}
func TestThreadGetInfoTest_InfoHandleBasicInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleBasic, 32)
}
func TestThreadGetInfoTest_InfoHandleBasicBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}
func TestThreadGetInfoTest_InfoHandleBasicBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}
func TestThreadGetInfoTest_InfoHandleBasicZeroSizedBufferFails(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleBasic, zx.ErrBufferTooSmall)
}
func TestThreadGetInfoTest_InfoHandleCountOnSelfSuceeds(t *testing.T) {
	ctest.InfoWant(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleCount, 4, 1, zx.OK)
}
func TestThreadGetInfoTest_InfoHandleCountInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoHandleCount, 4, 1)
}
func TestThreadGetInfoTest_InfoHandleCountNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleCount, 4, 1)
}
func TestThreadGetInfoTest_InfoHandleCountNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleCount, 4, 1)
}
func TestThreadGetInfoTest_InfoHandleCountNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleCount, 4, 1)
}
func TestThreadGetInfoTest_InfoHandleCountInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleCount, 4)
}
func TestThreadGetInfoTest_InfoHandleCountBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleCount, 4, 1)
}
func TestThreadGetInfoTest_InfoHandleCountBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleCount, 4, 1)
}
func TestThreadGetInfoTest_InfoHandleCountZeroSizedBufferFails(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, zx.ThreadSelf().Handle, zx.ObjectInfoHandleCount, zx.ErrBufferTooSmall)
}
func TestThreadGetInfoTest_InfoThreadOnSelfSuceeds(t *testing.T) {
	ctest.InfoWant(t, zx.ThreadSelf().Handle, zx.ObjectInfoThread, 72, 1, zx.OK)
}
func TestThreadGetInfoTest_InfoThreadInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoThread, 72, 1)
}
func TestThreadGetInfoTest_InfoThreadNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoThread, 72, 1)
}
func TestThreadGetInfoTest_InfoThreadNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoThread, 72, 1)
}
func TestThreadGetInfoTest_InfoThreadNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoThread, 72, 1)
}
func TestThreadGetInfoTest_InfoThreadInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoThread, 72)
}
func TestThreadGetInfoTest_InfoThreadBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoThread, 72, 1)
}
func TestThreadGetInfoTest_InfoThreadBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoThread, 72, 1)
}
func TestThreadGetInfoTest_InfoThreadZeroSizedBufferFails(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, zx.ThreadSelf().Handle, zx.ObjectInfoThread, zx.ErrBufferTooSmall)
}
func TestThreadGetInfoTest_InfoThreadJobHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.JobDefault().Handle, zx.ObjectInfoThread, 72, 32)
}
func TestThreadGetInfoTest_InfoThreadProcessHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoThread, 72, 32)
}
func TestThreadGetInfoTest_InfoThreadStatsOnSelfSuceeds(t *testing.T) {
	ctest.InfoWant(t, zx.ThreadSelf().Handle, zx.ObjectInfoThreadStats, 16, 1, zx.OK)
}
func TestThreadGetInfoTest_InfoThreadStatsInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoThreadStats, 16, 1)
}
func TestThreadGetInfoTest_InfoThreadStatsNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoThreadStats, 16, 1)
}
func TestThreadGetInfoTest_InfoThreadStatsNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoThreadStats, 16, 1)
}
func TestThreadGetInfoTest_InfoThreadStatsNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, zx.ThreadSelf().Handle, zx.ObjectInfoThreadStats, 16, 1)
}
func TestThreadGetInfoTest_InfoThreadStatsInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoThreadStats, 16)
}
func TestThreadGetInfoTest_InfoThreadStatsBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoThreadStats, 16, 1)
}
func TestThreadGetInfoTest_InfoThreadStatsBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoThreadStats, 16, 1)
}
func TestThreadGetInfoTest_InfoThreadStatsZeroSizedBufferFails(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, zx.ThreadSelf().Handle, zx.ObjectInfoThreadStats, zx.ErrBufferTooSmall)
}
func TestThreadGetInfoTest_InfoThreadStatsJobHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.JobDefault().Handle, zx.ObjectInfoThreadStats, 16, 32)
}
func TestThreadGetInfoTest_InfoThreadStatsProcessHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoThreadStats, 16, 32)
}
func TestThreadGetInfoTest_InfoThreadExceptionReportInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoThreadExceptionReport, 48, 32)
}
