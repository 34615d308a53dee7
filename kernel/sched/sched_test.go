package sched

import "testing"

func TestWeightTable(t *testing.T) {
	if Weight(PriorityDefault) != DefaultWeight {
		t.Errorf("Weight(default) = %d, want %d", Weight(PriorityDefault), DefaultWeight)
	}
	if Weight(PriorityHighest) != MaxWeight {
		t.Errorf("Weight(highest) = %d, want %d", Weight(PriorityHighest), MaxWeight)
	}
	for p := int32(PriorityLowest + 1); p <= PriorityHighest; p++ {
		if Weight(p) <= Weight(p-1) {
			t.Errorf("Weight(%d) = %d not above Weight(%d) = %d", p, Weight(p), p-1, Weight(p-1))
		}
	}
	if Weight(-5) != Weight(PriorityLowest) || Weight(99) != Weight(PriorityHighest) {
		t.Error("out-of-range priorities are not clamped")
	}
	var s State
	s.Charge(1000)
	if s.VTime != 1000*MaxWeight/DefaultWeight {
		t.Errorf("zero State charged 1000 ns: vtime %d, want the default weight's %d", s.VTime, 1000*MaxWeight/DefaultWeight)
	}
}

// sim runs threads on one CPU in ticks of tick ns for n ticks, as
// kernel/rt does: charge the running thread, refresh deadline threads,
// pick the first best eligible thread scanning from the one after the
// current (current last). It returns each thread's CPU time and, per
// thread, the most it ran within any one of its deadline periods.
func sim(ts []State, tick int64, n int) (ran []int64, maxPerPeriod []int64) {
	return simFrom(ts, 0, tick, n)
}

// simFrom is sim with the clock starting at now0.
func simFrom(ts []State, now0, tick int64, n int) (ran []int64, maxPerPeriod []int64) {
	ran = make([]int64, len(ts))
	maxPerPeriod = make([]int64, len(ts))
	perPeriod := make([]int64, len(ts))
	start := make([]int64, len(ts))
	cur := -1
	now := now0
	for k := 0; k < n; k++ {
		best := -1
		for j := 1; j <= len(ts); j++ {
			i := (cur + j + len(ts)) % len(ts)
			ts[i].Refresh(now, tick)
			if !ts[i].Eligible(now) {
				continue
			}
			if best < 0 || Before(&ts[i], &ts[best]) {
				best = i
			}
		}
		cur = best
		now += tick
		if cur < 0 {
			continue
		}
		ts[cur].Charge(tick)
		ran[cur] += tick
		if ts[cur].Discipline == Deadline {
			if ts[cur].Start != start[cur] {
				start[cur], perPeriod[cur] = ts[cur].Start, 0
			}
			perPeriod[cur] += tick
			maxPerPeriod[cur] = max(maxPerPeriod[cur], perPeriod[cur])
		}
	}
	return ran, maxPerPeriod
}

func TestFairWeights(t *testing.T) {
	ts := []State{{Weight: Weight(24)}, {Weight: Weight(8)}}
	ran, _ := sim(ts, 1e6, 10000)
	got := float64(ran[0]) / float64(ran[1])
	want := float64(Weight(24)) / float64(Weight(8))
	if got < want*0.9 || got > want*1.1 {
		t.Errorf("priority 24 vs 8: CPU time ratio %.2f, want about %.2f", got, want)
	}
}

func TestFairEqualWeightsAlternate(t *testing.T) {
	ts := []State{{}, {}, {}}
	ran, _ := sim(ts, 1e6, 3000)
	for i, r := range ran {
		if r != 1000e6 {
			t.Errorf("thread %d ran %d ns of 3000 ms, want 1000 ms", i, r)
		}
	}
}

func TestWakeClampsVirtualTime(t *testing.T) {
	s := State{VTime: 5}
	s.Wake(100)
	if s.VTime != 100 {
		t.Errorf("woken at vnow 100: vtime %d", s.VTime)
	}
	s.Wake(50)
	if s.VTime != 100 {
		t.Errorf("woken at vnow 50: vtime went back to %d", s.VTime)
	}
	d := State{}
	d.SetDeadline(1, 2, 3, 0)
	d.Wake(100)
	if d.VTime != 0 {
		t.Error("Wake moved a deadline thread's virtual time")
	}
}

