// Package shell is init's interactive shell: when init has nothing left
// to run it reads commands from the console (serial line and keyboard
// alike) with line editing and history (golang.org/x/term) and shows the
// object model: jobs, processes and threads (ps), a process's handle
// table (handles), the kernel's memory and log (mem, dmesg), and runs,
// kills, tests and benchmarks programs, and reboots or powers off the
// machine.
//
// Console input arrives on the socket the kernel hands init (PA_FD|0);
// output goes to init's stdout, which is the console. A command's error
// is one line; a command that panics is reported and the shell goes on.
// Programs it runs get a read-only bootfs handle and nothing else; the
// programs etc/trusted lists also get the class resource (to name their
// children's kos classes), the conformance families the root resource,
// which their cases need.
package shell

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"golang.org/x/term"

	"beryl/userspace/launch/bootfs"
	"beryl/userspace/zx"
)

// Config is what init hands the shell.
type Config struct {
	// Console is the console input socket (PA_FD|0).
	Console zx.Socket
	// Out is the console output (init's stdout).
	Out io.Writer
	// Bootfs is the boot filesystem programs are found in.
	Bootfs *bootfs.FS
	// Root is the root resource (ZX_HANDLE_INVALID if init has none):
	// dmesg, reboot, poweroff and the conformance families need it.
	Root zx.Handle
	// Env is the environment of the programs it runs.
	Env []string
	// Prompt is shown before each command (default "beryl> ").
	Prompt string
}

// Shell is one interactive session.
type Shell struct {
	cfg  Config
	in   *consoleReader
	term *term.Terminal
	// out is where output goes: the terminal, each write of it sent to
	// the console as one write (lineOut).
	out  io.Writer
	mu   sync.Mutex
	jobs map[zx.Koid]*bgJob // background programs by process koid
}

type bgJob struct {
	name string
	proc zx.Process
}

// command is one shell command.
type command struct {
	name, args, help string
	run              func(s *Shell, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"help", "", "list the commands", (*Shell).help},
		{"ps", "", "jobs, processes and threads: koids, states, memory", (*Shell).ps},
		{"handles", "KOID", "a process's handle table: values, types, rights, koids, related koids, kos badges", (*Shell).handles},
		{"run", "PROG [ARGS...] [&]", "run a program from the boot filesystem, in the foreground or (&) the background", (*Shell).run},
		{"kill", "KOID", "kill a process or job", (*Shell).kill},
		{"mem", "", "physical memory, kernel heap, user pages, objects", (*Shell).mem},
		{"cpus", "", "processors", (*Shell).cpus},
		{"dmesg", "", "the kernel debuglog", (*Shell).dmesg},
		{"policy", "", "the kos IPC policy (etc/policy)", (*Shell).policy},
		{"conformance", "[FAMILY]", "run the conformance families in the boot filesystem", (*Shell).conformance},
		{"bench", "", "microbenchmarks: syscall, event, channel, process launch", (*Shell).bench},
		{"reboot", "", "reset the machine (zx_system_powerctl)", (*Shell).reboot},
		{"poweroff", "", "power the machine off (ACPI S5)", (*Shell).poweroff},
	}
}

// New makes a shell on cfg.
func New(cfg Config) *Shell {
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if cfg.Prompt == "" {
		cfg.Prompt = "beryl> "
	}
	s := &Shell{cfg: cfg, jobs: map[zx.Koid]*bgJob{}}
	s.in = &consoleReader{sock: cfg.Console}
	bw := &batchWriter{w: cfg.Out}
	s.term = term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{s.in, bw}, cfg.Prompt)
	s.out = lineOut{s.term, bw}
	return s
}

// batchWriter passes writes through to w, except while a batch is open:
// it then collects them and sends them as one write when the last open
// batch ends.
type batchWriter struct {
	mu    sync.Mutex
	w     io.Writer
	depth int
	buf   []byte
}

func (b *batchWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.depth > 0 {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	return b.w.Write(p)
}

func (b *batchWriter) begin() {
	b.mu.Lock()
	b.depth++
	b.mu.Unlock()
}

func (b *batchWriter) end() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.depth--; b.depth > 0 || len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// lineOut writes to the terminal as one console write: the terminal
// sends a line as several (the text, then CR LF, and the prompt around
// them), between which another program's console output (init's, a
// background program's) would land inside the line.
type lineOut struct {
	t *term.Terminal
	b *batchWriter
}

func (l lineOut) Write(p []byte) (int, error) {
	l.b.begin()
	n, err := l.t.Write(p)
	if e := l.b.end(); err == nil {
		err = e
	}
	return n, err
}

// Run reads and runs commands until the console input closes.
func (s *Shell) Run() error {
	fmt.Fprintln(s.out, "beryl shell: type help for the commands")
	for {
		line, err := s.term.ReadLine()
		if errors.Is(err, io.EOF) && s.in.closed {
			return err
		}
		if err != nil { // Ctrl-D on an empty line, Ctrl-C
			fmt.Fprintln(s.out, "(use poweroff or reboot to leave)")
			continue
		}
		s.Exec(line)
	}
}

// Exec runs one command line; errors and panics become one line of
// output.
func (s *Shell) Exec(line string) {
	args := strings.Fields(line)
	if len(args) == 0 {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(s.out, "%s: internal error: %v\n", args[0], r)
		}
	}()
	for _, c := range commands {
		if c.name == args[0] {
			if err := c.run(s, args[1:]); err != nil {
				fmt.Fprintf(s.out, "%s: %v\n", args[0], err)
			}
			return
		}
	}
	fmt.Fprintf(s.out, "%s: unknown command (type help)\n", args[0])
}

func (s *Shell) printf(format string, args ...any) { fmt.Fprintf(s.out, format, args...) }

func (s *Shell) help(args []string) error {
	names := make([]string, 0, len(commands))
	for _, c := range commands {
		names = append(names, c.name)
	}
	sort.Strings(names)
	for _, c := range commands {
		s.printf("  %-24s %s\n", strings.TrimSpace(c.name+" "+c.args), c.help)
	}
	s.printf("line editing: arrows, Home/End, Ctrl-A/E/K/U/W; Up/Down: history; Ctrl-C kills a foreground program\n")
	return nil
}

// consoleReader reads the console socket, waiting when it is empty.
// While a foreground program runs, the shell polls it for Ctrl-C and
// keeps the other bytes for the line editor (pending).
type consoleReader struct {
	sock    zx.Socket
	pending []byte
	closed  bool
}

func (r *consoleReader) Read(p []byte) (int, error) {
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	for {
		n, err := r.sock.Read(p, 0)
		if err == nil {
			return n, nil
		}
		if !errors.Is(err, zx.ErrShouldWait) {
			r.closed = true
			return 0, io.EOF
		}
		if _, err := r.sock.WaitOne(zx.SocketReadable|zx.SocketPeerClosed, zx.TimeInfinite); err != nil {
			r.closed = true
			return 0, io.EOF
		}
	}
}

// poll reads what is waiting without blocking, into pending; it reports
// whether a Ctrl-C (0x03) was among it (and drops it).
func (r *consoleReader) poll() (interrupt bool) {
	var b [64]byte
	for {
		n, err := r.sock.Read(b[:], 0)
		if err != nil || n == 0 {
			return interrupt
		}
		for _, c := range b[:n] {
			if c == 3 {
				interrupt = true
				continue
			}
			r.pending = append(r.pending, c)
		}
	}
}
