// Package klog is the kernel log: levelled, timestamped, line-oriented
// messages written to an output sink (the serial console).
//
// Line format, modelled on Linux dmesg:
//
//	[    1.234567] I mm: mapped 512 pages
//	 ^^^^^^^^^^^^  ^ ^^  ^^^^^^^^^^^^^^^^
//	 seconds since boot, microseconds (%5d.%06d; wider after 99999 s)
//	               level letter: D debug, I info, W warn, E error
//	                 subsystem, then ": " (omitted with the subsystem when empty)
//	                     message
//
// A message containing newlines becomes several lines with the same
// prefix, so every output line is self-describing and greppable; trailing
// newlines are dropped. Each call produces whole lines in one sink call.
// Bytes a terminal would act on (control characters but tab, DEL, invalid
// UTF-8, C1 controls) are written as \xNN. Strings a user chose (process
// names, ...) go through Escape at the call site, which also escapes
// newlines, so that they cannot start a line of their own.
//
// Messages logged before Init (no sink yet) are kept in a bounded early
// buffer and written out when the sink is set; if the buffer overflows,
// the newest messages are dropped and a warning says how many.
//
// klog runs in ordinary goroutine context and may allocate; it is not for
// trap handlers. It is safe for concurrent use.
//
// Lock order: Logger.mu is a leaf lock. It is held while the sink runs,
// so a sink must not log (it would deadlock) and must not block for long.
package klog

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Level is a message severity.
type Level int32

// Levels, in increasing severity.
const (
	Debug Level = iota
	Info
	Warn
	Error
)

// String returns "debug", "info", "warn" or "error".
func (l Level) String() string {
	switch l {
	case Debug:
		return "debug"
	case Info:
		return "info"
	case Warn:
		return "warn"
	case Error:
		return "error"
	}
	return "level(" + strconv.Itoa(int(l)) + ")"
}

// Letter is the one-character tag used in log lines.
func (l Level) Letter() byte {
	switch l {
	case Debug:
		return 'D'
	case Info:
		return 'I'
	case Warn:
		return 'W'
	case Error:
		return 'E'
	}
	return '?'
}

// ParseLevel parses a level name as used by the loglevel option
// (case-insensitive).
func ParseLevel(s string) (Level, bool) {
	for l := Debug; l <= Error; l++ {
		if strings.EqualFold(s, l.String()) {
			return l, true
		}
	}
	return 0, false
}

// EarlyBufferSize bounds the bytes kept before a sink is set.
const EarlyBufferSize = 16 << 10

// Logger is a kernel log. The zero value is not usable; use New.
type Logger struct {
	min atomic.Int32 // minimum level; read without the lock

	mu      sync.Mutex // guards everything below
	sink    func([]byte)
	clock   func() int64
	buf     []byte // line under construction, reused
	early   []byte // lines logged before a sink was set
	dropped int    // early lines dropped for lack of space
}

// New returns a logger writing to sink with timestamps from clock
// (nanoseconds since boot). Either may be nil: without a sink, lines go
// to the early buffer; without a clock, timestamps are zero. The sink
// receives whole lines and must not keep the slice after returning (it is
// reused).
func New(sink func([]byte), clock func() int64, min Level) *Logger {
	l := &Logger{sink: sink, clock: clock}
	l.min.Store(int32(min))
	return l
}

// Init sets the sink, clock and minimum level, and flushes the early
// buffer to the new sink.
func (l *Logger) Init(sink func([]byte), clock func() int64, min Level) {
	l.min.Store(int32(min))
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sink, l.clock = sink, clock
	if sink == nil {
		return
	}
	if len(l.early) > 0 {
		sink(l.early)
		l.early = nil
	}
	if l.dropped > 0 {
		l.buf = l.appendLines(l.buf[:0], Warn, "klog", fmt.Sprintf("%d early messages dropped", l.dropped))
		l.dropped = 0
		sink(l.buf)
	}
}

// SetLevel changes the minimum level.
func (l *Logger) SetLevel(min Level) { l.min.Store(int32(min)) }

// Level returns the minimum level.
func (l *Logger) Level() Level { return Level(l.min.Load()) }

// Enabled reports whether messages at level are written, so callers can
// skip expensive argument preparation.
func (l *Logger) Enabled(level Level) bool { return int32(level) >= l.min.Load() }

// Logf formats and writes a message at level for subsystem subsys.
func (l *Logger) Logf(level Level, subsys, format string, args ...any) {
	if !l.Enabled(level) {
		return
	}
	// Format outside the lock: a String method that logs must not
	// deadlock.
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = l.appendLines(l.buf[:0], level, subsys, msg)
	if l.sink != nil {
		l.sink(l.buf)
		return
	}
	if len(l.early)+len(l.buf) > EarlyBufferSize {
		l.dropped++
		return
	}
	l.early = append(l.early, l.buf...)
}

// appendLines formats msg as one or more lines with a common prefix.
// Called with l.mu held (it reads the clock and uses the shared buffer).
func (l *Logger) appendLines(b []byte, level Level, subsys, msg string) []byte {
	var ns int64
	if l.clock != nil {
		ns = l.clock()
	}
	var pbuf [64]byte
	prefix := appendPrefix(pbuf[:0], ns, level, subsys)
	msg = strings.TrimRight(msg, "\n")
	for {
		line, rest, more := strings.Cut(msg, "\n")
		b = append(b, prefix...)
		b = appendSafe(b, line)
		b = append(b, '\n')
		if !more {
			return b
		}
		msg = rest
	}
}

