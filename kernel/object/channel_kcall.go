package object

import "encoding/binary"

// KernelCall is channel_call made by the kernel itself on c, an endpoint
// it holds a handle to (the Linux personality's file-system client): it
// sends data (whose first four bytes become a fresh txid) without
// handles and waits for the reply with that txid, or until cancel closes
// (ErrCanceled; a reply arriving later is dropped). The reply's handles
// are the caller's to release (ReleaseHandle) or keep. Errors:
// INVALID_ARGS (fewer than 4 bytes), OUT_OF_RANGE (too long),
// PEER_CLOSED, CANCELED.
func (c *Channel) KernelCall(data []byte, cancel <-chan struct{}) ([]byte, []*HandleEntry, Status) {
	if len(data) < 4 {
		return nil, nil, ErrInvalidArgs
	}
	if len(data) > ChannelMaxMsgBytes {
		return nil, nil, ErrOutOfRange
	}
	m := newMessage(data, 0)
	w := &callWaiter{ch: make(chan struct{}, 1)}
	c.mu.Lock()
	w.txid = c.allocTxidLocked()
	binary.LittleEndian.PutUint32(m.data, w.txid)
	c.waiters = append(c.waiters, w)
	if st := c.deliverLocked(m); st != OK {
		c.waiters = c.waiters[:len(c.waiters)-1]
		c.mu.Unlock()
		m.destroy()
		return nil, nil, st
	}
	c.mu.Unlock()
	select {
	case <-w.ch:
	case <-cancel:
	}
	c.mu.Lock()
	if !w.done {
		for i, x := range c.waiters {
			if x == w {
				c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
				break
			}
		}
		w.done, w.status = true, ErrCanceled
	}
	c.mu.Unlock()
	if w.status != OK {
		return nil, nil, w.status
	}
	r := w.reply
	out := append([]byte(nil), r.data...)
	hs := append([]*HandleEntry(nil), r.handles...)
	clear(r.handles)
	r.recycle()
	return out, hs, OK
}
