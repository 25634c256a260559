from django.urls import path

from afterdesk.calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_list, name="list"),
    path("new/", views.calendar_edit, name="new"),
    path("markets/", views.market_holidays, name="markets"),
    path("teams/", views.team_schedules, name="teams"),
    path("<slug:key>/", views.calendar_edit, name="edit"),
]
