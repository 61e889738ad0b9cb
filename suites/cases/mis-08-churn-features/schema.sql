-- Warehouse (Postgres 16, schema analytics), loaded nightly at 02:00 UTC from the shop database.

CREATE TABLE analytics.customers (
    customer_id     bigint PRIMARY KEY,
    account_id      bigint      NOT NULL,
    signed_up_at    timestamptz NOT NULL,
    country         char(2),
    marketing_opt_in boolean    NOT NULL DEFAULT false,
    deleted_at      timestamptz              -- GDPR erasure; rows are kept, PII nulled
);

CREATE TABLE analytics.orders (
    order_id        bigint PRIMARY KEY,
    customer_id     bigint      NOT NULL REFERENCES analytics.customers,
    status          text        NOT NULL,    -- pending, paid, shipped, refunded, cancelled
    total_cents     bigint      NOT NULL,
    currency        char(3)     NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL     -- changes when an order is refunded or cancelled
);
CREATE INDEX ON analytics.orders (customer_id, created_at);

CREATE TABLE analytics.support_tickets (
    ticket_id       bigint PRIMARY KEY,
    customer_id     bigint      NOT NULL,
    opened_at       timestamptz NOT NULL,
    closed_at       timestamptz,
    csat            smallint                 -- 1..5, null when the survey was not answered
);

CREATE TABLE analytics.sessions (
    session_id      uuid PRIMARY KEY,
    customer_id     bigint,                  -- null for anonymous visits
    started_at      timestamptz NOT NULL,
    pageviews       integer     NOT NULL
);
CREATE INDEX ON analytics.sessions (customer_id, started_at);

-- Loaded by dags/warehouse_load.py; row counts on 2026-11-20:
--   customers 412,380 | orders 6,912,044 | support_tickets 281,907 | sessions 48,120,553
