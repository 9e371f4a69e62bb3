package inject

import (
	"errors"
	"sync"
	"testing"
)

// TestInsertReplace: SIPp's insert and replace change a file for the rest
// of the run, keep its -infindex index right, refuse PRINTF files and bad
// lines, and are safe while other goroutines read the file.
func TestInsertReplace(t *testing.T) {
	users := mustParse(t, "users.csv", "SEQUENTIAL\nalice;pw1\nbob;pw2\n")
	pf := mustParse(t, "p.csv", "SEQUENTIAL,PRINTF=10\nuser%d\n")
	s := NewSet(users, pf)
	if err := s.AddIndex("users.csv", 0); err != nil {
		t.Fatal(err)
	}
	s.SetMutable()

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 { // readers, for the race detector
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				l, _ := users.NextLine(7, 0, nil)
				users.AppendField(nil, l, 1)
				_, _ = s.Lookup([]byte("users.csv"), []byte("carol"))
			}
		}()
	}
	if err := s.Insert([]byte("users.csv"), []byte("carol;pw3")); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace([]byte("/some/dir/users.csv"), 0, []byte("dave;pw4")); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()

	if users.NumLines() != 3 {
		t.Errorf("%d lines, want 3", users.NumLines())
	}
	for key, want := range map[string]int{"carol": 2, "dave": 0, "alice": -1, "bob": 1} {
		if got, _ := s.Lookup([]byte("users.csv"), []byte(key)); got != want {
			t.Errorf("lookup %q = %d, want %d", key, got, want)
		}
	}
	if v, _ := users.AppendField(nil, 2, 1); string(v) != "pw3" {
		t.Errorf("inserted line field 1 = %q", v)
	}
	if v, _ := users.AppendField(nil, 0, 1); string(v) != "pw4" {
		t.Errorf("replaced line field 1 = %q", v)
	}
	if err := s.Replace([]byte("users.csv"), 3, []byte("x")); !errors.Is(err, ErrLineRange) {
		t.Errorf("replace line 3: %v", err)
	}
	if err := s.Insert([]byte("p.csv"), []byte("x")); !errors.Is(err, ErrPrintfFile) {
		t.Errorf("insert into PRINTF: %v", err)
	}
	if err := s.Insert([]byte("nope.csv"), []byte("x")); !errors.Is(err, ErrUnknownFile) {
		t.Errorf("insert into unknown: %v", err)
	}
}
