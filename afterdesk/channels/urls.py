from django.urls import path

from . import views

app_name = "channels"

urlpatterns = [
    path("email/", views.inbound_page, name="inbound"),
    path("email/<int:inbound_id>/", views.inbound_detail, name="inbound_detail"),
    path("email/<int:inbound_id>/raw/", views.inbound_raw, name="inbound_raw"),
    path("email/<int:inbound_id>/retry/", views.inbound_retry, name="inbound_retry"),
]
