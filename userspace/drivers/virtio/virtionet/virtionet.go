// Package virtionet is a virtio-net driver (virtio 1.0 §5.1, modern PCI,
// split virtqueues) for userspace: it negotiates features, reads the MAC
// and link status, keeps the receive queue full of DMA buffers and sends
// and receives whole Ethernet frames, woken by its interrupt (one MSI-X
// vector for both queues, or the legacy line and the ISR).
//
// Lock order: Driver.txMu, then Driver.rxMu (never both today).
package virtionet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/drivers/virtio"
)

// Feature bits of the network device (§5.1.3).
const (
	FeatureCSUM     = 1 << 0
	FeatureMAC      = 1 << 5
	FeatureMrgRxbuf = 1 << 15
	FeatureStatus   = 1 << 16
)

// Device configuration (§5.1.4) and header (§5.1.6).
const (
	configMAC      = 0
	configStatus   = 6
	statusLinkUp   = 1
	HeaderLen      = 12 // struct virtio_net_hdr with VERSION_1
	bufSize        = 2048
	MaxFrame       = 1514 // without FCS; no GSO is negotiated
	queueRX        = 0
	queueTX        = 1
	defaultEntries = 128
)

// Errors.
var (
	ErrTooLong = errors.New("virtionet: frame longer than 1514 bytes")
	ErrTimeout = errors.New("virtionet: timed out")
	ErrClosed  = errors.New("virtionet: driver closed")
)

// IRQ is how the driver is interrupted: MSIX says the interrupt is MSI-X
// vector 0 (used for both queues); otherwise it is the legacy line and
// the driver reads the ISR.
type IRQ struct {
	Interrupt hw.Interrupt
	MSIX      bool
}

// Stats counts the driver's traffic.
type Stats struct {
	TxFrames, RxFrames, Interrupts, RxDropped uint64
}

// Driver is a running virtio-net device.
type Driver struct {
	t        *virtio.Transport
	irq      IRQ
	features uint64
	mac      net.HardwareAddr

	txMu   sync.Mutex
	tx     *virtio.Queue
	txBufs hw.DMABuffer
	txFree chan struct{}

	rxMu   sync.Mutex
	rx     *virtio.Queue
	rxBufs hw.DMABuffer
	frames chan []byte

	statsMu sync.Mutex
	stats   Stats
	done    chan struct{}
	closed  bool
}

// Options tune a driver; zero values pick the defaults.
type Options struct {
	Entries  uint16 // queue size (default 128, at most the device's)
	Backlog  int    // received frames held for Receive (default 256)
	Features uint64 // more features to accept if offered
}

// New initialises the device behind t (§3.1.1): negotiation, queues,
// receive buffers, DRIVER_OK, and starts the interrupt goroutine.
func New(t *virtio.Transport, mem hw.DMAAllocator, irq IRQ, opt Options) (*Driver, error) {
	feat, err := t.Negotiate(FeatureMAC|FeatureStatus|opt.Features, 0)
	if err != nil {
		return nil, err
	}
	d := &Driver{t: t, irq: irq, features: feat, txFree: make(chan struct{}, 1), done: make(chan struct{})}
	entries := opt.Entries
	if entries == 0 {
		entries = defaultEntries
	}
	backlog := opt.Backlog
	if backlog == 0 {
		backlog = 256
	}
	d.frames = make(chan []byte, backlog)
	fail := func(err error) (*Driver, error) {
		t.Fail()
		return nil, err
	}
	if t.NumQueues() < 2 {
		return fail(fmt.Errorf("virtionet: %d queues", t.NumQueues()))
	}
	vector := uint16(virtio.NoVector)
	if irq.MSIX {
		vector = 0
		if err := t.SetConfigVector(virtio.NoVector); err != nil {
			return fail(err)
		}
	}
	for _, qi := range []uint16{queueRX, queueTX} {
		n := entries
		if max := t.QueueMax(qi); max < n {
			n = max
		}
		if n == 0 {
			return fail(fmt.Errorf("%w: %d", virtio.ErrNoQueue, qi))
		}
		q, err := virtio.NewQueue(mem, qi, n)
		if err != nil {
			return fail(err)
		}
		if err := t.SetupQueue(q, vector); err != nil {
			return fail(err)
		}
		bufs, err := mem.AllocDMA(int(n) * bufSize)
		if err != nil {
			return fail(err)
		}
		if qi == queueRX {
			d.rx, d.rxBufs = q, bufs
		} else {
			d.tx, d.txBufs = q, bufs
		}
	}
	if feat&FeatureMAC != 0 {
		d.mac = make(net.HardwareAddr, 6)
		t.ReadConfig(func(cfg hw.MMIO) {
			for i := range d.mac {
				d.mac[i] = cfg.Read8(configMAC + uint64(i))
			}
		})
	} else {
		// No MAC offered: a locally administered one of our own.
		d.mac = net.HardwareAddr{0x02, 0x42, 0x65, 0x72, 0x79, 0x6c}
	}
	// Fill the receive queue before DRIVER_OK: the device may deliver
	// at once (§3.1.1 step 7 allows either order; this one loses nothing).
	for i := uint16(0); i < d.rx.Size; i++ {
		if _, err := d.rx.Add(d.rxBuf(i)); err != nil {
			return fail(err)
		}
	}
	t.DriverOK()
	d.rx.Publish()
	go d.serve()
	return d, nil
}

