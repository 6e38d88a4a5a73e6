// Package cache is tally's optional Redis cache. Postgres stays the source of
// truth: every read falls back to it when Redis is missing, slow or down, so
// a Redis outage degrades speed, never answers. A Cache built without a URL
// is a no-op that reports itself "off".
package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Cache wraps a Redis client with short timeouts and graceful failure.
type Cache struct {
	rdb     *redis.Client
	log     *zap.Logger
	prefix  string
	healthy atomic.Bool
	hits    prometheus.Counter
	misses  prometheus.Counter
	errs    prometheus.Counter
}

// timeout bounds every Redis call: a cache that answers slower than this is
// worse than going to Postgres.
const timeout = 150 * time.Millisecond

// New connects to url (redis://…). An empty url returns a disabled cache.
// New does not fail when Redis is down: the cache starts unhealthy and
// recovers on its own.
func New(url string, log *zap.Logger, reg prometheus.Registerer) (*Cache, error) {
	if log == nil {
		log = zap.NewNop()
	}
	c := &Cache{
		log:    log.Named("cache"),
		prefix: "tally:",
		hits:   prometheus.NewCounter(prometheus.CounterOpts{Name: "tally_cache_hits_total", Help: "Redis cache hits."}),
		misses: prometheus.NewCounter(prometheus.CounterOpts{Name: "tally_cache_misses_total", Help: "Redis cache misses."}),
		errs:   prometheus.NewCounter(prometheus.CounterOpts{Name: "tally_cache_errors_total", Help: "Redis calls that failed (served from Postgres instead)."}),
	}
	if reg != nil {
		reg.MustRegister(c.hits, c.misses, c.errs)
	}
	if url == "" {
		return c, nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("parse REDIS_URL: not a valid redis URL")
	}
	opts.DialTimeout = time.Second
	opts.ReadTimeout = timeout
	opts.WriteTimeout = timeout
	opts.MaxRetries = 0
	c.rdb = redis.NewClient(opts)
	c.healthy.Store(true)
	return c, nil
}

// Enabled reports whether a Redis URL was configured.
func (c *Cache) Enabled() bool { return c != nil && c.rdb != nil }

// Client returns the underlying Redis client (nil when disabled), for
// coordination helpers that need more than get/set.
func (c *Cache) Client() *redis.Client {
	if c == nil {
		return nil
	}
	return c.rdb
}

// Ping checks Redis and updates the health flag.
func (c *Cache) Ping(ctx context.Context) error {
	if !c.Enabled() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	err := c.rdb.Ping(ctx).Err()
	c.healthy.Store(err == nil)
	return err
}

// Healthy reports whether the last Redis call succeeded.
func (c *Cache) Healthy() bool { return c.Enabled() && c.healthy.Load() }

// GetJSON loads key into v. It reports false on a miss and on any Redis
// failure, which callers treat alike: read Postgres.
func (c *Cache) GetJSON(ctx context.Context, key string, v any) bool {
	if !c.Enabled() {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := c.rdb.Get(ctx, c.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		c.healthy.Store(true)
		c.misses.Inc()
		return false
	}
	if err != nil {
		c.fail("get", err)
		return false
	}
	c.healthy.Store(true)
	if err := json.Unmarshal(b, v); err != nil {
		c.misses.Inc()
		return false
	}
	c.hits.Inc()
	return true
}

// SetJSON stores v under key for ttl; failures are counted and logged at
// debug, never returned: the cache is an optimisation.
func (c *Cache) SetJSON(ctx context.Context, key string, v any, ttl time.Duration) {
	if !c.Enabled() {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		c.log.Warn("cache value not encodable", zap.String("key", key), zap.Error(err))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.rdb.Set(ctx, c.prefix+key, b, ttl).Err(); err != nil {
		c.fail("set", err)
		return
	}
	c.healthy.Store(true)
}

// Delete removes keys; failures are counted, never returned.
func (c *Cache) Delete(ctx context.Context, keys ...string) {
	if !c.Enabled() || len(keys) == 0 {
		return
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.prefix + k
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.rdb.Del(ctx, full...).Err(); err != nil {
		c.fail("del", err)
		return
	}
	c.healthy.Store(true)
}

func (c *Cache) fail(op string, err error) {
	c.errs.Inc()
	if c.healthy.Swap(false) {
		c.log.Warn("redis unavailable; serving from postgres", zap.String("op", op), zap.Error(err))
	}
}

// Close closes the client.
func (c *Cache) Close() error {
	if !c.Enabled() {
		return nil
	}
	if err := c.rdb.Close(); err != nil {
		return fmt.Errorf("close redis: %w", err)
	}
	return nil
}

// zapRedisLogger sends go-redis's internal log lines (dial failures while
// Redis is down, repeated every few seconds) to zap at debug level instead
// of stderr: the cache's own warning already says Redis is unavailable.
type zapRedisLogger struct{ log *zap.Logger }

func (l zapRedisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...))
}

// RouteRedisLogs points go-redis's process-wide logger at log. go-redis
// offers only a package-level logger, so main calls this once.
func RouteRedisLogs(log *zap.Logger) {
	redis.SetLogger(zapRedisLogger{log: log.Named("redis")})
}
