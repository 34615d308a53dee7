package zx

import (
	"errors"
	"testing"
	"unsafe"
)

// Sizes and offsets of Zircon's x86-64 C structs (zircon/types.h,
// syscalls/object.h, port.h, policy.h, log.h).
func TestLayouts(t *testing.T) {
	var pk PortPacket
	var ps PacketSignal
	var wi WaitItem
	var hi HandleInfo
	var hd HandleDisposition
	var ca ChannelCallArgs
	var hb InfoHandleBasic
	var ip InfoProcess
	var ij InfoJob
	var is InfoSocket
	var it InfoTimer
	var lr LogRecord
	var ts PolicyTimerSlack
	checks := []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof(zx_port_packet_t)", unsafe.Sizeof(pk), 48},
		{"sizeof(zx_channel_call_etc_args_t)", unsafe.Sizeof(ChannelCallEtcArgs{}), 48},
		{"sizeof(zx_clock_details_v1_t)", unsafe.Sizeof(ClockDetailsV1{}), 112},
		{"clock_details.mono_to_synthetic", unsafe.Offsetof(ClockDetailsV1{}.MonoToSynthetic), 40},
		{"clock_details.generation_counter", unsafe.Offsetof(ClockDetailsV1{}.GenerationCounter), 104},
		{"sizeof(zx_clock_update_args_v1_t)", unsafe.Sizeof(ClockUpdateArgsV1{}), 24},
		{"sizeof(zx_clock_update_args_v2_t)", unsafe.Sizeof(ClockUpdateArgsV2{}), 32},
		{"port_packet.type", unsafe.Offsetof(pk.Type), 8},
		{"port_packet.status", unsafe.Offsetof(pk.Status), 12},
		{"port_packet.payload", unsafe.Offsetof(pk.Payload), 16},
		{"sizeof(zx_packet_signal_t)", unsafe.Sizeof(ps), 32},
		{"packet_signal.count", unsafe.Offsetof(ps.Count), 8},
		{"packet_signal.timestamp", unsafe.Offsetof(ps.Timestamp), 16},
		{"sizeof(zx_wait_item_t)", unsafe.Sizeof(wi), 12},
		{"wait_item.pending", unsafe.Offsetof(wi.Pending), 8},
		{"sizeof(zx_handle_info_t)", unsafe.Sizeof(hi), 16},
		{"handle_info.rights", unsafe.Offsetof(hi.Rights), 8},
		{"sizeof(zx_handle_disposition_t)", unsafe.Sizeof(hd), 20},
		{"handle_disposition.result", unsafe.Offsetof(hd.Result), 16},
		{"sizeof(zx_channel_call_args_t)", unsafe.Sizeof(ca), 48},
		{"call_args.rd_handles", unsafe.Offsetof(ca.ReadHandles), 24},
		{"call_args.wr_num_bytes", unsafe.Offsetof(ca.WriteNumBytes), 32},
		{"call_args.rd_num_handles", unsafe.Offsetof(ca.ReadNumHandles), 44},
		{"sizeof(zx_info_handle_basic_t)", unsafe.Sizeof(hb), 32},
		{"handle_basic.rights", unsafe.Offsetof(hb.Rights), 8},
		{"handle_basic.type", unsafe.Offsetof(hb.Type), 12},
		{"handle_basic.related_koid", unsafe.Offsetof(hb.RelatedKoid), 16},
		{"handle_basic.props", unsafe.Offsetof(hb.Props), 24},
		{"sizeof(zx_info_handle_count_t)", unsafe.Sizeof(InfoHandleCount{}), 4},
		{"sizeof(zx_info_process_handle_stats_t)", unsafe.Sizeof(InfoProcessHandleStats{}), 256},
		{"sizeof(beryl kernel stats) = syscall.KernelStatsSize", unsafe.Sizeof(KernelStats{}), 608 + 32 + 2*8*StatsCPUs},
		{"sizeof(zx_info_process_t)", unsafe.Sizeof(ip), 16},
		{"sizeof(zx_info_thread_t)", unsafe.Sizeof(InfoThread{}), 72},
		{"info_thread.cpu_affinity_mask", unsafe.Offsetof(InfoThread{}.CPUAffinityMask), 8},
		{"info_process.started", unsafe.Offsetof(ip.Started), 8},
		{"info_process.exited", unsafe.Offsetof(ip.Exited), 9},
		{"sizeof(zx_info_job_t)", unsafe.Sizeof(ij), 16},
		{"info_job.exited", unsafe.Offsetof(ij.Exited), 8},
		{"sizeof(zx_info_socket_t)", unsafe.Sizeof(is), 48},
		{"info_socket.rx_buf_max", unsafe.Offsetof(is.RXBufMax), 8},
		{"info_socket.tx_buf_size", unsafe.Offsetof(is.TXBufSize), 40},
		{"sizeof(zx_info_timer_t)", unsafe.Sizeof(it), 24},
		{"info_timer.deadline", unsafe.Offsetof(it.Deadline), 8},
		{"sizeof(zx_policy_basic_v2_t)", unsafe.Sizeof(PolicyBasic{}), 12},
		{"sizeof(zx_policy_timer_slack_t)", unsafe.Sizeof(ts), 16},
		{"sizeof(zx_log_record_t)", unsafe.Sizeof(lr), 32},
		{"log_record.severity", unsafe.Offsetof(lr.Severity), 6},
		{"log_record.timestamp", unsafe.Offsetof(lr.Timestamp), 8},
		{"log_record.tid", unsafe.Offsetof(lr.Tid), 24},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	pk.Payload[0] = 0xff
	if pk.Signal().Trigger != 0xff {
		t.Error("Signal() does not alias the payload")
	}
}

