import stripe
from flask import Blueprint, request, jsonify

bp = Blueprint("checkout", __name__)


@bp.post("/checkout")
def checkout():
    cart = request.get_json()
    total = sum(item["price"] * item["qty"] for item in cart["items"])
    intent = stripe.PaymentIntent.create(amount=int(total * 100), currency="eur")
    return jsonify({"client_secret": intent.client_secret})
