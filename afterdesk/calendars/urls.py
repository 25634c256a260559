from django.urls import path

from afterdesk.calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_list, name="list"),
    path("new/", views.calendar_edit, name="new"),
    path("<slug:key>/", views.calendar_edit, name="edit"),
]
