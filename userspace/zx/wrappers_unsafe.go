package zx

import (
	"bytes"
	"unsafe"
)

// Idiomatic wrappers over the raw layer. Methods return nil or a Status.

func errOf(s Status) error { return s.Err() }

// Close closes the handle.
func (h Handle) Close() error { return errOf(Sys_handle_close(h)) }

// Duplicate returns a new handle to the same object with rights
// (RightSameRights keeps them).
func (h Handle) Duplicate(rights Rights) (Handle, error) {
	var out Handle
	return out, errOf(Sys_handle_duplicate(h, rights, &out))
}

// Replace invalidates h and returns a new handle with rights.
func (h Handle) Replace(rights Rights) (Handle, error) {
	var out Handle
	return out, errOf(Sys_handle_replace(h, rights, &out))
}

// Signal clears then sets user signals on the object.
func (h Handle) Signal(clear, set Signals) error {
	return errOf(Sys_object_signal(h, uint32(clear), uint32(set)))
}

// SignalPeer clears then sets user signals on the peer.
func (h Handle) SignalPeer(clear, set Signals) error {
	return errOf(Sys_object_signal_peer(h, uint32(clear), uint32(set)))
}

// WaitOne waits for any of signals until deadline and returns the
// observed signals (also on TIMED_OUT and CANCELED).
func (h Handle) WaitOne(signals Signals, deadline Time) (Signals, error) {
	var obs Signals
	return obs, errOf(Sys_object_wait_one(h, signals, deadline, &obs))
}

