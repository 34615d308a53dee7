package shell

import (
	"reflect"
	"sync"
	"testing"
)

// writes records each Write it gets.
type writes struct {
	mu  sync.Mutex
	got []string
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, string(p))
	return len(p), nil
}

// TestLineIsOneWrite: each piece of shell output reaches the console as
// one write, CR LF included. The terminal writes the text and each CR LF
// separately; at -smp 2 init's "system: ... exited" line landed between
// "killed process 1085" and its CR LF (qemu TestShell).
func TestLineIsOneWrite(t *testing.T) {
	var w writes
	s := New(Config{Out: &w})
	s.printf("killed %s %d\n", "process", 1085)
	s.printf("two\nlines\n")
	s.Exec("nosuchcommand")
	want := []string{"killed process 1085\r\n", "two\r\nlines\r\n", "nosuchcommand: unknown command (type help)\r\n"}
	if !reflect.DeepEqual(w.got, want) {
		t.Errorf("console writes %q, want %q", w.got, want)
	}
}
