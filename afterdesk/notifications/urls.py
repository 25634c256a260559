from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notifications_page, name="list"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/read-all/", views.notifications_read_all, name="read_all"),
    path("notifications/settings/", views.preferences, name="settings"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="read"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="open"),
]
