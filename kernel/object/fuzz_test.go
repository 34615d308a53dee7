package object

import (
	"bytes"
	"testing"
	"time"
)

// FuzzHandleTable drives a small handle table with a byte program and
// checks it against a model of which values are valid.
func FuzzHandleTable(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 2, 1, 3, 0, 4, 5})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 5, 5})
	f.Add([]byte{0, 3, 7, 3, 7, 3, 0, 6})
	f.Fuzz(func(t *testing.T, prog []byte) {
		objs, hs := LiveObjects(ObjTypeNone), LiveHandles()
		root := NewRootJob()
		p, _ := NewProcess(root, "fuzz", ProcessConfig{MaxHandles: 8, Secret: 0x5a5a5a5a})
		valid := map[Handle]Rights{}
		var order []Handle
		arg := func(i int) byte {
			if i < len(prog) {
				return prog[i]
			}
			return 0
		}
		pick := func(b byte) Handle {
			if len(order) == 0 || b >= 200 {
				return Handle(b) * 0x01010101
			}
			return order[int(b)%len(order)]
		}
		forget := func(h Handle) {
			delete(valid, h)
			for i, x := range order {
				if x == h {
					order = append(order[:i], order[i+1:]...)
					break
				}
			}
		}
		add := func(h Handle, r Rights) {
			if _, dup := valid[h]; dup {
				t.Fatalf("value %#x handed out twice", h)
			}
			if h&HandleFixedBitsMask != HandleFixedBitsMask {
				t.Fatalf("value %#x lacks fixed bits", h)
			}
			valid[h] = r
			order = append(order, h)
		}
		for i := 0; i < len(prog); i += 2 {
			op, a := prog[i]%8, arg(i+1)
			switch op {
			case 0:
				h, st := EventCreate(p, 0)
				if (st == OK) != (len(valid) < 8) {
					t.Fatalf("create: %v with %d handles", st, len(valid))
				}
				if st == OK {
					add(h, DefaultEventRights)
				}
			case 1:
				h := pick(a)
				r := Rights(a) & DefaultEventRights
				nh, st := HandleDuplicate(p, h, r)
				_, ok := valid[h]
				switch {
				case !ok:
					if st != ErrBadHandle {
						t.Fatalf("dup invalid: %v", st)
					}
				case !valid[h].Has(RightDuplicate):
					if st != ErrAccessDenied {
						t.Fatalf("dup no right: %v", st)
					}
				case !valid[h].Has(r):
					if st != ErrInvalidArgs {
						t.Fatalf("dup superset: %v", st)
					}
				case len(valid) >= 8:
					if st != ErrNoResources {
						t.Fatalf("dup full: %v", st)
					}
				default:
					if st != OK {
						t.Fatalf("dup: %v", st)
					}
					add(nh, r)
				}
			case 2:
				h := pick(a)
				st := HandleClose(p, h)
				if _, ok := valid[h]; ok != (st == OK) && h != 0 {
					t.Fatalf("close %#x: %v", h, st)
				}
				forget(h)
			case 3:
				h := pick(a)
				r := Rights(a) & DefaultEventRights
				nh, st := HandleReplace(p, h, r)
				old, ok := valid[h]
				forget(h)
				switch {
				case !ok:
					if st != ErrBadHandle {
						t.Fatalf("replace invalid: %v", st)
					}
				case !old.Has(r):
					if st != ErrInvalidArgs {
						t.Fatalf("replace superset: %v", st)
					}
				default:
					if st != OK {
						t.Fatalf("replace: %v", st)
					}
					add(nh, r)
				}
			case 4:
				var list []Handle
				for j := 0; j < int(a%4); j++ {
					list = append(list, pick(arg(i+2+j)))
				}
				st := HandleCloseMany(p, list)
				bad := false
				seen := map[Handle]bool{}
				for _, h := range list {
					if h == 0 {
						continue
					}
					if _, ok := valid[h]; !ok || seen[h] {
						bad = true
					}
					seen[h] = true
					forget(h)
				}
				if bad != (st == ErrBadHandle) {
					t.Fatalf("close_many %v: %v", list, st)
				}
			case 5, 6, 7:
				h := pick(a)
				_, ok := valid[h]
				if (ObjectGetInfoHandleValid(p, h) == OK) != ok {
					t.Fatalf("validity of %#x", h)
				}
			}
			if p.table.Len() != len(valid) {
				t.Fatalf("table has %d, model %d", p.table.Len(), len(valid))
			}
		}
		for h, r := range valid {
			if info, st := ObjectGetInfoHandleBasic(p, h); st != OK || info.Rights != r {
				t.Fatalf("handle %#x: %v %#x want %#x", h, st, info.Rights, r)
			}
		}
		p.Kill(0)
		p.Release()
		root.Release()
		if o, h, ok := CountsSettle(objs, hs, 2*time.Second); !ok {
			t.Fatalf("leak: objects %d→%d, handles %d→%d", objs, o, hs, h)
		}
	})
}

