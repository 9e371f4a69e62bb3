package live

import (
	"net"
	"sync"
	"testing"
	"time"
)

type fakeTarget struct {
	mu              sync.Mutex
	rate            float64
	stopped, aborts int
}

func (f *fakeTarget) SetRate(r float64) { f.mu.Lock(); f.rate = r; f.mu.Unlock() }
func (f *fakeTarget) Rate() float64     { f.mu.Lock(); defer f.mu.Unlock(); return f.rate }
func (f *fakeTarget) Stop()             { f.stopped++ }
func (f *fakeTarget) Abort()            { f.aborts++ }

func TestKeys(t *testing.T) {
	ft := &fakeTarget{rate: 10}
	c := NewController(ft, 1, false, nil)
	for _, tc := range []struct {
		keys string
		want float64
	}{
		{"+", 11}, {"*", 21}, {"-", 20}, {"/", 10}, {"//", 0}, {"-", 0},
	} {
		for i := range tc.keys {
			c.Key(tc.keys[i])
		}
		if ft.Rate() != tc.want {
			t.Fatalf("after %q: rate %v, want %v", tc.keys, ft.Rate(), tc.want)
		}
	}
	ft.SetRate(50)
	c.Key('p')
	if ft.Rate() != 0 || !c.Paused() {
		t.Fatalf("p: rate %v paused %v", ft.Rate(), c.Paused())
	}
	c.Key('+') // while paused: changes the rate resumed
	c.Key('p')
	if ft.Rate() != 51 || c.Paused() {
		t.Fatalf("resume: rate %v paused %v", ft.Rate(), c.Paused())
	}
	c.Key('3')
	if c.Screen() != 3 {
		t.Fatalf("screen %d", c.Screen())
	}
	c.Key('q')
	c.Key('Q')
	if ft.stopped != 1 || ft.aborts != 1 {
		t.Fatalf("q/Q: %d stops %d aborts", ft.stopped, ft.aborts)
	}
}

func TestUsersRunRefusesRateChanges(t *testing.T) {
	ft := &fakeTarget{rate: 10}
	var logged []string
	c := NewController(ft, 1, true, func(s string) { logged = append(logged, s) })
	c.Key('+')
	if ft.Rate() != 10 || len(logged) != 1 {
		t.Fatalf("rate %v, log %v", ft.Rate(), logged)
	}
	if err := c.Command("set rate 5"); err == nil {
		t.Fatal("set rate accepted in a -users run")
	}
}

func TestCommands(t *testing.T) {
	ft := &fakeTarget{rate: 10}
	c := NewController(ft, 1, false, nil)
	if err := c.Datagram([]byte("cset rate 250")); err != nil || ft.Rate() != 250 {
		t.Fatalf("cset rate: %v, rate %v", err, ft.Rate())
	}
	for _, bad := range []string{"cset rate x", "cset rate -1", "cset", "cset limit 5", "cdump tasks"} {
		if err := c.Datagram([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := c.Datagram([]byte("+")); err != nil || ft.Rate() != 251 {
		t.Fatalf("key datagram: %v, rate %v", err, ft.Rate())
	}
}

func TestControlPort(t *testing.T) {
	ft := &fakeTarget{rate: 10}
	c := NewController(ft, 1, false, nil)
	closeFn, addr, err := ListenControl("127.0.0.1:0", c)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	conn, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("cset rate 77")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for ft.Rate() != 77 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if ft.Rate() != 77 {
		t.Fatalf("rate %v after cset rate 77", ft.Rate())
	}
}

func TestUpdateRateFollowsPause(t *testing.T) {
	ft := &fakeTarget{rate: 10}
	c := NewController(ft, 1, false, nil)
	add := func(r float64) float64 { return r + 5 }
	if got := c.UpdateRate(add); got != 15 || ft.Rate() != 15 {
		t.Fatalf("UpdateRate = %v, rate %v; want 15", got, ft.Rate())
	}
	c.Key('p')
	if got := c.UpdateRate(add); got != 20 || ft.Rate() != 0 {
		t.Fatalf("paused: UpdateRate = %v, rate %v; want 20 for the resume, 0 now", got, ft.Rate())
	}
	c.Key('p')
	if ft.Rate() != 20 {
		t.Fatalf("resumed at %v, want 20", ft.Rate())
	}
	if got := c.UpdateRate(func(float64) float64 { return -3 }); got != 0 || ft.Rate() != 0 {
		t.Fatalf("negative rate not clamped: %v", got)
	}
}