func TestDeadlineShare(t *testing.T) {
	ts := []State{{}, {}}
	ts[0].SetDeadline(2e6, 10e6, 10e6, 0)
	ran, most := sim(ts, 1e6, 1000)
	if ran[0] != 200e6 {
		t.Errorf("deadline 2 ms / 10 ms over 1 s: ran %d ns, want 200 ms", ran[0])
	}
	if most[0] > 2e6 {
		t.Errorf("ran %d ns in one period, capacity 2 ms", most[0])
	}
	if ran[1] != 800e6 {
		t.Errorf("fair thread ran %d ns, want the other 800 ms", ran[1])
	}
}

func TestDeadlineEDF(t *testing.T) {
	ts := []State{{}, {}, {}}
	ts[0].SetDeadline(1e6, 8e6, 8e6, 0)
	ts[1].SetDeadline(1e6, 4e6, 4e6, 0)
	if !Before(&ts[1], &ts[0]) || Before(&ts[0], &ts[1]) {
		t.Error("the earlier deadline does not come first")
	}
	if !Before(&ts[0], &ts[2]) || Before(&ts[2], &ts[0]) {
		t.Error("a deadline thread does not come before a fair one")
	}
	ran, most := sim(ts, 1e6, 800)
	if ran[0] != 100e6 || ran[1] != 200e6 || ran[2] != 500e6 {
		t.Errorf("ran %v, want 100, 200 and 500 ms", ran)
	}
	if most[0] > 1e6 || most[1] > 1e6 {
		t.Errorf("most in one period %v, capacity 1 ms", most)
	}
}

func TestDeadlineRefresh(t *testing.T) {
	var s State
	s.SetDeadline(2, 5, 10, 100)
	if !s.Eligible(100) {
		t.Fatal("not eligible at the start of its first period")
	}
	s.Charge(2)
	s.Refresh(102, 1)
	if s.Start != 110 || s.Finish != 115 || s.Used != 0 {
		t.Errorf("after its capacity: period [%d, %d) used %d, want [110, 115)", s.Start, s.Finish, s.Used)
	}
	if s.Eligible(105) || !s.Eligible(110) {
		t.Error("eligible before its next period, or not at its start")
	}
	// Blocked past its deadline: the next period starts when it wakes.
	s.Refresh(500, 1)
	if s.Start != 500 || s.Finish != 505 {
		t.Errorf("woken at 500: period [%d, %d), want [500, 505)", s.Start, s.Finish)
	}
	// Not yet spent: nothing changes.
	s.Charge(1)
	s.Refresh(501, 1)
	if s.Start != 500 || s.Used != 1 {
		t.Errorf("refresh inside a period moved it: start %d used %d", s.Start, s.Used)
	}
	s.SetFair(Weight(20), 1000)
	if s.Discipline != Fair || s.VTime != 1000 || !s.Eligible(0) {
		t.Errorf("SetFair: %+v", s)
	}
}

// TestDeadlineCapacityBetweenTicks: a deadline thread whose period does
// not start on a tick, and a capacity that is not a whole number of
// ticks, still never runs more than its capacity in a period; one whose
// capacity is under a tick runs one tick per period.
func TestDeadlineCapacityBetweenTicks(t *testing.T) {
	ts := []State{{}, {}}
	ts[0].SetDeadline(2.5e6, 10e6, 10e6, 0.3e6)
	ran, most := simFrom(ts, 0.3e6, 1e6, 1000)
	if most[0] > 2.5e6 {
		t.Errorf("ran %d ns in one period, capacity 2.5 ms", most[0])
	}
	if ran[0] < 150e6 {
		t.Errorf("ran %d ns of 1 s, want at least 2 of every 10 ms", ran[0])
	}
	s := []State{{}, {}}
	s[0].SetDeadline(0.5e6, 10e6, 10e6, 0)
	ran, most = sim(s, 1e6, 1000)
	if most[0] != 1e6 || ran[0] != 100e6 {
		t.Errorf("capacity 0.5 ms with 1 ms ticks: ran %d ns, %d in one period; want one tick per period", ran[0], most[0])
	}
}
