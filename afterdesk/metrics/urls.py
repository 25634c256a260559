from django.urls import path

from afterdesk.metrics.views import (
    assignments,
    boards,
    scorecard_templates,
    scorecards,
    settings,
    template_form,
)

app_name = "metrics"

urlpatterns = [
    path("", scorecards.scorecard, name="scorecard"),
    path("publish/", scorecards.scorecard_publish_view, name="publish"),
    path("published/", scorecards.published_list, name="published_list"),
    path("published/<int:published_id>/", scorecards.published_detail, name="published"),
    path("published/<int:published_id>/undo/", scorecards.published_undo, name="published_undo"),
    path("tickets/", scorecards.drilldown, name="drilldown"),
    path("me/", scorecards.agent_scorecard, name="me"),
    path("agents/<path:username>/", scorecards.agent_scorecard, name="agent"),
    path("leaderboard/", boards.leaderboard_page, name="leaderboard"),
    path("segments/", boards.segments_page, name="segments"),
    path("segments/tickets/", boards.segment_tickets_page, name="segment_tickets"),
    path("templates/", scorecard_templates.template_list, name="templates"),
    path("templates/new/", scorecard_templates.template_create, name="template_new"),
    path("templates/new/form/", template_form.template_form, name="template_form_new"),
    path("templates/import/", scorecard_templates.template_import, name="template_import"),
    path("templates/<slug:key>/", scorecard_templates.template_detail, name="template"),
    path("templates/<slug:key>/edit/", scorecard_templates.template_edit, name="template_edit"),
    path("templates/<slug:key>/form/", template_form.template_form, name="template_form"),
    path(
        "templates/<slug:key>/v<int:number>.json",
        scorecard_templates.template_export,
        name="template_export",
    ),
    path("assignments/", assignments.assignments_page, name="assignments"),
    path("settings/", settings.metrics_settings, name="settings"),
]
