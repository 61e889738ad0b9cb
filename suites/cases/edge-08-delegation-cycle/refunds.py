from decimal import Decimal

from .models import Order, Refund


def refund(order_id: int, amount: str, user) -> Refund:
    order = Order.objects.get(id=order_id)
    value = Decimal(amount)
    if value > order.total:
        raise ValueError("refund exceeds order total")
    return Refund.objects.create(order=order, amount=value, created_by=user)
