package object

import (
	"encoding/binary"
	"sync"
)

// message is one channel message: bytes and handles in transit.
type message struct {
	data    []byte
	handles []*HandleEntry
}

var msgPool = sync.Pool{New: func() any { return new(message) }}

// pooledMsgBytes bounds the byte buffers kept in the pool.
const pooledMsgBytes = 4096

func newMessage(data []byte, nh int) *message {
	m := msgPool.Get().(*message)
	m.data = append(m.data[:0], data...)
	if cap(m.handles) < nh {
		m.handles = make([]*HandleEntry, nh)
	} else {
		m.handles = m.handles[:nh]
	}
	return m
}

func (m *message) txid() (uint32, bool) {
	if len(m.data) < 4 {
		return 0, false
	}
	return binary.LittleEndian.Uint32(m.data), true
}

// recycle returns m to the pool; its handles must already be gone.
func (m *message) recycle() {
	clear(m.handles)
	m.handles = m.handles[:0]
	if cap(m.data) > pooledMsgBytes {
		m.data = nil
	} else {
		m.data = m.data[:0]
	}
	msgPool.Put(m)
}

// destroy closes the handles m carries and recycles it.
func (m *message) destroy() {
	hs := compactEntries(m.handles)
	if len(hs) > 0 {
		releaseHandles(nil, hs)
	}
	m.recycle()
}

// msgQueue is a FIFO of messages that reuses its backing array.
type msgQueue struct {
	q    []*message
	head int
}

func (q *msgQueue) len() int { return len(q.q) - q.head }

func (q *msgQueue) push(m *message) { q.q = append(q.q, m) }

func (q *msgQueue) front() *message { return q.q[q.head] }

func (q *msgQueue) pop() *message {
	m := q.q[q.head]
	q.q[q.head] = nil
	q.head++
	if q.head == len(q.q) {
		q.q, q.head = q.q[:0], 0
	} else if q.head > 64 && q.head*2 > len(q.q) {
		n := copy(q.q, q.q[q.head:])
		clear(q.q[n:])
		q.q, q.head = q.q[:n], 0
	}
	return m
}
