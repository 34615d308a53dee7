package virtio

import (
	"errors"
	"fmt"

	"beryl/userspace/drivers/hw"
)

// Common configuration structure offsets (§4.1.4.3).
const (
	commonDeviceFeatureSelect = 0x00
	commonDeviceFeature       = 0x04
	commonDriverFeatureSelect = 0x08
	commonDriverFeature       = 0x0C
	commonMSIXConfig          = 0x10
	commonNumQueues           = 0x12
	commonDeviceStatus        = 0x14
	commonConfigGeneration    = 0x15
	commonQueueSelect         = 0x16
	commonQueueSize           = 0x18
	commonQueueMSIXVector     = 0x1A
	commonQueueEnable         = 0x1C
	commonQueueNotifyOff      = 0x1E
	commonQueueDesc           = 0x20
	commonQueueDriver         = 0x28
	commonQueueDevice         = 0x30
	commonCfgLen              = 0x38
)

// CommonOffsets exposes the common configuration layout to device models.
var CommonOffsets = struct {
	DeviceFeatureSelect, DeviceFeature, DriverFeatureSelect, DriverFeature,
	MSIXConfig, NumQueues, DeviceStatus, ConfigGeneration, QueueSelect,
	QueueSize, QueueMSIXVector, QueueEnable, QueueNotifyOff, QueueDesc,
	QueueDriver, QueueDevice, Len uint64
}{commonDeviceFeatureSelect, commonDeviceFeature, commonDriverFeatureSelect, commonDriverFeature,
	commonMSIXConfig, commonNumQueues, commonDeviceStatus, commonConfigGeneration, commonQueueSelect,
	commonQueueSize, commonQueueMSIXVector, commonQueueEnable, commonQueueNotifyOff, commonQueueDesc,
	commonQueueDriver, commonQueueDevice, commonCfgLen}

// Device status bits (§2.1).
const (
	StatusAcknowledge      = 1
	StatusDriver           = 2
	StatusDriverOK         = 4
	StatusFeaturesOK       = 8
	StatusDeviceNeedsReset = 64
	StatusFailed           = 128
)

// Reserved feature bits (§6).
const (
	FeatureRingIndirectDesc = 1 << 28
	FeatureRingEventIdx     = 1 << 29
	FeatureVersion1         = 1 << 32
	FeatureAccessPlatform   = 1 << 33
)

// NoVector is the MSI-X vector value for "no interrupt" (§4.1.5.1.2).
const NoVector = 0xFFFF

// Errors of device initialisation.
var (
	ErrFeatures   = errors.New("virtio: device refused the features (FEATURES_OK not kept)")
	ErrMissing    = errors.New("virtio: device lacks a required feature")
	ErrNoQueue    = errors.New("virtio: queue not available")
	ErrResetStuck = errors.New("virtio: device status stays non-zero after reset")
	ErrVector     = errors.New("virtio: device refused the MSI-X vector")
)

// Transport is an open modern virtio PCI function.
type Transport struct {
	common, notify, isr, device hw.MMIO
	notifyMul                   uint32
	features                    uint64
}

