package port

import (
	"testing"

	"beryl/userspace/zx"
)

// port_cancel needs ZX_RIGHT_WAIT on the source, checked before its
// waitability (Zircon; spec.txt rights=WAIT).
func TestPortCancelRights(t *testing.T) {
	t.Run("source_access_denied_no_wait_right", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "wait_async", p.WaitAsync(ev, 1, zx.EventSignaled, 0))
		s, err := ev.Duplicate(zx.RightSignal)
		ok(t, "duplicate", err)
		closeLater(t, s)
		expect(t, "port_cancel(source without WAIT)", zx.Sys_port_cancel(p.Handle, s, 1), zx.ErrAccessDenied)
	})
	t.Run("source_not_waitable", func(t *testing.T) {
		p := newPort(t)
		q := newPort(t)
		expect(t, "port_cancel(source is a port)", zx.Sys_port_cancel(p.Handle, q.Handle, 1), zx.ErrAccessDenied)
	})
}
