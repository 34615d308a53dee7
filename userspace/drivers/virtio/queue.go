package virtio

import (
	"errors"
	"fmt"

	"beryl/userspace/drivers/hw"
)

// Descriptor flags (§2.4.5).
const (
	DescNext     = 1
	DescWrite    = 2
	DescIndirect = 4
)

// Ring flags (§2.4.6, §2.4.8).
const (
	AvailNoInterrupt = 1
	UsedNoNotify     = 1
)

// ErrQueueFull: no free descriptors for the chain.
var ErrQueueFull = errors.New("virtio: queue full")

// Buf is one buffer of a descriptor chain: its bus address and length,
// and whether the device writes it (receive buffers) or reads it.
type Buf struct {
	Addr         uint64
	Len          uint32
	DeviceWrites bool
}

// Queue is a split virtqueue (§2.4) in one DMA buffer: descriptor table
// (16-byte aligned), available ring and used ring (both 4-byte aligned
// here). The driver side is not safe for concurrent use: callers
// serialise Add/Publish and PopUsed (they may run in different
// goroutines from each other only under a caller's lock).
type Queue struct {
	Index, Size uint16

	mem                        hw.DMABuffer
	w                          *hw.Window
	descOff, availOff, usedOff uint64
	freeHead, numFree          uint16
	availIdx, lastUsed         uint16
	chainLen                   []uint16 // descriptors per head, for freeing
	notifyOff                  uint64
	transport                  *Transport
}

// RingBytes is the memory a queue of size entries needs.
func RingBytes(size uint16) int {
	_, _, used := ringOffsets(size)
	return int(used) + 6 + 8*int(size)
}

func ringOffsets(size uint16) (desc, avail, used uint64) {
	avail = 16 * uint64(size)
	used = (avail + 6 + 2*uint64(size) + 3) &^ 3
	return 0, avail, used
}

// NewQueue allocates queue index with size entries (a power of two, at
// most 32768) in DMA memory from alloc.
func NewQueue(alloc hw.DMAAllocator, index, size uint16) (*Queue, error) {
	if size == 0 || size&(size-1) != 0 || size > 32768 {
		return nil, fmt.Errorf("virtio: queue size %d is not a power of two up to 32768", size)
	}
	mem, err := alloc.AllocDMA(RingBytes(size))
	if err != nil {
		return nil, err
	}
	q := &Queue{Index: index, Size: size, mem: mem, w: hw.WindowOf(mem.Bytes()[:RingBytes(size)])}
	q.descOff, q.availOff, q.usedOff = ringOffsets(size)
	q.chainLen = make([]uint16, size)
	clear(mem.Bytes()[:RingBytes(size)])
	for i := uint16(0); i < size; i++ {
		q.w.Write16(q.descOff+16*uint64(i)+14, i+1) // free list through next
	}
	q.numFree = size
	return q, nil
}

// DescAddr, AvailAddr and UsedAddr are the rings' bus addresses.
func (q *Queue) DescAddr() uint64 { return q.mem.Addr(int(q.descOff)) }

// AvailAddr is the available ring's bus address.
func (q *Queue) AvailAddr() uint64 { return q.mem.Addr(int(q.availOff)) }

// UsedAddr is the used ring's bus address.
func (q *Queue) UsedAddr() uint64 { return q.mem.Addr(int(q.usedOff)) }

// NumFree is the number of free descriptors.
func (q *Queue) NumFree() int { return int(q.numFree) }

// Add writes bufs as one descriptor chain and puts its head on the
// available ring (not yet visible to the device: see Publish). It returns
// the head, which PopUsed reports when the device is done with it.
func (q *Queue) Add(bufs ...Buf) (uint16, error) {
	if len(bufs) == 0 || len(bufs) > int(q.Size) {
		return 0, fmt.Errorf("virtio: chain of %d buffers", len(bufs))
	}
	if len(bufs) > int(q.numFree) {
		return 0, ErrQueueFull
	}
	head := q.freeHead
	d := head
	for i, b := range bufs {
		off := q.descOff + 16*uint64(d)
		next := q.w.Read16(off + 14)
		q.w.Write32(off, uint32(b.Addr))
		q.w.Write32(off+4, uint32(b.Addr>>32))
		q.w.Write32(off+8, b.Len)
		var flags uint16
		if b.DeviceWrites {
			flags |= DescWrite
		}
		if i < len(bufs)-1 {
			flags |= DescNext
		}
		q.w.Write16(off+12, flags)
		if i < len(bufs)-1 {
			d = next
		} else {
			q.freeHead = next
		}
	}
	q.numFree -= uint16(len(bufs))
	q.chainLen[head] = uint16(len(bufs))
	q.w.Write16(q.availOff+4+2*uint64(q.availIdx%q.Size), head)
	q.availIdx++
	return head, nil
}

// Publish makes the chains added so far visible to the device (one
// atomic store of the available ring's flags and index, after the
// entries) and notifies it unless it asked not to be.
func (q *Queue) Publish() {
	q.w.Write32(q.availOff, uint32(q.availIdx)<<16)
	if q.transport != nil && q.w.Read32(q.usedOff)&UsedNoNotify == 0 {
		q.transport.kick(q)
	}
}

// PopUsed takes the next chain the device has finished with: its head
// and the number of bytes the device wrote. ok is false when there is
// none.
func (q *Queue) PopUsed() (head uint16, written uint32, ok bool) {
	if uint16(q.w.Read32(q.usedOff)>>16) == q.lastUsed {
		return 0, 0, false
	}
	e := q.usedOff + 4 + 8*uint64(q.lastUsed%q.Size)
	id := q.w.Read32(e)
	written = q.w.Read32(e + 4)
	q.lastUsed++
	if id >= uint32(q.Size) || q.chainLen[id] == 0 {
		return 0, 0, false // a device bug; never free what we did not hand out
	}
	head = uint16(id)
	// Return the chain to the free list: its last descriptor's next
	// becomes the old free head.
	d := head
	for i := uint16(1); i < q.chainLen[head]; i++ {
		d = q.w.Read16(q.descOff + 16*uint64(d) + 14)
	}
	q.w.Write16(q.descOff+16*uint64(d)+14, q.freeHead)
	q.freeHead = head
	q.numFree += q.chainLen[head]
	q.chainLen[head] = 0
	return head, written, true
}

// FreeHead is the descriptor the next Add will use as its chain's head
// (meaningful while NumFree > 0), so that a caller can fill the buffer
// tied to that slot first.
func (q *Queue) FreeHead() uint16 { return q.freeHead }
