package qemu

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// QMP is a client of QEMU's machine protocol on a unix socket (the boot
// gets `-qmp unix:PATH,server=on,wait=off` when Config.QMP is set): it
// runs commands (screendump, send-key, human-monitor-command) and keeps
// the events QEMU sends (SHUTDOWN with its reason, RESET, ...).
type QMP struct {
	conn   net.Conn
	rd     *bufio.Reader
	mu     sync.Mutex // one command at a time
	evMu   sync.Mutex
	events []map[string]any
	resp   chan map[string]any
}

// QMPSocket returns a fresh socket path for a boot.
func QMPSocket() string {
	d, _ := os.MkdirTemp("", "beryl-qmp-")
	return filepath.Join(d, "qmp.sock")
}

// DialQMP connects to the socket at path (retrying while QEMU starts),
// reads the greeting and enters command mode.
func DialQMP(path string, timeout time.Duration) (*QMP, error) {
	deadline := time.Now().Add(timeout)
	var conn net.Conn
	var err error
	for {
		if conn, err = net.Dial("unix", path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("QMP: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	q := &QMP{conn: conn, rd: bufio.NewReader(conn), resp: make(chan map[string]any, 1)}
	if _, err := q.rd.ReadBytes('\n'); err != nil { // greeting
		conn.Close()
		return nil, fmt.Errorf("QMP greeting: %w", err)
	}
	go q.readLoop()
	if _, err := q.Execute("qmp_capabilities", nil); err != nil {
		conn.Close()
		return nil, err
	}
	return q, nil
}

func (q *QMP) readLoop() {
	for {
		line, err := q.rd.ReadBytes('\n')
		if err != nil {
			close(q.resp)
			return
		}
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			continue
		}
		if _, ok := m["event"]; ok {
			q.evMu.Lock()
			q.events = append(q.events, m)
			q.evMu.Unlock()
			continue
		}
		q.resp <- m
	}
}

// Execute runs a QMP command and returns its "return" value.
func (q *QMP) Execute(cmd string, args map[string]any) (any, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, _ := json.Marshal(req)
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	select {
	case m, ok := <-q.resp:
		if !ok {
			return nil, fmt.Errorf("QMP %s: connection closed", cmd)
		}
		if e, ok := m["error"]; ok {
			return nil, fmt.Errorf("QMP %s: %v", cmd, e)
		}
		return m["return"], nil
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("QMP %s: no answer", cmd)
	}
}

// Events returns the events received so far.
func (q *QMP) Events() []map[string]any {
	q.evMu.Lock()
	defer q.evMu.Unlock()
	return append([]map[string]any(nil), q.events...)
}

// Shutdown returns the reason of the first SHUTDOWN event ("guest-reset",
// "guest-shutdown", ...) or "".
func (q *QMP) Shutdown() string {
	for _, e := range q.Events() {
		if e["event"] == "SHUTDOWN" {
			if d, ok := e["data"].(map[string]any); ok {
				r, _ := d["reason"].(string)
				return r
			}
		}
	}
	return ""
}

// SendKeys types s with send-key (letters, digits, space, common
// punctuation, "\r"/"\n" as Enter; upper case with shift).
func (q *QMP) SendKeys(s string) error {
	for _, c := range s {
		keys, ok := qcodes(c)
		if !ok {
			return fmt.Errorf("no key for %q", c)
		}
		var ks []any
		for _, k := range keys {
			ks = append(ks, map[string]any{"type": "qcode", "data": k})
		}
		if _, err := q.Execute("send-key", map[string]any{"keys": ks}); err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// SendCombo presses keys together (QEMU qcodes: "ctrl", "shift", "left",
// "up", "backspace", "ret", letters...) and releases them.
func (q *QMP) SendCombo(keys ...string) error {
	var ks []any
	for _, k := range keys {
		ks = append(ks, map[string]any{"type": "qcode", "data": k})
	}
	_, err := q.Execute("send-key", map[string]any{"keys": ks})
	time.Sleep(20 * time.Millisecond)
	return err
}

// qcodes maps a character to QEMU key codes (US layout).
func qcodes(c rune) ([]string, bool) {
	switch {
	case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return []string{string(c)}, true
	case c >= 'A' && c <= 'Z':
		return []string{"shift", string(c - 'A' + 'a')}, true
	}
	m := map[rune][]string{
		' ': {"spc"}, '\r': {"ret"}, '\n': {"ret"}, '-': {"minus"}, '=': {"equal"}, '.': {"dot"},
		',': {"comma"}, '/': {"slash"}, ';': {"semicolon"}, '\'': {"apostrophe"}, '_': {"shift", "minus"},
		'&': {"shift", "7"}, '\b': {"backspace"}, '\t': {"tab"}, ':': {"shift", "semicolon"},
		'"': {"shift", "apostrophe"}, '!': {"shift", "1"}, '?': {"shift", "slash"}, '+': {"shift", "equal"},
	}
	k, ok := m[c]
	return k, ok
}

// Close ends the connection.
func (q *QMP) Close() error { return q.conn.Close() }
