package clock_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tallyhq/tally/clock"
)

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := clock.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if err := clock.Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("zero Sleep on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestSleepWaits(t *testing.T) {
	if err := clock.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("Sleep = %v", err)
	}
	if err := clock.Sleep(context.Background(), -time.Second); err != nil {
		t.Fatalf("negative Sleep = %v", err)
	}
}
