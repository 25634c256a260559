from django.urls import path

from afterdesk.sla import report_views, views

app_name = "sla"

urlpatterns = [
    path("sla/policies/", views.policy_list, name="policies"),
    path("sla/policies/new/", views.policy_edit, name="new"),
    path("sla/policies/<int:policy_id>/", views.policy_edit, name="edit"),
    path("sla/report/", report_views.report, name="report"),
    path("sla/pending-abuse/", report_views.pending_abuse, name="pending_abuse"),
    path("sla/tickets/<int:ticket_id>/no-reply/", views.no_reply, name="no_reply"),
]
