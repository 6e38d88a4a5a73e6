package app

import (
	"context"
	"errors"
	"testing"
	"time"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestDrainSignalReleasesOnlyAfterALaterDrain checks the "drained" signal
// step by step: a waiter that asks while a drain runs is released neither
// by that drain's end nor by the start of the next one, only by the end of
// a drain that started after it asked.
func TestDrainSignalReleasesOnlyAfterALaterDrain(t *testing.T) {
	t.Parallel()
	s := newDrainSignal()
	end1 := s.begin() // drain 1 is running
	ch := s.ticket()  // a waiter asks now
	steps := []struct {
		name   string
		do     func()
		closed bool
	}{
		{"drain 1 ends", end1, false},
		{"drain 2 starts", func() { end1 = s.begin() }, false},
		{"drain 2 ends", func() { end1() }, true},
	}
	for _, st := range steps {
		st.do()
		if got := closed(ch); got != st.closed {
			t.Fatalf("after %s: waiter released = %v, want %v", st.name, got, st.closed)
		}
	}
	if closed(s.ticket()) {
		t.Fatal("a new waiter is released before any drain ran for it")
	}
}

// TestDrainSignalLoop runs the loop: await returns after a drain, gives up
// with its context, and reports a stopped loop instead of hanging.
func TestDrainSignalLoop(t *testing.T) {
	t.Parallel()
	s := newDrainSignal()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	drains := make(chan struct{}, 10)
	go s.run(ctx, time.Hour, func(context.Context) { drains <- struct{}{} })
	<-drains // the first drain runs at once
	if err := s.await(ctx); err != nil {
		t.Fatalf("await: %v", err)
	}
	if len(drains) == 0 {
		t.Fatal("await returned without a drain")
	}
	gone, stop := context.WithCancel(ctx)
	stop()
	if err := s.await(gone); !errors.Is(err, context.Canceled) {
		t.Fatalf("await with a cancelled context: %v", err)
	}
	cancel()
	<-s.stopped
	if err := s.await(context.Background()); err == nil {
		t.Fatal("await after the loop stopped returned nil")
	}
}
