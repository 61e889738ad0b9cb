from django.conf import settings
from django.db import models


class Courier(models.Model):
    name = models.CharField(max_length=80)


class Product(models.Model):
    name = models.CharField(max_length=200)


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    placed_at = models.DateTimeField()


class Shipment(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="shipment", null=True)
    courier = models.ForeignKey(Courier, on_delete=models.PROTECT)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
