from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse

from .models import Order


@login_required
def order_list(request):
    """GET /orders: the signed-in staff user's order list, newest first."""
    status = request.GET.get("status")
    orders = Order.objects.all().order_by("-created_at")
    if status:
        orders = orders.filter(status=status)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))

    rows = []
    for order in page:
        rows.append(
            {
                "id": order.id,
                "number": order.number,
                "created_at": order.created_at.isoformat(),
                "status": order.status,
                # one query per order for the customer
                "customer": order.customer.name,
                "customer_email": order.customer.email,
                # one query per order for the items, one per item for its product
                "items": [
                    {
                        "sku": item.product.sku,
                        "name": item.product.name,
                        "quantity": item.quantity,
                        "unit_price": str(item.unit_price),
                    }
                    for item in order.items.all()
                ],
                "item_count": order.items.count(),
                "shipping_city": order.shipping_address.city if order.shipping_address else None,
            }
        )
    return JsonResponse(
        {
            "page": page.number,
            "pages": page.paginator.num_pages,
            "results": rows,
        }
    )
