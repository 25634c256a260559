from django.urls import path

from afterdesk.core import ops_views

app_name = "core"

urlpatterns = [
    path("healthz", ops_views.healthz, name="healthz"),
    path("metrics", ops_views.metrics, name="metrics"),
]
