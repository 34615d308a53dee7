package virtiotest

import (
	"encoding/binary"
	"fmt"
	"sync"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/drivers/pci"
	"beryl/userspace/drivers/pci/pcitest"
	"beryl/userspace/drivers/virtio"
)

// The model's register layout in BAR 4 (what QEMU uses too: 16 KiB,
// one 4 KiB page per structure) and its MSI-X table in BAR 1.
const (
	commonOff       = 0x0000
	isrOff          = 0x1000
	deviceOff       = 0x2000
	notifyOff       = 0x3000
	notifyMul       = 4
	bar4Size        = 0x4000
	netHdrLen       = 12
	NumVectors      = 3
	virtioNetMAC    = 1 << 5
	virtioNetStatus = 1 << 16
)

type queueState struct {
	max, size, vector, enable uint16
	desc, avail, used         uint64
	lastAvail, usedIdx        uint16
}

// Net is a virtio-net device (§5.1) with one receive and one transmit
// queue. Frames the driver sends are collected in Sent (and passed to
// OnSend); Inject hands the driver a received frame.
type Net struct {
	mu  sync.Mutex
	Mem *Mem
	MAC [6]byte
	// Offered is the feature set offered (VERSION_1 | MAC | STATUS by
	// default); Refuse lists features whose acceptance makes the
	// device clear FEATURES_OK.
	Offered, Refuse uint64
	LinkUp          bool
	// Vectors are the MSI-X interrupts, INTx the legacy line.
	Vectors [NumVectors]*Interrupt
	INTx    *Interrupt
	Sent    [][]byte
	OnSend  func(frame []byte)
	// Errors records what the device found wrong in the driver's rings.
	Errors []error

	status         uint8
	devSel, drvSel uint32
	driverFeatures uint64
	queueSel       uint16
	configVector   uint16
	isr            uint8
	queues         [2]queueState
	pending        [][]byte
	notifies       int
}

// NewNet returns a device with a fixed MAC, link up, queues of 256.
func NewNet(mem *Mem) *Net {
	n := &Net{
		Mem:          mem,
		MAC:          [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
		Offered:      virtio.FeatureVersion1 | virtioNetMAC | virtioNetStatus | 1<<0, /* CSUM, never accepted */
		LinkUp:       true,
		INTx:         NewInterrupt(),
		configVector: virtio.NoVector,
	}
	for i := range n.Vectors {
		n.Vectors[i] = NewInterrupt()
	}
	n.reset()
	return n
}

func (n *Net) reset() {
	n.status, n.driverFeatures, n.isr = 0, 0, 0
	n.configVector = virtio.NoVector
	for i := range n.queues {
		n.queues[i] = queueState{max: 256, size: 256, vector: virtio.NoVector}
	}
}

// AddTo puts the device's PCI function at a in the fake config space:
// vendor 0x1AF4 device 0x1041, BAR 1 (MSI-X table), BAR 4 (registers),
// MSI-X capability and the virtio vendor capabilities.
func (n *Net) AddTo(f *pcitest.Fake, a pci.Addr) *pcitest.Func {
	fn := f.Add(a, virtio.VendorID, virtio.ModernDeviceID+virtio.DeviceTypeNet, 0x02, 0x00, 0)
	fn.SetBAR(1, pci.BARMem32, 0xfebd1000, 0x1000, false)
	fn.SetBAR(4, pci.BARMem64, 0xfe000000, bar4Size, true)
	fn.SetInterrupt(1, 11)
	msix := make([]byte, 10)
	binary.LittleEndian.PutUint16(msix[0:], NumVectors-1)
	binary.LittleEndian.PutUint32(msix[2:], 1)       // table: BAR 1 + 0
	binary.LittleEndian.PutUint32(msix[6:], 0x800|1) // PBA: BAR 1 + 0x800
	fn.AddCap(0x98, pci.CapMSIX, msix)
	fn.AddCap(0x84, pci.CapVendor, virtio.CapBody(virtio.CapCommon, virtio.Region{BAR: 4, Offset: commonOff, Length: 0x1000}, 0))
	fn.AddCap(0x70, pci.CapVendor, virtio.CapBody(virtio.CapISR, virtio.Region{BAR: 4, Offset: isrOff, Length: 0x1000}, 0))
	fn.AddCap(0x60, pci.CapVendor, virtio.CapBody(virtio.CapDevice, virtio.Region{BAR: 4, Offset: deviceOff, Length: 0x1000}, 0))
	fn.AddCap(0x48, pci.CapVendor, virtio.CapBody(virtio.CapNotify, virtio.Region{BAR: 4, Offset: notifyOff, Length: 0x1000}, notifyMul))
	return fn
}

// BAR returns the device's register window for BAR 4 (other BARs: an
// error, as the driver needs no other).
func (n *Net) BAR(i int) (hw.MMIO, error) {
	if i != 4 {
		return nil, fmt.Errorf("virtiotest: BAR %d not modelled", i)
	}
	return bar4{n}, nil
}

// Status returns the device status register.
func (n *Net) Status() uint8 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.status
}

