"""Loads yesterday's orders from the shop replica into the warehouse, one run per day."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.postgres.operators.postgres import PostgresOperator

default_args = {
    "owner": "data-platform",
    "retries": 3,
    "retry_delay": timedelta(minutes=10),
}

with DAG(
    dag_id="orders_daily",
    start_date=datetime(2026, 1, 1),
    schedule="0 2 * * *",
    catchup=True,
    max_active_runs=4,
    default_args=default_args,
) as dag:
    extract = PostgresOperator(
        task_id="extract_to_staging",
        postgres_conn_id="warehouse",
        sql="""
            INSERT INTO staging.orders_raw
            SELECT o.*
            FROM shop_replica.orders AS o
            WHERE o.updated_at >= '{{ ds }}'::date
        """,
    )

    load = SQLExecuteQueryOperator(
        task_id="load_fact",
        conn_id="warehouse",
        sql="""
            INSERT INTO analytics.fct_orders (order_id, customer_id, status, total_eur, order_date, loaded_at)
            SELECT order_id, customer_id, status, total_eur, created_at::date, now()
            FROM staging.orders_raw
            WHERE updated_at >= '{{ ds }}'::date
        """,
    )

    extract >> load
