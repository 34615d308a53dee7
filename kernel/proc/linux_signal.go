package proc

// The signal calls; delivery and frames are in signal.go.

func sysRtSigaction(t *Thread, a *[6]uint64) (int64, bool) {
	return t.rtSigaction(a[0], a[1], a[2], a[3]), false
}

func sysRtSigprocmask(t *Thread, a *[6]uint64) (int64, bool) {
	return t.rtSigprocmask(a[0], a[1], a[2], a[3]), false
}

func sysSigaltstack(t *Thread, a *[6]uint64) (int64, bool) {
	return t.sigaltstack(a[0], a[1]), false
}

// sysRtSigreturn restores the registers of the signal frame; a bad frame
// ends the process. RAX is the interrupted code's own.
func sysRtSigreturn(t *Thread, a *[6]uint64) (int64, bool) {
	if !t.sigreturn() {
		t.P.fault(t, "rt_sigreturn with a bad frame")
	}
	return int64(t.Ctx.Regs.RAX), false
}

func sysTkill(t *Thread, a *[6]uint64) (int64, bool) { return t.tgkill(int(a[0]), a[1]), false }