func TestStatusError(t *testing.T) {
	var err error = ErrBadHandle
	if err.Error() != "ZX_ERR_BAD_HANDLE" || OK.String() != "ZX_OK" || Status(-12345).Error() != "zx_status_t(-12345)" {
		t.Fatal(err, OK, Status(-12345))
	}
	if OK.Err() != nil || !errors.Is(ErrTimedOut.Err(), ErrTimedOut) {
		t.Fatal("Err")
	}
	if ErrInternalIntrKilled.Error() != "ZX_ERR_INTERNAL_INTR_KILLED" {
		t.Fatal(ErrInternalIntrKilled.Error())
	}
}

// A few of Zircon's values, written out from the headers, as a check on
// the generated constants (which come from kernel/object).
func TestZirconValues(t *testing.T) {
	vals := []struct {
		name      string
		got, want int64
	}{
		{"ZX_ERR_BAD_HANDLE", int64(ErrBadHandle), -11},
		{"ZX_ERR_BAD_SYSCALL", int64(ErrBadSyscall), -13},
		{"ZX_ERR_SHOULD_WAIT", int64(ErrShouldWait), -22},
		{"ZX_RIGHT_DUPLICATE", int64(RightDuplicate), 1},
		{"ZX_RIGHT_SAME_RIGHTS", int64(RightSameRights), 1 << 31},
		{"ZX_OBJ_TYPE_CHANNEL", int64(ObjTypeChannel), 4},
		{"ZX_OBJ_TYPE_LOG", int64(ObjTypeDebugLog), 12},
		{"ZX_USER_SIGNAL_0", int64(SignalUser0), 1 << 24},
		{"ZX_CHANNEL_PEER_CLOSED", int64(ChannelPeerClosed), 4},
		{"ZX_HANDLE_INVALID", int64(HandleInvalid), 0},
		{"ZX_TIME_INFINITE", int64(TimeInfinite), 1<<63 - 1},
		{"ZX_INFO_HANDLE_BASIC", int64(ObjectInfoHandleBasic), 2},
		{"ZX_INFO_BTI", int64(ObjectInfoBTI), 20},
		{"ZX_INFO_MSI", int64(ObjectInfoMSI), 28},
		{"ZX_PROP_NAME", int64(PropName), 3},
		{"ZX_VM_PERM_EXECUTE", int64(VMPermExecute), 4},
		{"ZX_VMO_RESIZABLE", int64(VMOResizable), 2},
		{"ZX_LOG_FLAG_READABLE", int64(LogFlagReadable), 0x40000000},
	}
	for _, v := range vals {
		if v.got != v.want {
			t.Errorf("%s = %d, want %d", v.name, v.got, v.want)
		}
	}
}

func TestStartupHandles(t *testing.T) {
	SetStartupHandles(0x13, 0x17, 0x1b, 0x1f)
	if ProcessSelf().Handle != 0x13 || VmarRootSelf().Handle != 0x17 || ThreadSelf().Handle != 0x1b || JobDefault().Handle != 0x1f {
		t.Fatal("startup handles")
	}
}

// On the host the zx numbers are unknown to Linux: every stub returns
// -ENOSYS (-38) through the real trampoline, which shows the stubs are
// wired to SYSCALL without crashing on pointer arguments.
func TestStubsReachTheKernel(t *testing.T) {
	var h Handle
	if st := Sys_handle_duplicate(1, RightSameRights, &h); st != -38 {
		t.Fatalf("got %v", st)
	}
	var obs Signals
	if st := Sys_object_wait_one(1, 1, 0, &obs); st != -38 {
		t.Fatalf("got %v", st)
	}
	if Sys_clock_get_monotonic() != -38 {
		t.Fatal("clock")
	}
}

// Layouts of the kos structs (syscall/spec.txt; syscall/kos.go decodes
// them with the same offsets).
func TestKosLayouts(t *testing.T) {
	var hd KosHandleDesc
	var rh KosRecvHandle
	var mb KosMsgBuf
	var ca KosCallArgs
	var ri KosRecvInfo
	checks := []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof(kos_handle_desc_t)", unsafe.Sizeof(hd), 16},
		{"sizeof(kos_recv_handle_t)", unsafe.Sizeof(rh), 24},
		{"kos_recv_handle.badge_context", unsafe.Offsetof(rh.BadgeContext), 16},
		{"sizeof(kos_msg_buf_t)", unsafe.Sizeof(mb), 40},
		{"kos_msg_buf.fixed_len", unsafe.Offsetof(mb.FixedLen), 24},
		{"kos_msg_buf.num_handles", unsafe.Offsetof(mb.NumHandles), 32},
		{"sizeof(kos_call_args_t)", unsafe.Sizeof(ca), 88},
		{"kos_call_args.wr", unsafe.Offsetof(ca.Wr), 8},
		{"kos_call_args.rd", unsafe.Offsetof(ca.Rd), 48},
		{"sizeof(kos_sizes_t)", unsafe.Sizeof(KosSizes{}), 12},
		{"sizeof(kos_recv_info_t)", unsafe.Sizeof(ri), 48},
		{"kos_recv_info.sizes", unsafe.Offsetof(ri.Sizes), 16},
		{"kos_recv_info.client_koid", unsafe.Offsetof(ri.ClientKoid), 32},
		{"kos_recv_info.caller_koid", unsafe.Offsetof(ri.CallerKoid), 40},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if ErrHandleRevoked != -1100 || ErrPolicyDenied != -1101 || ErrHandleRevoked.String() != "ZX_ERR_HANDLE_REVOKED" {
		t.Errorf("kos statuses: %d %d %q", ErrHandleRevoked, ErrPolicyDenied, ErrHandleRevoked.String())
	}
}