// DriverFeatures returns the features the driver accepted.
func (n *Net) DriverFeatures() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.driverFeatures
}

// Notifies counts the driver's queue notifications.
func (n *Net) Notifies() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.notifies
}

// Frames returns a copy of the frames sent so far.
func (n *Net) Frames() [][]byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([][]byte(nil), n.Sent...)
}

// Inject queues a frame for the driver; it is delivered as soon as the
// receive queue has a buffer.
func (n *Net) Inject(frame []byte) {
	n.mu.Lock()
	n.pending = append(n.pending, append([]byte(nil), frame...))
	n.deliverLocked()
	n.mu.Unlock()
}

type bar4 struct{ n *Net }

func (b bar4) Read8(off uint64) uint8       { return uint8(b.n.read(off, 1)) }
func (b bar4) Read16(off uint64) uint16     { return uint16(b.n.read(off, 2)) }
func (b bar4) Read32(off uint64) uint32     { return b.n.read(off, 4) }
func (b bar4) Write8(off uint64, v uint8)   { b.n.write(off, 1, uint32(v)) }
func (b bar4) Write16(off uint64, v uint16) { b.n.write(off, 2, uint32(v)) }
func (b bar4) Write32(off uint64, v uint32) { b.n.write(off, 4, v) }

func (n *Net) read(off uint64, width int) uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := virtio.CommonOffsets
	q := &n.queues[n.queueSel%2]
	switch {
	case off >= deviceOff && off < deviceOff+0x1000:
		var cfg [10]byte
		copy(cfg[:], n.MAC[:])
		if n.LinkUp {
			cfg[6] = 1
		}
		o := off - deviceOff
		var v uint32
		for i := width - 1; i >= 0; i-- {
			if int(o)+i < len(cfg) {
				v = v<<8 | uint32(cfg[int(o)+i])
			} else {
				v <<= 8
			}
		}
		return v
	case off == isrOff:
		v := n.isr
		n.isr = 0
		return uint32(v)
	}
	switch off {
	case c.DeviceFeatureSelect:
		return n.devSel
	case c.DeviceFeature:
		if n.devSel < 2 {
			return uint32(n.Offered >> (32 * n.devSel))
		}
		return 0
	case c.DriverFeatureSelect:
		return n.drvSel
	case c.DriverFeature:
		if n.drvSel < 2 {
			return uint32(n.driverFeatures >> (32 * n.drvSel))
		}
		return 0
	case c.MSIXConfig:
		return uint32(n.configVector)
	case c.NumQueues:
		return 2
	case c.DeviceStatus:
		return uint32(n.status)
	case c.ConfigGeneration:
		return 0
	case c.QueueSelect:
		return uint32(n.queueSel)
	case c.QueueSize:
		if n.queueSel >= 2 {
			return 0
		}
		return uint32(q.size)
	case c.QueueMSIXVector:
		return uint32(q.vector)
	case c.QueueEnable:
		return uint32(q.enable)
	case c.QueueNotifyOff:
		return uint32(n.queueSel)
	}
	return 0
}

