from django.urls import path

from afterdesk.automations import views

app_name = "automations"

urlpatterns = [
    path("automations/", views.overview, name="overview"),
    path("automations/rules/new/", views.rule_edit, name="rule_new"),
    path("automations/rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("automations/rules/preview/", views.rule_preview, name="rule_preview_new"),
    path("automations/rules/<int:rule_id>/preview/", views.rule_preview, name="rule_preview"),
    path("automations/rules/condition-row/", views.condition_row_view, name="condition_row"),
    path("automations/rules/action-row/", views.action_row_view, name="action_row"),
    path("automations/rules/<int:rule_id>/enable/", views.rule_enable, name="rule_enable"),
    path("automations/rules/<int:rule_id>/dry-run/", views.rule_dry_run, name="rule_dry_run"),
    path("automations/rules/<int:rule_id>/firings/", views.rule_firings, name="rule_firings"),
]
