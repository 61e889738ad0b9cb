from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from shop.models import Order

PAGE_SIZE = 50


def _filtered_orders(request):
    qs = (
        Order.objects.filter(account=request.user.account)
        .select_related("customer")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status")
    if status:
        qs = qs.filter(status=status)
    since = request.GET.get("since")
    if since:
        qs = qs.filter(created_at__date__gte=date.fromisoformat(since))
    until = request.GET.get("until")
    if until:
        qs = qs.filter(created_at__date__lte=date.fromisoformat(until))
    return qs


def _serialize(order):
    return {
        "id": order.id,
        "number": order.number,
        "customer": order.customer.email,
        "status": order.status,
        "total": str(order.total),
        "currency": order.currency,
        "created_at": order.created_at.isoformat(),
    }


@login_required
@require_GET
def order_list(request):
    try:
        qs = _filtered_orders(request)
    except ValueError:
        return JsonResponse({"error": "since/until must be YYYY-MM-DD"}, status=400)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return JsonResponse(
        {
            "results": [_serialize(o) for o in page.object_list],
            "page": page.number,
            "pages": page.paginator.num_pages,
            "count": page.paginator.count,
        }
    )


@login_required
@require_GET
def order_detail(request, order_id):
    order = _filtered_orders(request).filter(id=order_id).first()
    if order is None:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse(_serialize(order))