// FuzzChannelMessage writes a message with handles and reads it back with
// fuzzed buffer sizes and options.
func FuzzChannelMessage(f *testing.F) {
	f.Add([]byte("hello"), uint8(1), uint16(5), uint8(1), uint32(0), uint8(0))
	f.Add([]byte{}, uint8(0), uint16(0), uint8(0), uint32(1), uint8(0))
	f.Add(bytes.Repeat([]byte{1}, 100), uint8(70), uint16(10), uint8(0), uint32(0), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, nh uint8, rb uint16, rh uint8, ropts uint32, bad uint8) {
		objs, hs := LiveObjects(ObjTypeNone), LiveHandles()
		root := NewRootJob()
		p, _ := NewProcess(root, "fuzz", ProcessConfig{})
		a, b := must2(ChannelCreate(p, 0))
		var handles []Handle
		for i := 0; i < int(nh)%80; i++ {
			handles = append(handles, must(EventCreate(p, 0)))
		}
		corrupt := true
		switch {
		case bad == 1 && len(handles) > 0:
			handles[0] = 0x12345
		case bad == 2 && len(handles) > 1:
			handles[1] = handles[0]
		case bad == 3:
			handles = append(handles, a)
		default:
			corrupt = false
		}
		st := ChannelWrite(p, a, 0, data, handles)
		wantOK := len(data) <= ChannelMaxMsgBytes && len(handles) <= ChannelMaxMsgHandles && !corrupt
		if (st == OK) != wantOK {
			t.Fatalf("write: %v (bytes %d handles %d bad %d)", st, len(data), len(handles), bad)
		}
		for _, h := range handles {
			if ObjectGetInfoHandleValid(p, h) == OK {
				t.Fatalf("handle %#x survived the write (%v)", h, st)
			}
		}
		buf := make([]byte, int(rb))
		hv := make([]Handle, int(rh)%70)
		n, k, rst := ChannelRead(p, b, ropts, buf, hv)
		switch {
		case ropts&^ChannelReadMayDiscard != 0:
			if rst != ErrNotSupported {
				t.Fatalf("read options: %v", rst)
			}
		case bad == 3 && corrupt:
			// The channel's own handle was consumed by the write.
			if rst != ErrPeerClosed {
				t.Fatalf("read after own endpoint sent: %v", rst)
			}
		case st != OK:
			if rst != ErrShouldWait {
				t.Fatalf("read after failed write: %v", rst)
			}
		case int(n) != len(data) || int(k) != len(handles):
			t.Fatalf("sizes %d %d want %d %d (%v)", n, k, len(data), len(handles), rst)
		case len(buf) < len(data) || len(hv) < len(handles):
			if rst != ErrBufferTooSmall {
				t.Fatalf("small read: %v", rst)
			}
			pend := p.table.Get(b).obj.(*Channel).PendingMessages()
			if (pend == 1) == (ropts&ChannelReadMayDiscard != 0) {
				t.Fatalf("pending %d after too-small read with options %d", pend, ropts)
			}
		default:
			if rst != OK || !bytes.Equal(buf[:n], data) {
				t.Fatalf("read: %v", rst)
			}
			for _, h := range hv[:k] {
				if info, st := ObjectGetInfoHandleBasic(p, h); st != OK || info.Type != ObjTypeEvent {
					t.Fatalf("received handle %#x: %v", h, st)
				}
			}
		}
		p.Kill(0)
		p.Release()
		root.Release()
		if o, h, ok := CountsSettle(objs, hs, 2*time.Second); !ok {
			t.Fatalf("leak: objects %d→%d, handles %d→%d", objs, o, hs, h)
		}
	})
}
