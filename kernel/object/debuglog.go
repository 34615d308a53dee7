package object

import (
	"encoding/binary"
	"sync"
)

// Debuglog constants (zircon/syscalls/log.h, zircon/rights.h).
const (
	LogFlagReadable  uint32 = 0x40000000 // ZX_LOG_FLAG_READABLE (debuglog_create)
	LogLocal         uint32 = 0x10       // ZX_LOG_LOCAL: the only debuglog_write option
	LogRecordMax            = 256        // ZX_LOG_RECORD_MAX
	LogRecordHeader         = 32         // sizeof(zx_log_record_t) without its data
	LogRecordDataMax        = LogRecordMax - LogRecordHeader
	LogInfo          uint8  = 0x30           // ZX_LOG_INFO
	LogReadable             = SignalReadable // ZX_LOG_READABLE
	// DefaultLogRights are a new debuglog handle's rights; a readable one
	// also has READ.
	DefaultLogRights = RightsBasic | RightWrite | RightSignal
)

// debuglogCapacity is how many records the kernel log keeps.
const debuglogCapacity = 1024

// logRecord is one debuglog entry.
type logRecord struct {
	seq       uint32
	severity  uint8
	flags     uint8
	timestamp Time
	pid, tid  Koid
	data      []byte
}

// encode writes r as a zx_log_record_t into b (len >= header+data) and
// returns its length.
func (r *logRecord) encode(b []byte) int {
	clear(b[:LogRecordHeader])
	binary.LittleEndian.PutUint32(b[0:], r.seq)
	binary.LittleEndian.PutUint16(b[4:], uint16(len(r.data)))
	b[6], b[7] = r.severity, r.flags
	binary.LittleEndian.PutUint64(b[8:], uint64(r.timestamp))
	binary.LittleEndian.PutUint64(b[16:], uint64(r.pid))
	binary.LittleEndian.PutUint64(b[24:], uint64(r.tid))
	return LogRecordHeader + copy(b[LogRecordHeader:], r.data)
}

// DebugLog is a debuglog object (ZX_OBJ_TYPE_LOG): a handle to the single
// kernel log, with its own read cursor if readable.
type DebugLog struct {
	Base
	readable bool
	cursor   uint64 // next sequence to read; guarded by dlog.mu
}

// dlog is the kernel debuglog: a ring of the last debuglogCapacity
// records, and the readable logs to signal. Lock order: dlog.mu, then a
// DebugLog's object lock.
var dlog struct {
	mu       sync.Mutex
	ring     [debuglogCapacity]logRecord
	head     uint64 // sequence of the oldest record kept
	next     uint64 // sequence of the next record
	readable map[*DebugLog]struct{}
}

// NewDebugLog returns a debuglog object (the caller holds its one
// reference) and the rights of a handle to it: readable ones start at
// the oldest record kept.
func NewDebugLog(readable bool) (*DebugLog, Rights) {
	d := &DebugLog{readable: readable}
	d.Base.Init(d, ObjTypeDebugLog, nil, true, 0)
	if !readable {
		return d, DefaultLogRights
	}
	dlog.mu.Lock()
	if dlog.readable == nil {
		dlog.readable = map[*DebugLog]struct{}{}
	}
	dlog.readable[d] = struct{}{}
	d.cursor = dlog.head
	d.refreshLocked()
	dlog.mu.Unlock()
	return d, DefaultLogRights | RightRead
}

// OnDestroy stops signalling the object.
func (d *DebugLog) OnDestroy() {
	dlog.mu.Lock()
	delete(dlog.readable, d)
	dlog.mu.Unlock()
}

// DebuglogWrite appends a record to the kernel debuglog (the kernel's own
// messages use pid = tid = 0) and signals readers. Data beyond
// ZX_LOG_RECORD_DATA_MAX bytes is dropped.
func DebuglogWrite(pid, tid Koid, severity, flags uint8, data []byte) {
	if len(data) > LogRecordDataMax {
		data = data[:LogRecordDataMax]
	}
	dlog.mu.Lock()
	defer dlog.mu.Unlock()
	r := &dlog.ring[dlog.next%debuglogCapacity]
	*r = logRecord{seq: uint32(dlog.next), severity: severity, flags: flags, timestamp: Now(),
		pid: pid, tid: tid, data: append(r.data[:0], data...)}
	dlog.next++
	if dlog.next-dlog.head > debuglogCapacity {
		dlog.head = dlog.next - debuglogCapacity
	}
	for d := range dlog.readable {
		d.refreshLocked()
	}
}

// Read takes the next record into b (LogRecordMax bytes) and returns its
// full length; ZX_ERR_SHOULD_WAIT when there is none. A reader that fell
// behind the ring skips to the oldest record kept (a gap in seq).
func (d *DebugLog) Read(b *[LogRecordMax]byte) (int, Status) {
	dlog.mu.Lock()
	defer dlog.mu.Unlock()
	d.cursor = max(d.cursor, dlog.head)
	if d.cursor >= dlog.next {
		return 0, ErrShouldWait
	}
	n := dlog.ring[d.cursor%debuglogCapacity].encode(b[:])
	d.cursor++
	d.refreshLocked()
	return n, OK
}

// Readable reports whether the log was created readable.
func (d *DebugLog) Readable() bool { return d.readable }

// refreshLocked sets ZX_LOG_READABLE from d's cursor; dlog.mu held.
func (d *DebugLog) refreshLocked() {
	mu := d.Lock()
	mu.Lock()
	if d.cursor < dlog.next {
		d.UpdateStateLocked(0, LogReadable)
	} else {
		d.UpdateStateLocked(LogReadable, 0)
	}
	mu.Unlock()
}
