package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally/cache"
	"github.com/tallyhq/tally/storage/storagetest"
)

func TestDisabledCacheIsNoop(t *testing.T) {
	t.Parallel()
	c, err := cache.New("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetJSON(context.Background(), "k", 1, time.Minute)
	var v int
	if c.GetJSON(context.Background(), "k", &v) {
		t.Fatal("disabled cache returned a hit")
	}
	if c.Enabled() || c.Healthy() {
		t.Fatal("disabled cache reports enabled/healthy")
	}
}

func TestRoundTripOnRealRedis(t *testing.T) {
	t.Parallel()
	c, err := cache.New(storagetest.RedisURL(t), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	ctx := context.Background()
	key := "test:" + t.Name() + time.Now().Format(time.RFC3339Nano)
	c.SetJSON(ctx, key, map[string]int{"a": 1}, time.Minute)
	var got map[string]int
	if !c.GetJSON(ctx, key, &got) || got["a"] != 1 {
		t.Fatalf("round trip failed: %v", got)
	}
	c.Delete(ctx, key)
	if c.GetJSON(ctx, key, &got) {
		t.Fatal("deleted key still there")
	}
	if !c.Healthy() {
		t.Fatal("healthy cache reports unhealthy")
	}
}

func TestUnreachableRedisDegradesQuietly(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: every call fails fast and reports a miss.
	c, err := cache.New("redis://127.0.0.1:1/0", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	ctx := context.Background()
	c.SetJSON(ctx, "k", 1, time.Minute)
	var v int
	if c.GetJSON(ctx, "k", &v) {
		t.Fatal("unreachable redis returned a hit")
	}
	if c.Healthy() {
		t.Fatal("unreachable redis reports healthy")
	}
	if err := c.Ping(ctx); err == nil {
		t.Fatal("ping to unreachable redis succeeded")
	}
}
