package object

// Signals is zx_signals_t.
type Signals uint32

// Generic and per-type signals (zircon/types.h).
const (
	SignalNone       Signals = 0
	UserSignalAll    Signals = 0xff000000
	objectSignalAll  Signals = 0x00ffffff
	SignalReadable   Signals = 1 << 0
	SignalWritable   Signals = 1 << 1
	SignalPeerClosed Signals = 1 << 2
	SignalSignaled   Signals = 1 << 3
	Signal4          Signals = 1 << 4
	Signal5          Signals = 1 << 5
	Signal6          Signals = 1 << 6
	Signal10         Signals = 1 << 10
	Signal11         Signals = 1 << 11

	SignalHandleClosed Signals = 1 << 23

	SignalUser0 Signals = 1 << 24
	SignalUser1 Signals = 1 << 25
	SignalUser2 Signals = 1 << 26
	SignalUser3 Signals = 1 << 27
	SignalUser4 Signals = 1 << 28
	SignalUser5 Signals = 1 << 29
	SignalUser6 Signals = 1 << 30
	SignalUser7 Signals = 1 << 31

	EventSignaled   = SignalSignaled
	EventSignalMask = UserSignalAll | SignalSignaled

	EventPairSignaled   = SignalSignaled
	EventPairPeerClosed = SignalPeerClosed
	EventPairSignalMask = UserSignalAll | SignalSignaled | SignalPeerClosed

	ChannelReadable   = SignalReadable
	ChannelWritable   = SignalWritable
	ChannelPeerClosed = SignalPeerClosed

	SocketReadable          = SignalReadable
	SocketWritable          = SignalWritable
	SocketPeerClosed        = SignalPeerClosed
	SocketPeerWriteDisabled = Signal4
	SocketWriteDisabled     = Signal5
	SocketReadThreshold     = Signal10
	SocketWriteThreshold    = Signal11

	FIFOReadable   = SignalReadable
	FIFOWritable   = SignalWritable
	FIFOPeerClosed = SignalPeerClosed

	TaskTerminated = SignalSignaled
	// ThreadRunning and ThreadSuspended: exactly one is asserted on a
	// started, live thread (ZX_THREAD_RUNNING, ZX_THREAD_SUSPENDED).
	ThreadRunning   = Signal4
	ThreadSuspended = Signal5
	JobTerminated   = SignalSignaled
	JobNoJobs       = Signal4
	JobNoProcesses  = Signal5
	// JobNoChildren is __ZX_OBJECT_SIGNAL_6, which Zircon's kernel keeps
	// active while a job has neither child jobs nor processes (not in its
	// public headers; its core-tests read it).
	JobNoChildren     = Signal6
	ProcessTerminated = SignalSignaled

	TimerSignaled = SignalSignaled
)
