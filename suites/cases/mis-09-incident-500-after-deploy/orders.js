// src/services/orders.js — order read model for GET /api/orders/:id
const { pool } = require("../db");
const { formatMoney } = require("../lib/money");

const ORDER_SQL = `
  SELECT o.id, o.status, o.total_cents, o.currency, o.created_at, o.customer_id,
         c.id AS c_id, c.email AS c_email, c.currency AS c_currency, c.locale AS c_locale
    FROM orders o
    LEFT JOIN customers c ON c.id = o.customer_id
   WHERE o.id = $1`;

function rowToOrder(row) {
  return {
    id: row.id,
    status: row.status,
    totalCents: row.total_cents,
    currency: row.currency,
    createdAt: row.created_at,
    // Guest checkouts have no customer row: customer_id is NULL.
    customer: row.c_id
      ? { id: row.c_id, email: row.c_email, currency: row.c_currency, locale: row.c_locale }
      : undefined,
  };
}

async function getOrder(id) {
  const { rows } = await pool.query(ORDER_SQL, [id]);
  return rows.length ? rowToOrder(rows[0]) : null;
}

function formatOrder(order) {
  const locale = order.customer ? order.customer.locale : "en-US";
  return {
    id: order.id,
    status: order.status,
    createdAt: order.createdAt.toISOString(),
    total: formatMoney(order.totalCents, order.customer.currency, locale),
    email: order.customer ? order.customer.email : null,
    guest: !order.customer,
  };
}

async function getFormattedOrder(id) {
  const order = await getOrder(id);
  return order && formatOrder(order);
}

module.exports = { getOrder, formatOrder, getFormattedOrder };