func (n *Net) write(off uint64, width int, v uint32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := virtio.CommonOffsets
	q := &n.queues[n.queueSel%2]
	set64 := func(p *uint64, hi bool) {
		if hi {
			*p = *p&0xFFFFFFFF | uint64(v)<<32
		} else {
			*p = *p&^0xFFFFFFFF | uint64(v)
		}
	}
	if off >= notifyOff && off < notifyOff+0x1000 {
		n.notifies++
		idx := uint16(v)
		if uint64(idx)*notifyMul != off-notifyOff {
			n.Errors = append(n.Errors, fmt.Errorf("notify of queue %d at offset %#x", idx, off-notifyOff))
			return
		}
		if idx == 1 {
			n.transmitLocked()
		} else if idx == 0 {
			n.deliverLocked()
		}
		return
	}
	switch off {
	case c.DeviceFeatureSelect:
		n.devSel = v
	case c.DriverFeatureSelect:
		n.drvSel = v
	case c.DriverFeature:
		if n.drvSel < 2 && n.status&virtio.StatusFeaturesOK == 0 {
			sh := 32 * n.drvSel
			n.driverFeatures = n.driverFeatures&^(0xFFFFFFFF<<sh) | uint64(v)<<sh
		}
	case c.MSIXConfig:
		n.configVector = n.vectorOK(uint16(v))
	case c.DeviceStatus:
		if v == 0 {
			n.reset()
			return
		}
		s := uint8(v)
		if s&virtio.StatusFeaturesOK != 0 && n.status&virtio.StatusFeaturesOK == 0 {
			if n.driverFeatures&^n.Offered != 0 || n.driverFeatures&virtio.FeatureVersion1 == 0 || n.driverFeatures&n.Refuse != 0 {
				s &^= virtio.StatusFeaturesOK
			}
		}
		n.status = s
	case c.QueueSelect:
		n.queueSel = uint16(v)
	case c.QueueSize:
		if uint16(v) <= q.max && uint16(v)&(uint16(v)-1) == 0 {
			q.size = uint16(v)
		}
	case c.QueueMSIXVector:
		q.vector = n.vectorOK(uint16(v))
	case c.QueueEnable:
		q.enable = uint16(v)
	case c.QueueDesc, c.QueueDesc + 4:
		set64(&q.desc, off == c.QueueDesc+4)
	case c.QueueDriver, c.QueueDriver + 4:
		set64(&q.avail, off == c.QueueDriver+4)
	case c.QueueDevice, c.QueueDevice + 4:
		set64(&q.used, off == c.QueueDevice+4)
	}
}

func (n *Net) vectorOK(v uint16) uint16 {
	if v < NumVectors {
		return v
	}
	return virtio.NoVector
}

func (n *Net) live(q *queueState) bool {
	return n.status&virtio.StatusDriverOK != 0 && q.enable == 1
}

// ring returns windows over queue q's available and used rings.
func (n *Net) ring(q *queueState) (desc []byte, avail, used *hw.Window, err error) {
	if desc, err = n.Mem.Resolve(q.desc, 16*int(q.size)); err != nil {
		return
	}
	a, err := n.Mem.Resolve(q.avail, 6+2*int(q.size))
	if err != nil {
		return
	}
	u, err := n.Mem.Resolve(q.used, 6+8*int(q.size))
	if err != nil {
		return
	}
	return desc, hw.WindowOf(a), hw.WindowOf(u), nil
}

type segment struct {
	buf   []byte
	write bool
}

