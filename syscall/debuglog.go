package zxsys

import (
	"sync"

	"beryl/kernel/object"
)

// Debuglog constants (zircon/syscalls/log.h, zircon/rights.h).
const (
	LogFlagReadable  = 0x40000000 // ZX_LOG_FLAG_READABLE
	LogFlagsMask     = 0x10       // ZX_LOG_FLAGS_MASK (ZX_LOG_LOCAL)
	LogRecordMax     = 256        // ZX_LOG_RECORD_MAX
	LogRecordHeader  = 32         // sizeof(zx_log_record_t)
	LogRecordDataMax = LogRecordMax - LogRecordHeader
	LogInfo          = 0x30 // ZX_LOG_INFO
	DefaultLogRights = object.RightsBasic | object.RightWrite | object.RightSignal
	LogReadable      = object.SignalReadable // ZX_LOG_READABLE
	debuglogCapacity = 1024                  // records kept in the ring
)

// logRecord is one debuglog entry.
type logRecord struct {
	seq       uint32
	severity  uint8
	flags     uint8
	timestamp object.Time
	pid, tid  object.Koid
	data      []byte
}

// encode writes r as a zx_log_record_t into b (len >= header+data) and
// returns its length.
func (r *logRecord) encode(b []byte) int {
	clear(b[:LogRecordHeader])
	le.PutUint32(b[0:], r.seq)
	le.PutUint16(b[4:], uint16(len(r.data)))
	b[6], b[7] = r.severity, r.flags
	le.PutUint64(b[8:], uint64(r.timestamp))
	le.PutUint64(b[16:], uint64(r.pid))
	le.PutUint64(b[24:], uint64(r.tid))
	return LogRecordHeader + copy(b[LogRecordHeader:], r.data)
}

// debugLog is a debuglog object (ZX_OBJ_TYPE_LOG): a handle to the single
// kernel log, with its own read cursor if readable.
type debugLog struct {
	object.Base
	readable bool
	cursor   uint64 // next sequence to read; guarded by dlog.mu
}

// OnDestroy forgets the object.
func (d *debugLog) OnDestroy() {
	dlog.mu.Lock()
	delete(dlog.objs, d.Koid())
	dlog.mu.Unlock()
}

// dlog is the kernel debuglog: a ring of the last debuglogCapacity records.
// Lock order: dlog.mu, then a debugLog's object lock.
var dlog struct {
	mu   sync.Mutex
	ring [debuglogCapacity]logRecord
	head uint64 // sequence of the oldest record kept
	next uint64 // sequence of the next record
	objs map[object.Koid]*debugLog
}

// DebuglogWrite appends a record to the kernel debuglog (the kernel's own
// messages use pid = tid = 0) and signals readers. data beyond
// ZX_LOG_RECORD_DATA_MAX bytes is dropped.
func DebuglogWrite(pid, tid object.Koid, severity, flags uint8, data []byte) {
	if len(data) > LogRecordDataMax {
		data = data[:LogRecordDataMax]
	}
	dlog.mu.Lock()
	defer dlog.mu.Unlock()
	r := &dlog.ring[dlog.next%debuglogCapacity]
	*r = logRecord{seq: uint32(dlog.next), severity: severity, flags: flags, timestamp: object.Now(),
		pid: pid, tid: tid, data: append(r.data[:0], data...)}
	dlog.next++
	if dlog.next-dlog.head > debuglogCapacity {
		dlog.head = dlog.next - debuglogCapacity
	}
	for _, d := range dlog.objs {
		if d.readable {
			d.refreshLocked()
		}
	}
}

// refreshLocked sets ZX_LOG_READABLE from d's cursor; dlog.mu held.
func (d *debugLog) refreshLocked() {
	mu := d.Lock()
	mu.Lock()
	if d.cursor < dlog.next {
		d.UpdateStateLocked(0, LogReadable)
	} else {
		d.UpdateStateLocked(LogReadable, 0)
	}
	mu.Unlock()
}

// lookupLog resolves a debuglog handle with the gate's order.
func lookupLog(c Caller, h object.Handle, rights object.Rights) (*debugLog, object.Status) {
	info, st := gate(c.Process(), h, object.ObjTypeDebugLog, rights)
	if st != object.OK {
		return nil, st
	}
	dlog.mu.Lock()
	d := dlog.objs[info.Koid]
	dlog.mu.Unlock()
	if d == nil {
		return nil, object.ErrBadHandle // closed concurrently
	}
	return d, object.OK
}

func sysDebuglogCreate(c Caller, resource object.Handle, options uint32, out UserPtr) object.Status {
	if st := checkRootResource(c, resource); st != object.OK {
		return st
	}
	if options&^LogFlagReadable != 0 {
		return object.ErrInvalidArgs
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	d := &debugLog{readable: options&LogFlagReadable != 0}
	d.Base.Init(d, object.ObjTypeDebugLog, nil, true, 0)
	rights := DefaultLogRights
	dlog.mu.Lock()
	if dlog.objs == nil {
		dlog.objs = map[object.Koid]*debugLog{}
	}
	dlog.objs[d.Koid()] = d
	if d.readable {
		d.cursor = dlog.head
		d.refreshLocked()
		rights |= object.RightRead
	}
	dlog.mu.Unlock()
	e := object.NewKernelHandle(d, rights)
	d.Release() // the handle holds the object now
	h, st := c.Process().Table().Add(e)
	if st != object.OK {
		object.ReleaseHandle(e)
		return st
	}
	return out1(c, h, object.OK, out)
}

func sysDebuglogWrite(c Caller, h object.Handle, options uint32, buffer UserPtr, size uint64) object.Status {
	if options&^LogFlagsMask != 0 {
		return object.ErrInvalidArgs
	}
	if _, st := lookupLog(c, h, object.RightWrite); st != object.OK {
		return st
	}
	data, st := copyIn(c, buffer, min(size, LogRecordDataMax))
	if st != object.OK {
		return st
	}
	p := c.Process()
	var tid object.Koid
	if ti, ok := c.(ThreadIdentity); ok {
		tid = ti.ThreadKoid()
	}
	DebuglogWrite(p.Koid(), tid, LogInfo, uint8(options&LogFlagsMask), data)
	return object.OK
}

// sysDebuglogRead returns the record's length (a non-negative status). A
// buffer smaller than the record gets its first bytes; the rest is
// dropped, as Zircon documents.
func sysDebuglogRead(c Caller, h object.Handle, options uint32, buffer UserPtr, size uint64) object.Status {
	if options != 0 {
		return object.ErrInvalidArgs
	}
	d, st := lookupLog(c, h, object.RightRead)
	if st != object.OK {
		return st
	}
	n := min(size, LogRecordMax)
	if st := probe(c, buffer, n, true); st != object.OK {
		return st
	}
	var b [LogRecordMax]byte
	dlog.mu.Lock()
	if d.cursor < dlog.head {
		d.cursor = dlog.head // overwritten records are gone: a gap in seq
	}
	if d.cursor >= dlog.next {
		dlog.mu.Unlock()
		return object.ErrShouldWait
	}
	r := &dlog.ring[d.cursor%debuglogCapacity]
	k := r.encode(b[:])
	d.cursor++
	d.refreshLocked()
	dlog.mu.Unlock()
	k = min(k, int(n))
	if copyOut(c, buffer, b[:k]) != object.OK {
		return object.ErrInvalidArgs
	}
	return object.Status(k)
}
