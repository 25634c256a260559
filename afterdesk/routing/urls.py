from django.urls import path

from afterdesk.routing import views

app_name = "routing"

urlpatterns = [
    path("routing/", views.overview, name="overview"),
    path("routing/rules/new/", views.rule_edit, name="rule_new"),
    path("routing/rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("routing/rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("routing/agents/<str:username>/", views.agent_edit, name="agent_edit"),
    path("routing/teams/<int:team_id>/", views.team_edit, name="team_edit"),
    path("routing/presence/", views.presence, name="presence"),
    path("routing/approvals/", views.approval_list, name="approvals"),
]
