from django.urls import path

from afterdesk.surveys import views

app_name = "surveys"

urlpatterns = [
    path("s/<str:token>/", views.survey_page, name="page"),
    path("surveys/settings/", views.settings_page, name="settings"),
]
