package object

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestStress runs 64 goroutines doing random operations on shared objects
// from two processes, then kills everything and checks that every object
// and handle is gone.
func TestStress(t *testing.T) {
	objs, hs := LiveObjects(ObjTypeNone), LiveHandles()
	root := NewRootJob()
	p1, _ := NewProcess(root, "s1", ProcessConfig{MaxHandles: 4096})
	p2, _ := NewProcess(root, "s2", ProcessConfig{MaxHandles: 4096})
	procs := []*Process{p1, p2}

	// Shared objects: handles live in p1; workers of p2 get them by
	// transfer over channels.
	var shared []Handle
	for i := 0; i < 8; i++ {
		shared = append(shared, must(EventCreate(p1, 0)))
	}
	c0, c1 := must2(ChannelCreate(p1, 0))
	s0, s1 := must2(SocketCreate(p1, 0))
	f0, f1 := must2(FIFOCreate(p1, 16, 8, 0))
	e0, e1 := must2(EventPairCreate(p1, 0))
	port := must(PortCreate(p1, 0))
	tm := must(TimerCreate(p1, 0, 0))
	shared = append(shared, c0, c1, s0, s1, f0, f1, e0, e1, port, tm)

	iters := 400
	if testing.Short() {
		iters = 100
	}
	var wg sync.WaitGroup
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 7))
			p := procs[seed%2]
			var mine []Handle
			pick := func() Handle {
				if len(mine) > 0 && r.IntN(2) == 0 {
					return mine[r.IntN(len(mine))]
				}
				return shared[r.IntN(len(shared))]
			}
			buf := make([]byte, 64)
			for i := 0; i < iters; i++ {
				h := pick()
				switch r.IntN(16) {
				case 0:
					if v, st := HandleDuplicate(p1, h, RightSameRights); st == OK {
						if p == p1 {
							mine = append(mine, v)
						} else {
							HandleClose(p1, v)
						}
					}
				case 1:
					if len(mine) > 0 {
						k := r.IntN(len(mine))
						HandleClose(p, mine[k])
						mine = append(mine[:k], mine[k+1:]...)
					}
				case 2:
					ObjectSignal(p1, h, SignalUser0|SignalUser1, Signals(1)<<(24+r.IntN(2)))
				case 3:
					ObjectWaitOne(p1, h, SignalUser0|ChannelReadable, Now()+Time(r.IntN(200_000)))
				case 4:
					ev, _ := EventCreate(p, 0)
					ChannelWrite(p1, c0, 0, buf[:r.IntN(64)], nil)
					if ev != 0 {
						if p == p1 {
							ChannelWrite(p1, c1, 0, buf[:8], []Handle{ev})
						} else {
							HandleClose(p, ev)
						}
					}
				case 5:
					hv := make([]Handle, 4)
					nb, nh, st := ChannelRead(p1, c0, 0, buf, hv)
					if st == OK {
						HandleCloseMany(p1, hv[:nh])
					}
					_ = nb
					_, nh, st = ChannelRead(p1, c1, ChannelReadMayDiscard, buf, hv[:r.IntN(2)])
					if st == OK {
						HandleCloseMany(p1, hv[:nh])
					}
				case 6:
					SocketWrite(p1, s0, 0, buf[:r.IntN(64)])
					SocketRead(p1, s1, 0, buf)
				case 7:
					FIFOWrite(p1, f0, 8, buf, uint64(1+r.IntN(8)))
					FIFORead(p1, f1, 8, buf, uint64(1+r.IntN(8)))
				case 8:
					PortQueue(p1, port, PortPacket{Key: uint64(i)})
					PortWait(p1, port, Now()+Time(r.IntN(100_000)))
				case 9:
					ObjectWaitAsync(p1, h, port, uint64(r.IntN(4)), SignalUser0|ChannelReadable, 0)
				case 10:
					PortCancel(p1, port, h, uint64(r.IntN(4)))
				case 11:
					items := []WaitItem{{Handle: h, WaitFor: SignalUser1}, {Handle: pick(), WaitFor: SignalUser0}}
					ObjectWaitMany(p1, items, Now()+Time(r.IntN(100_000)))
				case 12:
					ObjectSignalPeer(p1, e0, 0, SignalUser2)
					ObjectGetInfoHandleBasic(p1, h)
				case 13:
					TimerSet(p1, tm, Now()+Time(r.IntN(50_000)), 0)
				case 14:
					if v, st := HandleReplace(p1, pick(), RightSameRights); st == OK {
						// Replacing a shared handle invalidates it for
						// everybody; keep the replacement shared.
						HandleClose(p1, v)
					}
				case 15:
					a, b, st := ChannelCreate(p, 0)
					if st == OK {
						ChannelWrite(p, a, 0, buf[:4], []Handle{b})
						HandleClose(p, a)
					}
				}
			}
			HandleCloseMany(p, mine)
		}(uint64(g))
	}
	wg.Wait()
	time.Sleep(time.Millisecond) // let timer callbacks drain
	for _, p := range procs {
		p.Kill(0)
		p.Release()
	}
	root.Kill(0)
	root.Release()
	// Timer callbacks hold references until they run.
	for i := 0; i < 1000 && LiveObjects(ObjTypeNone) != objs; i++ {
		time.Sleep(time.Millisecond)
	}
	if got := LiveObjects(ObjTypeNone); got != objs {
		for ty := ObjType(1); ty < ObjTypeUpperBound; ty++ {
			if n := LiveObjects(ty); n != 0 {
				t.Logf("type %d: %d live", ty, n)
			}
		}
		t.Fatalf("%d objects live, want %d", got, objs)
	}
	if got := LiveHandles(); got != hs {
		t.Fatalf("%d handles live, want %d", got, hs)
	}
}
