package channel

import (
	"testing"

	"beryl/userspace/zx"
)

// channel_call with a deadline already past, down to
// ZX_TIME_INFINITE_PAST, times out at once (ZX_ERR_TIMED_OUT).
func TestChannelCallPastDeadline(t *testing.T) {
	t.Run("deadline_infinite_past", func(t *testing.T) {
		a, _ := pair(t)
		_, _, err := zx.Channel{Handle: a}.Call(zx.TimeInfinitePast, callReq("x"), nil, nil, nil)
		expect(t, "channel_call(ZX_TIME_INFINITE_PAST)", status(err), zx.ErrTimedOut)
	})
}
