"""The chat widget's endpoints, mounted at /widget/ (afterdesk.urls)."""

from django.urls import path

from afterdesk.channels import widget_views

app_name = "widget"

urlpatterns = [
    path("<str:key>/messages", widget_views.messages, name="messages"),
    path("<str:key>/config", widget_views.config, name="config"),
]
