from django.urls import path

from afterdesk.stores import webhook_views

app_name = "store_webhooks"

urlpatterns = [
    path("shopify/<str:key>", webhook_views.shopify_webhook, name="shopify"),
    path("woocommerce/<str:key>", webhook_views.woocommerce_webhook, name="woocommerce"),
]