// chain resolves the descriptor chain at head.
func (n *Net) chain(q *queueState, desc []byte, head uint16) ([]segment, error) {
	var out []segment
	d := head
	for i := 0; ; i++ {
		if d >= q.size || i >= int(q.size) {
			return nil, fmt.Errorf("descriptor chain from %d: index %d or loop", head, d)
		}
		e := desc[16*int(d):]
		addr := binary.LittleEndian.Uint64(e)
		ln := binary.LittleEndian.Uint32(e[8:])
		flags := binary.LittleEndian.Uint16(e[12:])
		b, err := n.Mem.Resolve(addr, int(ln))
		if err != nil {
			return nil, err
		}
		out = append(out, segment{b, flags&virtio.DescWrite != 0})
		if flags&virtio.DescNext == 0 {
			return out, nil
		}
		d = binary.LittleEndian.Uint16(e[14:])
	}
}

func (n *Net) complete(q *queueState, used *hw.Window, head uint16, written uint32) {
	e := 4 + 8*uint64(q.usedIdx%q.size)
	used.Write32(e, uint32(head))
	used.Write32(e+4, written)
	q.usedIdx++
	used.Write32(0, uint32(q.usedIdx)<<16)
}

func (n *Net) interruptLocked(q *queueState) {
	if q.vector != virtio.NoVector {
		n.Vectors[q.vector].Fire()
		return
	}
	n.isr |= 1
	n.INTx.Fire()
}

func (n *Net) transmitLocked() {
	q := &n.queues[1]
	if !n.live(q) {
		return
	}
	desc, avail, used, err := n.ring(q)
	if err != nil {
		n.Errors = append(n.Errors, err)
		return
	}
	any := false
	for q.lastAvail != uint16(avail.Read32(0)>>16) {
		head := avail.Read16(4 + 2*uint64(q.lastAvail%q.size))
		q.lastAvail++
		segs, err := n.chain(q, desc, head)
		if err != nil {
			n.Errors = append(n.Errors, err)
			continue
		}
		var pkt []byte
		for _, s := range segs {
			if s.write {
				n.Errors = append(n.Errors, fmt.Errorf("transmit chain %d has a device-writable buffer", head))
			}
			pkt = append(pkt, s.buf...)
		}
		if len(pkt) < netHdrLen {
			n.Errors = append(n.Errors, fmt.Errorf("transmit chain %d shorter than the header", head))
		} else {
			frame := pkt[netHdrLen:]
			n.Sent = append(n.Sent, frame)
			if n.OnSend != nil {
				f := n.OnSend
				n.mu.Unlock()
				f(frame)
				n.mu.Lock()
			}
		}
		n.complete(q, used, head, 0)
		any = true
	}
	if any {
		n.interruptLocked(q)
	}
}

func (n *Net) deliverLocked() {
	q := &n.queues[0]
	if !n.live(q) || len(n.pending) == 0 {
		return
	}
	desc, avail, used, err := n.ring(q)
	if err != nil {
		n.Errors = append(n.Errors, err)
		return
	}
	any := false
	for len(n.pending) > 0 && q.lastAvail != uint16(avail.Read32(0)>>16) {
		head := avail.Read16(4 + 2*uint64(q.lastAvail%q.size))
		q.lastAvail++
		segs, err := n.chain(q, desc, head)
		if err != nil {
			n.Errors = append(n.Errors, err)
			continue
		}
		pkt := make([]byte, netHdrLen, netHdrLen+len(n.pending[0]))
		binary.LittleEndian.PutUint16(pkt[10:], 1) // num_buffers
		pkt = append(pkt, n.pending[0]...)
		n.pending = n.pending[1:]
		written := 0
		for _, s := range segs {
			if !s.write {
				n.Errors = append(n.Errors, fmt.Errorf("receive chain %d has a device-readable buffer", head))
				continue
			}
			written += copy(s.buf, pkt[written:])
		}
		if written < len(pkt) {
			n.Errors = append(n.Errors, fmt.Errorf("receive buffer of chain %d too small for %d bytes", head, len(pkt)))
		}
		n.complete(q, used, head, uint32(written))
		any = true
	}
	if any {
		n.interruptLocked(q)
	}
}
