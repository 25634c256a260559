from django.urls import path

from afterdesk.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.inbox, name="inbox"),
]