// BasicInfo returns ZX_INFO_HANDLE_BASIC for h.
func (h Handle) BasicInfo() (InfoHandleBasic, error) {
	var info InfoHandleBasic
	err := errOf(Sys_object_get_info(h, ObjectInfoHandleBasic, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	return info, err
}

// GetInfo reads topic into buf and returns the records written and
// available.
func (h Handle) GetInfo(topic uint32, buf []byte) (actual, avail uint, err error) {
	err = errOf(Sys_object_get_info(h, topic, bufPtr(buf), uint(len(buf)), &actual, &avail))
	return
}

// Name returns ZX_PROP_NAME.
func (h Handle) Name() (string, error) {
	var b [MaxNameLen]byte
	if err := errOf(Sys_object_get_property(h, PropName, unsafe.Pointer(&b[0]), uint(len(b)))); err != nil {
		return "", err
	}
	return trimNUL(b[:]), nil
}

// trimNUL returns b up to its first NUL byte (fixed-size string
// properties are NUL-padded).
func trimNUL(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// SetName sets ZX_PROP_NAME (truncated to 31 bytes).
func (h Handle) SetName(name string) error {
	b := []byte(name)
	return errOf(Sys_object_set_property(h, PropName, bufPtr(b), uint(len(b))))
}

// WaitMany waits on several handles; items' Pending fields are filled.
func WaitMany(items []WaitItem, deadline Time) error {
	var p *WaitItem
	if len(items) > 0 {
		p = &items[0]
	}
	return errOf(Sys_object_wait_many(p, uint(len(items)), deadline))
}

func bufPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func handlePtr(hs []Handle) *Handle {
	if len(hs) == 0 {
		return nil
	}
	return &hs[0]
}

// Now returns the monotonic clock.
func Now() Time { return Sys_clock_get_monotonic() }

// Sleep sleeps until deadline.
func Sleep(deadline Time) error { return errOf(Sys_nanosleep(deadline)) }

// Event is an event object.
type Event struct{ Handle }

// NewEvent creates an event.
func NewEvent(options uint32) (Event, error) {
	var h Handle
	return Event{h}, errOf(Sys_event_create(options, &h))
}

// EventPair is one end of an event pair.
type EventPair struct{ Handle }

// NewEventPair creates an event pair.
func NewEventPair(options uint32) (EventPair, EventPair, error) {
	var a, b Handle
	err := errOf(Sys_eventpair_create(options, &a, &b))
	return EventPair{a}, EventPair{b}, err
}

// Channel is one end of a channel.
type Channel struct{ Handle }

// NewChannel creates a channel.
func NewChannel(options uint32) (Channel, Channel, error) {
	var a, b Handle
	err := errOf(Sys_channel_create(options, &a, &b))
	return Channel{a}, Channel{b}, err
}

// Write writes a message; every handle is consumed.
func (c Channel) Write(data []byte, handles []Handle, options uint32) error {
	return errOf(Sys_channel_write(c.Handle, options, bufPtr(data), uint32(len(data)), handlePtr(handles), uint32(len(handles))))
}

// Read reads a message into data and handles and returns their sizes (the
// needed sizes with ErrBufferTooSmall).
func (c Channel) Read(data []byte, handles []Handle, options uint32) (n, nh uint32, err error) {
	err = errOf(Sys_channel_read(c.Handle, options, bufPtr(data), handlePtr(handles), uint32(len(data)), uint32(len(handles)), &n, &nh))
	return
}

// WriteEtc writes a message with handle dispositions (results are set).
func (c Channel) WriteEtc(data []byte, disp []HandleDisposition, options uint32) error {
	var p *HandleDisposition
	if len(disp) > 0 {
		p = &disp[0]
	}
	return errOf(Sys_channel_write_etc(c.Handle, options, bufPtr(data), uint32(len(data)), p, uint32(len(disp))))
}

// ReadEtc reads a message with each handle's type and rights.
func (c Channel) ReadEtc(data []byte, infos []HandleInfo, options uint32) (n, nh uint32, err error) {
	var p *HandleInfo
	if len(infos) > 0 {
		p = &infos[0]
	}
	err = errOf(Sys_channel_read_etc(c.Handle, options, bufPtr(data), p, uint32(len(data)), uint32(len(infos)), &n, &nh))
	return
}

// Call writes a request (its first 4 bytes are replaced by a txid) and
// waits for the reply until deadline.
func (c Channel) Call(deadline Time, wr []byte, wrh []Handle, rd []byte, rdh []Handle) (n, nh uint32, err error) {
	args := ChannelCallArgs{
		WriteNumBytes: uint32(len(wr)), WriteNumHandles: uint32(len(wrh)),
		ReadNumBytes: uint32(len(rd)), ReadNumHandles: uint32(len(rdh)),
		WriteHandles: handlePtr(wrh), ReadHandles: handlePtr(rdh),
	}
	if len(wr) > 0 {
		args.WriteBytes = &wr[0]
	}
	if len(rd) > 0 {
		args.ReadBytes = &rd[0]
	}
	err = errOf(Sys_channel_call(c.Handle, 0, deadline, &args, &n, &nh))
	return
}

// Socket is one end of a socket.
type Socket struct{ Handle }

// NewSocket creates a socket (SocketStream or SocketDatagram).
func NewSocket(options uint32) (Socket, Socket, error) {
	var a, b Handle
	err := errOf(Sys_socket_create(options, &a, &b))
	return Socket{a}, Socket{b}, err
}

// Write writes data and returns how much was written.
func (s Socket) Write(data []byte, options uint32) (int, error) {
	var n uint
	err := errOf(Sys_socket_write(s.Handle, options, bufPtr(data), uint(len(data)), &n))
	return int(n), err
}

// Read reads into data and returns how much was read.
func (s Socket) Read(data []byte, options uint32) (int, error) {
	var n uint
	err := errOf(Sys_socket_read(s.Handle, options, bufPtr(data), uint(len(data)), &n))
	return int(n), err
}

// SetDisposition disables or re-enables writes on this end and its peer.
func (s Socket) SetDisposition(disposition, peer uint32) error {
	return errOf(Sys_socket_set_disposition(s.Handle, disposition, peer))
}

// Fifo is one end of a fifo.
type Fifo struct{ Handle }

// NewFifo creates a fifo of count elements of size bytes.
func NewFifo(count, size uint, options uint32) (Fifo, Fifo, error) {
	var a, b Handle
	err := errOf(Sys_fifo_create(count, size, options, &a, &b))
	return Fifo{a}, Fifo{b}, err
}

// Write writes up to count elements of elemSize bytes from data.
func (f Fifo) Write(data []byte, elemSize uint) (uint, error) {
	var n uint
	err := errOf(Sys_fifo_write(f.Handle, elemSize, bufPtr(data), uint(len(data))/max(elemSize, 1), &n))
	return n, err
}

// Read reads up to len(data)/elemSize elements.
func (f Fifo) Read(data []byte, elemSize uint) (uint, error) {
	var n uint
	err := errOf(Sys_fifo_read(f.Handle, elemSize, bufPtr(data), uint(len(data))/max(elemSize, 1), &n))
	return n, err
}

// Port is a port.
type Port struct{ Handle }

// NewPort creates a port.
func NewPort(options uint32) (Port, error) {
	var h Handle
	return Port{h}, errOf(Sys_port_create(options, &h))
}

// Queue queues a user packet.
func (p Port) Queue(pk *PortPacket) error { return errOf(Sys_port_queue(p.Handle, pk)) }

// Wait waits for a packet until deadline.
func (p Port) Wait(deadline Time) (PortPacket, error) {
	var pk PortPacket
	err := errOf(Sys_port_wait(p.Handle, deadline, &pk))
	return pk, err
}

// WaitAsync asks for a packet with key when h asserts signals.
func (p Port) WaitAsync(h Handle, key uint64, signals Signals, options uint32) error {
	return errOf(Sys_object_wait_async(h, p.Handle, key, signals, options))
}

// Cancel cancels async waits on source with key.
func (p Port) Cancel(source Handle, key uint64) error {
	return errOf(Sys_port_cancel(p.Handle, source, key))
}

// Signal returns the payload of a ZX_PKT_TYPE_SIGNAL_ONE packet.
func (pk *PortPacket) Signal() *PacketSignal { return (*PacketSignal)(unsafe.Pointer(&pk.Payload[0])) }

// Timer is a timer.
type Timer struct{ Handle }

// NewTimer creates a timer on clock (ClockMonotonic).
func NewTimer(options, clock uint32) (Timer, error) {
	var h Handle
	return Timer{h}, errOf(Sys_timer_create(options, clock, &h))
}

// Set arms the timer.
func (t Timer) Set(deadline Time, slack Duration) error {
	return errOf(Sys_timer_set(t.Handle, deadline, slack))
}

// Cancel disarms the timer.
func (t Timer) Cancel() error { return errOf(Sys_timer_cancel(t.Handle)) }

// Vmo is a virtual memory object.
type Vmo struct{ Handle }

// NewVmo creates a VMO of size bytes.
func NewVmo(size uint64, options uint32) (Vmo, error) {
	var h Handle
	return Vmo{h}, errOf(Sys_vmo_create(size, options, &h))
}

// Read reads len(data) bytes at offset.
func (v Vmo) Read(data []byte, offset uint64) error {
	return errOf(Sys_vmo_read(v.Handle, bufPtr(data), offset, uint(len(data))))
}

// Write writes data at offset.
func (v Vmo) Write(data []byte, offset uint64) error {
	return errOf(Sys_vmo_write(v.Handle, bufPtr(data), offset, uint(len(data))))
}

// Size returns the VMO's size.
func (v Vmo) Size() (uint64, error) {
	var n uint64
	return n, errOf(Sys_vmo_get_size(v.Handle, &n))
}

// ReplaceAsExecutable consumes v and returns a handle to the same VMO
// with ZX_RIGHT_EXECUTE added (vmex: a VMEX resource or HandleInvalid).
func (v Vmo) ReplaceAsExecutable(vmex Handle) (Vmo, error) {
	var h Handle
	err := errOf(Sys_vmo_replace_as_executable(v.Handle, vmex, &h))
	return Vmo{h}, err
}

// CreateChild creates a child VMO (VMOChild* options) of size bytes at
// offset.
func (v Vmo) CreateChild(options uint32, offset, size uint64) (Vmo, error) {
	var h Handle
	err := errOf(Sys_vmo_create_child(v.Handle, options, offset, size, &h))
	return Vmo{h}, err
}

// SetSize resizes the VMO.
func (v Vmo) SetSize(size uint64) error { return errOf(Sys_vmo_set_size(v.Handle, size)) }

// OpRange runs op (VMOOpCommit, ...) on a range.
func (v Vmo) OpRange(op uint32, offset, size uint64) error {
	return errOf(Sys_vmo_op_range(v.Handle, op, offset, size, nil, 0))
}

// Vmar is a virtual memory address region.
type Vmar struct{ Handle }

// Allocate creates a child VMAR.
func (v Vmar) Allocate(options VMFlag, offset, size uint) (Vmar, Vaddr, error) {
	var h Handle
	var addr Vaddr
	err := errOf(Sys_vmar_allocate(v.Handle, options, offset, size, &h, &addr))
	return Vmar{h}, addr, err
}

// Map maps len bytes of vmo at vmoOffset.
func (v Vmar) Map(options VMFlag, vmarOffset uint, vmo Vmo, vmoOffset uint64, length uint) (Vaddr, error) {
	var addr Vaddr
	return addr, errOf(Sys_vmar_map(v.Handle, options, vmarOffset, vmo.Handle, vmoOffset, length, &addr))
}

// Unmap unmaps a range.
func (v Vmar) Unmap(addr Vaddr, length uint) error {
	return errOf(Sys_vmar_unmap(v.Handle, addr, length))
}

// Protect changes protections of a range.
func (v Vmar) Protect(options VMFlag, addr Vaddr, length uint) error {
	return errOf(Sys_vmar_protect(v.Handle, options, addr, length))
}

// Destroy destroys the VMAR.
func (v Vmar) Destroy() error { return errOf(Sys_vmar_destroy(v.Handle)) }

// Job is a job.
type Job struct{ Handle }

// NewJob creates a child job of parent.
func NewJob(parent Job, options uint32) (Job, error) {
	var h Handle
	return Job{h}, errOf(Sys_job_create(parent.Handle, options, &h))
}

// SetPolicyBasic sets ZX_JOB_POL_BASIC_V2 entries.
func (j Job) SetPolicyBasic(options uint32, pol []PolicyBasic) error {
	var p unsafe.Pointer
	if len(pol) > 0 {
		p = unsafe.Pointer(&pol[0])
	}
	return errOf(Sys_job_set_policy(j.Handle, options, JobPolBasicV2, p, uint32(len(pol))))
}

// Kill kills the job.
func (j Job) Kill() error { return errOf(Sys_task_kill(j.Handle)) }

// Process is a process.
type Process struct{ Handle }

// NewProcess creates a process in job; it returns the process and its
// root VMAR.
func NewProcess(job Job, name string, options uint32) (Process, Vmar, error) {
	var p, v Handle
	// The name pointer is never NULL (NULL is ZX_ERR_INVALID_ARGS).
	b := append([]byte(name), 0)
	err := errOf(Sys_process_create(job.Handle, &b[0], uint(len(name)), options, &p, &v))
	return Process{p}, Vmar{v}, err
}

// Start starts the process's first thread; arg1 is transferred.
func (p Process) Start(thread Thread, entry, stack Vaddr, arg1 Handle, arg2 uintptr) error {
	return errOf(Sys_process_start(p.Handle, thread.Handle, entry, stack, arg1, arg2))
}

// Kill kills the process.
func (p Process) Kill() error { return errOf(Sys_task_kill(p.Handle)) }

// SetClass sets the security class the kos IPC policy names the process
// by (beryl_process_set_class), before it starts; resource is the root
// resource.
func (p Process) SetClass(resource Handle, class string) error {
	b := []byte(class)
	var pb *uint8
	if len(b) > 0 {
		pb = &b[0]
	}
	return errOf(Sys_beryl_process_set_class(resource, p.Handle, pb, uint(len(b))))
}

// Class returns the process's security class (ZX_PROP_PROCESS_CLASS; ""
// when it has none).
func (p Process) Class() (string, error) {
	var b [MaxClassLen]byte
	if err := errOf(Sys_object_get_property(p.Handle, PropProcessClass, unsafe.Pointer(&b[0]), uint(len(b)))); err != nil {
		return "", err
	}
	return trimNUL(b[:]), nil
}

// Info returns ZX_INFO_PROCESS (started, exited, return code).
func (p Process) Info() (InfoProcess, error) {
	var info InfoProcess
	err := errOf(Sys_object_get_info(p.Handle, ObjectInfoProcess, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	return info, err
}

// Threads returns the koids of the process's running threads
// (ZX_INFO_PROCESS_THREADS; needs ZX_RIGHT_ENUMERATE).
func (p Process) Threads() ([]Koid, error) {
	var actual, avail uint
	if err := errOf(Sys_object_get_info(p.Handle, ObjectInfoProcessThreads, nil, 0, &actual, &avail)); err != nil {
		return nil, err
	}
	for {
		koids := make([]Koid, avail+4) // room for threads started meanwhile
		if err := errOf(Sys_object_get_info(p.Handle, ObjectInfoProcessThreads, unsafe.Pointer(&koids[0]),
			uint(len(koids))*8, &actual, &avail)); err != nil {
			return nil, err
		}
		if actual == avail {
			return koids[:actual], nil
		}
	}
}

// Info returns ZX_INFO_THREAD (needs ZX_RIGHT_INSPECT).
func (t Thread) Info() (InfoThread, error) {
	var info InfoThread
	err := errOf(Sys_object_get_info(t.Handle, ObjectInfoThread, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	return info, err
}

// GetKernelStats returns Beryl's kernel statistics (beryl_kernel_stats;
// resource: the root resource or HandleInvalid).
func GetKernelStats(resource Handle) (KernelStats, error) {
	var s KernelStats
	err := errOf(Sys_beryl_kernel_stats(resource, unsafe.Pointer(&s), uint(unsafe.Sizeof(s))))
	return s, err
}

// Exit ends the calling process.
func Exit(retcode int64) { Sys_process_exit(retcode) }

// Thread is a thread.
type Thread struct{ Handle }

// NewThread creates a thread in process.
func NewThread(process Process, name string, options uint32) (Thread, error) {
	var h Handle
	// The name pointer is never NULL (NULL is ZX_ERR_INVALID_ARGS).
	b := append([]byte(name), 0)
	return Thread{h}, errOf(Sys_thread_create(process.Handle, &b[0], uint(len(name)), options, &h))
}

// Start starts the thread.
func (t Thread) Start(entry, stack Vaddr, arg1, arg2 uintptr) error {
	return errOf(Sys_thread_start(t.Handle, entry, stack, arg1, arg2))
}

// Kill kills the thread.
func (t Thread) Kill() error { return errOf(Sys_task_kill(t.Handle)) }

// Futex wrappers.

// FutexWait waits on *addr while it holds current.
func FutexWait(addr *int32, current int32, owner Handle, deadline Time) error {
	return errOf(Sys_futex_wait(addr, current, owner, deadline))
}

// FutexWake wakes up to count waiters of addr.
func FutexWake(addr *int32, count uint32) error { return errOf(Sys_futex_wake(addr, count)) }

// Debuglog is a kernel debuglog handle.
type Debuglog struct{ Handle }

// NewDebuglog creates a debuglog handle (resource: the root resource or
// HandleInvalid).
func NewDebuglog(resource Handle, options uint32) (Debuglog, error) {
	var h Handle
	return Debuglog{h}, errOf(Sys_debuglog_create(resource, options, &h))
}

// Write writes a record.
func (d Debuglog) Write(msg []byte) error {
	return errOf(Sys_debuglog_write(d.Handle, 0, bufPtr(msg), uint(len(msg))))
}

// Read reads one record into buf (at least LogRecordMax bytes to avoid
// truncation) and returns its length.
func (d Debuglog) Read(buf []byte) (int, error) {
	st := Sys_debuglog_read(d.Handle, 0, bufPtr(buf), uint(len(buf)))
	if st < 0 {
		return 0, st
	}
	return int(st), nil
}

// CprngDraw fills b from the kernel's CSPRNG, CprngDrawMaxLen bytes a
// call (zx_cprng_draw: it cannot fail; like the vDSO's, it panics if the
// kernel refuses).
func CprngDraw(b []byte) {
	for len(b) > 0 {
		n := min(len(b), CprngDrawMaxLen)
		if st := Sys_cprng_draw_once(unsafe.Pointer(&b[0]), uint(n)); st != OK {
			panic("zx: cprng_draw_once: " + st.String())
		}
		b = b[n:]
	}
}
