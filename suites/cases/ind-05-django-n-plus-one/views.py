from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Order


@login_required
def order_history(request):
    """The customer's order history: each order with its items, their products, and the courier."""
    orders = Order.objects.filter(customer=request.user).order_by("-placed_at")[:50]
    rows = []
    for order in orders:
        rows.append(
            {
                "number": order.number,
                "placed_at": order.placed_at,
                "courier": order.shipment.courier.name if order.shipment else None,
                "items": [
                    {"product": item.product.name, "quantity": item.quantity}
                    for item in order.items.all()
                ],
            }
        )
    return render(request, "orders/history.html", {"rows": rows})
