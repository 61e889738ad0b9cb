-- The "recent orders of a customer" query behind GET /customers/:id/orders (p95 2.4 s).
SELECT o.id, o.created_at, o.status, o.total_cents
FROM orders o
WHERE o.customer_id = 48213
  AND o.status IN ('paid', 'shipped')
ORDER BY o.created_at DESC
LIMIT 20;

-- Existing indexes on orders:
--   orders_pkey PRIMARY KEY (id)
--   orders_status_idx (status)
