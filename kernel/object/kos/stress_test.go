package kos

import (
	"math/rand/v2"
	"sync"
	"testing"

	"beryl/kernel/object"
)

// TestStress runs a provider with four serving goroutines on one listener
// and 16 client goroutines in 8 processes doing random opens, uses,
// copies, transfers, closes and calls with short deadlines, while the
// provider revokes random badges and subtrees and the policy denies one
// method. It checks, under -race, that nothing deadlocks, every call ends,
// and every object and handle is gone at the end.
func TestStress(t *testing.T) {
	e := newEnv(t)
	prov := e.proc("kv")
	var clients []*object.Process
	for i := 0; i < 8; i++ {
		clients = append(clients, e.proc("c"+string(rune('0'+i))))
	}
	pol, err := ParsePolicy([]byte("default allow\ndeny call c3 kv * 9\n"))
	if err != nil {
		t.Fatal(err)
	}
	SetPolicy(pol)
	l := must(ListenerCreate(prov, 0))
	port := must(object.PortCreate(prov, 0))
	res := must(UserObjectCreate(prov, object.RightTransfer|object.RightDuplicate|RightSpecific(0), 1, port, 1))
	var badges []Handle
	for i := 0; i < 4; i++ {
		badges = append(badges, must(BadgeCreate(prov, uint64(i), port, 2)))
	}

	var servers sync.WaitGroup
	for i := 0; i < 4; i++ {
		servers.Add(1)
		go func(seed uint64) {
			defer servers.Done()
			r := rand.New(rand.NewPCG(seed, 1))
			for {
				args := &RecvArgs{Fixed: make([]byte, 64), Handles: make([]RecvHandle, 2)}
				info, st := Recv(prov, l, 0, object.TimeInfinite, args)
				if st == object.ErrCanceled || st == object.ErrBadHandle {
					return
				}
				if st != OK {
					continue
				}
				for _, h := range args.Handles[:info.Sizes.Handles] {
					if !h.Dereferenced {
						object.HandleClose(prov, h.Handle)
					}
				}
				reply := &ReplyArgs{}
				switch r.IntN(4) {
				case 0:
					reply.Handles = []HandleDesc{{Handle: res, Rights: object.RightTransfer | object.RightDuplicate, Badge: badges[r.IntN(len(badges))]}}
				case 1:
					HandleRevokeSubtree(prov, res, badges[r.IntN(len(badges))])
				}
				if info.CallID != 0 {
					Reply(prov, l, info.CallID, reply)
				}
			}
		}(uint64(i))
	}

	iters := 200
	if testing.Short() {
		iters = 50
	}
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 2))
			p := clients[seed%uint64(len(clients))]
			ch, sh, _, st := HandleConnect(prov, l, 0)
			if st != OK {
				t.Error(st)
				return
			}
			object.HandleClose(prov, sh)
			c := give(t, prov, ch, object.RightSameRights, nil, p)
			object.HandleClose(prov, ch)
			var mine []Handle
			for i := 0; i < iters; i++ {
				pick := func() Handle {
					if len(mine) == 0 {
						return object.HandleInvalid
					}
					return mine[r.IntN(len(mine))]
				}
				switch r.IntN(6) {
				case 0, 1, 2:
					args := &CallArgs{Method: uint32(r.IntN(10)), RdHandles: make([]RecvHandle, 1)}
					if h := pick(); h != object.HandleInvalid && r.IntN(2) == 0 {
						args.Handles = []HandleDesc{{Handle: h, Rights: object.RightSameRights}}
					}
					deadline := object.TimeInfinite
					if r.IntN(4) == 0 {
						deadline = object.Now() + object.Time(r.IntN(200000))
					}
					sz, st := Call(p, c, deadline, args)
					if st == OK && sz.Handles == 1 && !args.RdHandles[0].Dereferenced {
						mine = append(mine, args.RdHandles[0].Handle)
					}
				case 3:
					if h := pick(); h != object.HandleInvalid {
						if v, st := HandleCopy(p, h, object.RightSameRights, object.HandleInvalid); st == OK {
							mine = append(mine, v)
						}
					}
				case 4:
					if len(mine) > 0 {
						k := r.IntN(len(mine))
						object.HandleClose(p, mine[k])
						mine = append(mine[:k], mine[k+1:]...)
					}
				case 5:
					if h := pick(); h != object.HandleInvalid {
						HandleRevoke(p, h, 0)
					}
				}
			}
			for _, h := range mine {
				object.HandleClose(p, h)
			}
			object.HandleClose(p, c)
		}(uint64(g))
	}
	wg.Wait()
	object.HandleClose(prov, l)
	servers.Wait()
	for _, b := range badges {
		object.HandleClose(prov, b)
	}
	object.HandleClose(prov, res)
	object.HandleClose(prov, port)
}
