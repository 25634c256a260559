from django.urls import path

from afterdesk.reports import views

app_name = "reports"

urlpatterns = [
    path("weekly/", views.weekly, name="weekly"),
    path("weekly.pdf", views.weekly_pdf, name="weekly_pdf"),
    path("weekly/charts/<slug:digest>/<slug:name>.png", views.weekly_chart, name="weekly_chart"),
    path("kpis.csv", views.kpis_download, {"fmt": "csv"}, name="kpis_csv"),
    path("kpis.xlsx", views.kpis_download, {"fmt": "xlsx"}, name="kpis_xlsx"),
    path("scorecard.csv", views.scorecard_download, {"fmt": "csv"}, name="scorecard_csv"),
    path("scorecard.xlsx", views.scorecard_download, {"fmt": "xlsx"}, name="scorecard_xlsx"),
]
