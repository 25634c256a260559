from django.urls import path

from afterdesk.recognition import views

app_name = "recognition"

urlpatterns = [
    path("recognition/", views.awards_page, name="awards"),
    path("recognition/announcement/", views.announcement, name="announcement"),
    path("recognition/badges/<path:username>/", views.badges, name="badges"),
]
