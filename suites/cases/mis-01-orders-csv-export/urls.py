from django.urls import path

from shop.api import views

app_name = "shop-api"

urlpatterns = [
    path("orders/", views.order_list, name="order-list"),
    path("orders/<int:order_id>/", views.order_detail, name="order-detail"),
]
