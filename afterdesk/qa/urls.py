from django.urls import path

from afterdesk.qa import views

app_name = "qa"

urlpatterns = [
    path("qa/", views.home, name="home"),
    path("qa/tickets/<int:ticket_id>/review/", views.review_screen, name="review_screen"),
    path("qa/reviews/<int:review_id>/", views.review_detail, name="review"),
    path("qa/reviews/<int:review_id>/acknowledge/", views.review_acknowledge, name="acknowledge"),
    path("qa/reviews/<int:review_id>/dispute/", views.review_dispute, name="dispute"),
    path("qa/reviews/<int:review_id>/resolve/", views.review_resolve, name="resolve"),
    path("qa/rubrics/", views.rubrics, name="rubrics"),
    path("qa/assignments/", views.assignments, name="assignments"),
    path("qa/calibrations/new/", views.calibration_new, name="calibration_new"),
    path("qa/calibrations/<int:calibration_id>/", views.calibration, name="calibration"),
]
