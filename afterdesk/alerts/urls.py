from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.alerts_page, name="list"),
    path("settings/", views.alerts_settings, name="settings"),
    path("<int:alert_id>/acknowledge/", views.alert_acknowledge, name="acknowledge"),
]