// Open builds the transport from the layout and a function mapping BARs.
func Open(l Layout, bar func(index int) (hw.MMIO, error)) (*Transport, error) {
	sub := func(r Region) (hw.MMIO, error) {
		m, err := bar(r.BAR)
		if err != nil {
			return nil, fmt.Errorf("virtio: BAR %d: %w", r.BAR, err)
		}
		return hw.Sub{M: m, Off: uint64(r.Offset)}, nil
	}
	t := &Transport{notifyMul: l.NotifyMultiplier}
	var err error
	if t.common, err = sub(l.Common); err != nil {
		return nil, err
	}
	if t.notify, err = sub(l.Notify); err != nil {
		return nil, err
	}
	if t.isr, err = sub(l.ISR); err != nil {
		return nil, err
	}
	if l.hasDevice {
		if t.device, err = sub(l.Device); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Status reads the device status.
func (t *Transport) Status() uint8 { return t.common.Read8(commonDeviceStatus) }

func (t *Transport) addStatus(bits uint8) {
	t.common.Write8(commonDeviceStatus, t.Status()|bits)
}

// Fail sets FAILED: the driver gave up on the device.
func (t *Transport) Fail() { t.addStatus(StatusFailed) }

// Reset writes 0 to the status and waits until the device reads back 0
// (§4.1.4.3.2).
func (t *Transport) Reset() error {
	t.common.Write8(commonDeviceStatus, 0)
	for i := 0; i < 1_000_000; i++ {
		if t.Status() == 0 {
			return nil
		}
	}
	return ErrResetStuck
}

// DeviceFeatures reads the 64 feature bits the device offers.
func (t *Transport) DeviceFeatures() uint64 {
	t.common.Write32(commonDeviceFeatureSelect, 0)
	lo := t.common.Read32(commonDeviceFeature)
	t.common.Write32(commonDeviceFeatureSelect, 1)
	hi := t.common.Read32(commonDeviceFeature)
	return uint64(hi)<<32 | uint64(lo)
}

// Negotiate performs steps 1-6 of §3.1.1: reset, ACKNOWLEDGE, DRIVER,
// accept the offered features among wanted, set FEATURES_OK and check the
// device kept it. required (VERSION_1 is always required) must all be
// offered. It returns the accepted features.
func (t *Transport) Negotiate(wanted, required uint64) (uint64, error) {
	required |= FeatureVersion1
	wanted |= required
	if err := t.Reset(); err != nil {
		return 0, err
	}
	t.addStatus(StatusAcknowledge)
	t.addStatus(StatusDriver)
	offered := t.DeviceFeatures()
	if offered&required != required {
		t.Fail()
		return 0, fmt.Errorf("%w: offered %#x, required %#x", ErrMissing, offered, required)
	}
	acc := offered & wanted
	t.common.Write32(commonDriverFeatureSelect, 0)
	t.common.Write32(commonDriverFeature, uint32(acc))
	t.common.Write32(commonDriverFeatureSelect, 1)
	t.common.Write32(commonDriverFeature, uint32(acc>>32))
	t.addStatus(StatusFeaturesOK)
	if t.Status()&StatusFeaturesOK == 0 {
		t.Fail()
		return 0, ErrFeatures
	}
	t.features = acc
	return acc, nil
}

// Features returns the negotiated features.
func (t *Transport) Features() uint64 { return t.features }

// NumQueues is the number of virtqueues the device has.
func (t *Transport) NumQueues() int { return int(t.common.Read16(commonNumQueues)) }

// QueueMax returns queue index's maximum size (0: no such queue).
func (t *Transport) QueueMax(index uint16) uint16 {
	t.common.Write16(commonQueueSelect, index)
	return t.common.Read16(commonQueueSize)
}

// SetConfigVector routes configuration-change interrupts to an MSI-X
// vector (NoVector: none).
func (t *Transport) SetConfigVector(v uint16) error {
	t.common.Write16(commonMSIXConfig, v)
	if t.common.Read16(commonMSIXConfig) != v {
		return ErrVector
	}
	return nil
}

// SetupQueue tells the device where q's rings are and enables it
// (§4.1.5.1.3); vector is its MSI-X vector or NoVector.
func (t *Transport) SetupQueue(q *Queue, vector uint16) error {
	t.common.Write16(commonQueueSelect, q.Index)
	max := t.common.Read16(commonQueueSize)
	if max == 0 || t.common.Read16(commonQueueEnable) != 0 {
		return fmt.Errorf("%w: %d", ErrNoQueue, q.Index)
	}
	if q.Size > max {
		return fmt.Errorf("virtio: queue %d of %d entries, device allows %d", q.Index, q.Size, max)
	}
	t.common.Write16(commonQueueSize, q.Size)
	write64 := func(off uint64, v uint64) {
		t.common.Write32(off, uint32(v))
		t.common.Write32(off+4, uint32(v>>32))
	}
	write64(commonQueueDesc, q.DescAddr())
	write64(commonQueueDriver, q.AvailAddr())
	write64(commonQueueDevice, q.UsedAddr())
	t.common.Write16(commonQueueMSIXVector, vector)
	if t.common.Read16(commonQueueMSIXVector) != vector {
		return ErrVector
	}
	q.notifyOff = uint64(t.common.Read16(commonQueueNotifyOff)) * uint64(t.notifyMul)
	q.transport = t
	t.common.Write16(commonQueueEnable, 1)
	return nil
}

// DriverOK sets DRIVER_OK: the device is live.
func (t *Transport) DriverOK() { t.addStatus(StatusDriverOK) }

// ReadISR reads (and thereby clears) the ISR status: bit 0 a queue
// interrupt, bit 1 a configuration change (INTx only, §4.1.4.5).
func (t *Transport) ReadISR() uint8 { return t.isr.Read8(0) }

// DeviceConfig is the device-specific configuration structure (nil if
// the device has none).
func (t *Transport) DeviceConfig() hw.MMIO { return t.device }

// ReadConfig runs read until the configuration generation is the same
// before and after it, so that a multi-field read is consistent
// (§4.1.4.3.1).
func (t *Transport) ReadConfig(read func(cfg hw.MMIO)) {
	for {
		g := t.common.Read8(commonConfigGeneration)
		read(t.device)
		if t.common.Read8(commonConfigGeneration) == g {
			return
		}
	}
}

func (t *Transport) kick(q *Queue) { t.notify.Write16(q.notifyOff, q.Index) }
