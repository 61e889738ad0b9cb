-- models/marts/fct_orders.sql (dbt 1.8, Snowflake)
{{ config(materialized='incremental', unique_key='order_id', on_schema_change='fail') }}

with orders as (
    select * from {{ ref('stg_shop__orders') }}
    {% if is_incremental() %}
    where updated_at > (select max(updated_at) from {{ this }})
    {% endif %}
),

refunds as (
    select
        order_id,
        sum(amount_eur) as refunded_eur
    from {{ ref('stg_payments__refunds') }}
    group by 1
)

select
    o.order_id,
    o.customer_id,
    o.channel,            -- web, app, marketplace
    o.country_code,
    o.status,             -- placed, paid, shipped, cancelled
    o.created_at,
    o.paid_at,
    o.gross_eur,
    o.discount_eur,
    o.shipping_eur,
    o.tax_eur,
    coalesce(r.refunded_eur, 0) as refunded_eur,
    o.updated_at
from orders as o
left join refunds as r using (order_id)
