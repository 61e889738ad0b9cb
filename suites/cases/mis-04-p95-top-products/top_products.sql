-- Top 10 products by revenue over the last 30 days, for the account dashboard.
-- $1 = account id
SELECT p.id,
       p.name,
       SUM(oi.quantity)                    AS units,
       SUM(oi.quantity * oi.unit_price_cents) AS revenue_cents
FROM order_items oi
JOIN orders o   ON o.id = oi.order_id
JOIN products p ON p.id = oi.product_id
WHERE o.account_id = $1
  AND o.status IN ('paid', 'shipped')
  AND o.created_at >= now() - interval '30 days'
GROUP BY p.id, p.name
ORDER BY revenue_cents DESC
LIMIT 10;

-- Existing indexes (from \d):
--   orders:      orders_pkey (id), orders_created_at_idx (created_at), orders_number_key (number)
--   order_items: order_items_pkey (id), order_items_product_id_idx (product_id)
--   products:    products_pkey (id)
