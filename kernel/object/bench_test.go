package object

import "testing"

func benchEnv(b *testing.B) (*Process, func()) {
	root := NewRootJob()
	p, _ := NewProcess(root, "bench", ProcessConfig{})
	return p, func() { p.Kill(0); p.Release(); root.Release() }
}

// BenchmarkDuplicateClose measures zx_handle_duplicate + zx_handle_close.
func BenchmarkDuplicateClose(b *testing.B) {
	p, done := benchEnv(b)
	defer done()
	ev := must(EventCreate(p, 0))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h, _ := HandleDuplicate(p, ev, RightSameRights)
		HandleClose(p, h)
	}
}

// BenchmarkChannelWriteRead64B1H measures a 64-byte, one-handle message
// written and read back.
func BenchmarkChannelWriteRead64B1H(b *testing.B) {
	p, done := benchEnv(b)
	defer done()
	a, c := must2(ChannelCreate(p, 0))
	ev := must(EventCreate(p, 0))
	data := make([]byte, 64)
	buf := make([]byte, 64)
	hs := []Handle{ev}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if st := ChannelWrite(p, a, 0, data, hs); st != OK {
			b.Fatal(st)
		}
		if _, _, st := ChannelRead(p, c, 0, buf, hs); st != OK {
			b.Fatal(st)
		}
	}
}

// BenchmarkEventSignalWait measures zx_object_signal + a satisfied
// zx_object_wait_one.
func BenchmarkEventSignalWait(b *testing.B) {
	p, done := benchEnv(b)
	defer done()
	ev := must(EventCreate(p, 0))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ObjectSignal(p, ev, SignalUser0, SignalUser0)
		if _, st := ObjectWaitOne(p, ev, SignalUser0, TimeInfinite); st != OK {
			b.Fatal(st)
		}
	}
}

// BenchmarkEventSignal measures zx_object_signal alone.
func BenchmarkEventSignal(b *testing.B) {
	p, done := benchEnv(b)
	defer done()
	ev := must(EventCreate(p, 0))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ObjectSignal(p, ev, SignalUser0, Signals(i&1)<<24)
	}
}

// BenchmarkWaitOneBlocking measures a wait_one that blocks until another
// goroutine signals (a cross-goroutine wakeup).
func BenchmarkWaitOneBlocking(b *testing.B) {
	p, done := benchEnv(b)
	defer done()
	a, c := must2(EventPairCreate(p, 0))
	stop := make(chan struct{})
	go func() {
		for {
			if _, st := ObjectWaitOne(p, c, SignalUser0|EventPairPeerClosed, TimeInfinite); st != OK {
				return
			}
			select {
			case <-stop:
				return
			default:
			}
			ObjectSignal(p, c, SignalUser0, 0)
			ObjectSignalPeer(p, c, 0, SignalUser1)
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ObjectSignalPeer(p, a, 0, SignalUser0)
		ObjectWaitOne(p, a, SignalUser1, TimeInfinite)
		ObjectSignal(p, a, SignalUser1, 0)
	}
	b.StopTimer()
	close(stop)
	ObjectSignalPeer(p, a, 0, SignalUser0)
}
