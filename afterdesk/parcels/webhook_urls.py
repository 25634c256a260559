from django.urls import path

from afterdesk.parcels import webhook_views

app_name = "tracking_webhooks"

urlpatterns = [
    path("aftership", webhook_views.aftership_webhook, name="aftership"),
    path("17track", webhook_views.seventeen_track_webhook, name="17track"),
]