// appendPrefix appends "[sssss.uuuuuu] L subsys: ".
func appendPrefix(b []byte, ns int64, level Level, subsys string) []byte {
	if ns < 0 {
		ns = 0
	}
	sec, usec := ns/1e9, ns%1e9/1e3
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], sec, 10)
	b = append(b, '[')
	for i := len(s); i < 5; i++ {
		b = append(b, ' ')
	}
	b = append(b, s...)
	b = append(b, '.')
	u := strconv.AppendInt(tmp[:0], usec, 10)
	for i := len(u); i < 6; i++ {
		b = append(b, '0')
	}
	b = append(b, u...)
	b = append(b, ']', ' ', level.Letter(), ' ')
	if subsys != "" {
		b = append(b, subsys...)
		b = append(b, ':', ' ')
	}
	return b
}

// Debugf logs at Debug.
func (l *Logger) Debugf(subsys, format string, args ...any) { l.Logf(Debug, subsys, format, args...) }

// Infof logs at Info.
func (l *Logger) Infof(subsys, format string, args ...any) { l.Logf(Info, subsys, format, args...) }

// Warnf logs at Warn.
func (l *Logger) Warnf(subsys, format string, args ...any) { l.Logf(Warn, subsys, format, args...) }

// Errorf logs at Error.
func (l *Logger) Errorf(subsys, format string, args ...any) { l.Logf(Error, subsys, format, args...) }

// Sub is a logger bound to one subsystem name, so call sites stay short:
// var log = klog.For("pmm"); log.Infof("%d pages free", n).
type Sub struct {
	l    *Logger
	name string
}

// Sub returns a Sub for subsystem name on l.
func (l *Logger) Sub(name string) Sub { return Sub{l, name} }

// Debugf logs at Debug.
func (s Sub) Debugf(format string, args ...any) { s.l.Logf(Debug, s.name, format, args...) }

// Infof logs at Info.
func (s Sub) Infof(format string, args ...any) { s.l.Logf(Info, s.name, format, args...) }

// Warnf logs at Warn.
func (s Sub) Warnf(format string, args ...any) { s.l.Logf(Warn, s.name, format, args...) }

// Errorf logs at Error.
func (s Sub) Errorf(format string, args ...any) { s.l.Logf(Error, s.name, format, args...) }

// Enabled reports whether messages at level are written.
func (s Sub) Enabled(level Level) bool { return s.l.Enabled(level) }

// Default is the kernel's log; the package-level functions use it. Until
// Init is called it buffers lines at Info and above.
var Default = New(nil, nil, Info)

// Init sets the default log's sink, clock and minimum level and flushes
// what was logged before.
func Init(sink func([]byte), clock func() int64, min Level) { Default.Init(sink, clock, min) }

// SetLevel changes the default log's minimum level.
func SetLevel(min Level) { Default.SetLevel(min) }

// For returns a Sub of the default log.
func For(subsys string) Sub { return Default.Sub(subsys) }

// Debugf logs to the default log at Debug.
func Debugf(subsys, format string, args ...any) { Default.Logf(Debug, subsys, format, args...) }

// Infof logs to the default log at Info.
func Infof(subsys, format string, args ...any) { Default.Logf(Info, subsys, format, args...) }

// Warnf logs to the default log at Warn.
func Warnf(subsys, format string, args ...any) { Default.Logf(Warn, subsys, format, args...) }

// Errorf logs to the default log at Error.
func Errorf(subsys, format string, args ...any) { Default.Logf(Error, subsys, format, args...) }

// Escape returns s with every byte that is not printable ASCII, and the
// backslash, written as \xNN (backslash as \\), for user-chosen strings
// (process and thread names, classes) in log lines: a name must not start
// a forged log line or send escape sequences to the console. It returns s
// itself, without allocating, when there is nothing to escape.
func Escape(s string) string {
	i := 0
	for i < len(s) && isPlain(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case isPlain(c):
			b = append(b, c)
		case c == '\\':
			b = append(b, '\\', '\\')
		default:
			b = appendHexByte(b, c)
		}
	}
	return string(b)
}

// isPlain reports whether c stands for itself in Escape's output.
func isPlain(c byte) bool { return c >= 0x20 && c < 0x7f && c != '\\' }

const hexDigits = "0123456789abcdef"

func appendHexByte(b []byte, c byte) []byte {
	return append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

// appendSafe appends one line of a message, with the bytes a terminal
// would act on written as \xNN: C0 controls but tab, DEL, and bytes that
// are not part of valid UTF-8 or encode a C1 control (U+0080..U+009F,
// which includes the 8-bit CSI). Kernel messages are mostly ASCII; this
// is the last line of defence for strings the call site did not Escape.
func appendSafe(b []byte, line string) []byte {
	for i := 0; i < len(line); {
		c := line[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' || c == 0x7f {
				b = appendHexByte(b, c)
			} else {
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(line[i:])
		if r == utf8.RuneError && n == 1 || r >= 0x80 && r <= 0x9f {
			for j := 0; j < n; j++ {
				b = appendHexByte(b, line[i+j])
			}
		} else {
			b = append(b, line[i:i+n]...)
		}
		i += n
	}
	return b
}
