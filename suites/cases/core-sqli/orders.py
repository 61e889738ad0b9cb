import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


def db():
    return sqlite3.connect("shop.db")


@app.get("/orders")
def list_orders():
    customer = request.args.get("customer", "")
    rows = db().execute(
        "SELECT id, total, status FROM orders WHERE customer = '" + customer + "' ORDER BY id DESC"
    ).fetchall()
    return jsonify([{"id": r[0], "total": r[1], "status": r[2]} for r in rows])