// rxBuf is the receive buffer of descriptor slot i. Each chain is one
// descriptor, so a chain's head indexes its buffer.
func (d *Driver) rxBuf(i uint16) virtio.Buf {
	return virtio.Buf{Addr: d.rxBufs.Addr(int(i) * bufSize), Len: bufSize, DeviceWrites: true}
}

// MAC is the device's address.
func (d *Driver) MAC() net.HardwareAddr { return d.mac }

// Features returns the negotiated features.
func (d *Driver) Features() uint64 { return d.features }

// LinkUp reports the link status (always up without FeatureStatus).
func (d *Driver) LinkUp() bool {
	if d.features&FeatureStatus == 0 {
		return true
	}
	var s uint16
	d.t.ReadConfig(func(cfg hw.MMIO) { s = cfg.Read16(configStatus) })
	return s&statusLinkUp != 0
}

// Stats returns the counters.
func (d *Driver) Stats() Stats {
	d.statsMu.Lock()
	defer d.statsMu.Unlock()
	return d.stats
}

// Send queues one Ethernet frame (without FCS) and returns once the
// device has it in its ring; it waits up to a second for a free slot.
func (d *Driver) Send(frame []byte) error {
	if len(frame) > MaxFrame {
		return ErrTooLong
	}
	deadline := time.Now().Add(time.Second)
	d.txMu.Lock()
	defer d.txMu.Unlock()
	for {
		if d.isClosed() {
			return ErrClosed
		}
		d.reapTxLocked()
		if d.tx.NumFree() > 0 {
			break
		}
		d.txMu.Unlock()
		select {
		case <-d.txFree:
		case <-time.After(time.Until(deadline)):
		case <-d.done:
		}
		d.txMu.Lock()
		if time.Now().After(deadline) && d.tx.NumFree() == 0 {
			d.reapTxLocked()
			if d.tx.NumFree() == 0 {
				return ErrTimeout
			}
		}
	}
	// The next head is the free list's head: find it by adding, then
	// fill that slot's buffer before publishing.
	slot := d.tx.FreeHead()
	buf := d.txBufs.Bytes()[int(slot)*bufSize:]
	clear(buf[:HeaderLen])
	n := copy(buf[HeaderLen:], frame)
	head, err := d.tx.Add(virtio.Buf{Addr: d.txBufs.Addr(int(slot) * bufSize), Len: uint32(HeaderLen + n)})
	if err != nil {
		return err
	}
	if head != slot {
		panic("virtionet: free list head moved")
	}
	d.tx.Publish()
	d.statsMu.Lock()
	d.stats.TxFrames++
	d.statsMu.Unlock()
	return nil
}

func (d *Driver) reapTxLocked() {
	for {
		if _, _, ok := d.tx.PopUsed(); !ok {
			return
		}
	}
}

// Receive returns the next received frame, waiting up to timeout (0:
// don't wait).
func (d *Driver) Receive(timeout time.Duration) ([]byte, error) {
	select {
	case f := <-d.frames:
		return f, nil
	default:
	}
	if timeout <= 0 {
		return nil, ErrTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case f := <-d.frames:
		return f, nil
	case <-t.C:
		return nil, ErrTimeout
	case <-d.done:
		return nil, ErrClosed
	}
}

// serve waits for interrupts and services both queues.
func (d *Driver) serve() {
	for {
		if err := d.irq.Interrupt.Wait(); err != nil {
			d.Close()
			return
		}
		if d.isClosed() {
			return
		}
		d.statsMu.Lock()
		d.stats.Interrupts++
		d.statsMu.Unlock()
		if !d.irq.MSIX {
			d.t.ReadISR() // clears the line's cause
		}
		d.Poll()
		d.irq.Interrupt.Ack()
	}
}

// Poll services both queues once (the interrupt goroutine's work; also
// callable when interrupts are not wanted).
func (d *Driver) Poll() {
	d.txMu.Lock()
	d.reapTxLocked()
	d.txMu.Unlock()
	select {
	case d.txFree <- struct{}{}:
	default:
	}
	d.rxMu.Lock()
	defer d.rxMu.Unlock()
	refilled := false
	for {
		head, written, ok := d.rx.PopUsed()
		if !ok {
			break
		}
		b := d.rxBufs.Bytes()[int(head)*bufSize:]
		if written > HeaderLen && written <= bufSize && binary.LittleEndian.Uint16(b[10:]) <= 1 {
			f := append([]byte(nil), b[HeaderLen:written]...)
			select {
			case d.frames <- f:
				d.statsMu.Lock()
				d.stats.RxFrames++
				d.statsMu.Unlock()
			default:
				d.statsMu.Lock()
				d.stats.RxDropped++
				d.statsMu.Unlock()
			}
		}
		d.rx.Add(d.rxBuf(head))
		refilled = true
	}
	if refilled {
		d.rx.Publish()
	}
}

func (d *Driver) isClosed() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Close stops the driver and resets the device (it stops using the
// rings, so their memory may be freed).
func (d *Driver) Close() error {
	d.txMu.Lock()
	defer d.txMu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	close(d.done)
	return d.t.Reset()
}
