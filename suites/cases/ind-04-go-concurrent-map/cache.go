package cache

import (
	"sync"
	"time"
)

type entry struct {
	cents   int64
	expires time.Time
}

// PriceCache memoizes upstream price lookups for a minute.
type PriceCache struct {
	mu      sync.RWMutex
	entries map[string]entry
	fetch   func(sku string) int64
}

func (c *PriceCache) Get(sku string) int64 {
	c.mu.RLock()
	e, ok := c.entries[sku]
	c.mu.RUnlock()
	if !ok || time.Now().After(e.expires) {
		return c.Put(sku, c.fetch(sku))
	}
	return e.cents
}

func (c *PriceCache) Put(sku string, cents int64) int64 {
	c.mu.RLock()
	c.entries[sku] = entry{cents: cents, expires: time.Now().Add(time.Minute)}
	c.mu.RUnlock()
	return cents
}

func New(fetch func(string) int64) *PriceCache {
	return &PriceCache{entries: make(map[string]entry), fetch: fetch}
}
