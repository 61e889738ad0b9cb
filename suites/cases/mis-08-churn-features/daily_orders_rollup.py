"""Daily order rollup per account, for the finance dashboard."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sensors.external_task import ExternalTaskSensor

default_args = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
}

with DAG(
    dag_id="daily_orders_rollup",
    start_date=datetime(2026, 1, 1),
    schedule="30 3 * * *",
    catchup=False,
    default_args=default_args,
    template_searchpath=["/opt/airflow/sql"],
    tags=["finance"],
) as dag:
    wait_for_load = ExternalTaskSensor(
        task_id="wait_for_warehouse_load",
        external_dag_id="warehouse_load",
        external_task_id=None,
        execution_delta=timedelta(hours=1, minutes=30),
        timeout=2 * 3600,
        mode="reschedule",
    )

    rollup = SQLExecuteQueryOperator(
        task_id="rollup",
        conn_id="warehouse",
        sql="rollups/daily_orders.sql",
        parameters={"day": "{{ ds }}"},
    )

    wait_for_load >> rollup
