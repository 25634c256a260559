from django.urls import path

from afterdesk.returns import setting_views, views

app_name = "returns"

urlpatterns = [
    path("returns/", views.case_list, name="list"),
    path("returns/check-in/", views.checkin, name="checkin"),
    path("returns/analytics/", views.analytics_page, name="analytics"),
    path("returns/settings/", setting_views.settings_page, name="settings"),
    path("returns/rma/<str:token>/", setting_views.instructions_page, name="instructions"),
    path("returns/<int:case_id>/", views.case_detail, name="case"),
    path("returns/start/<int:ticket_id>/", views.case_start, name="start"),
]
