from django.urls import path

from afterdesk.bonuses import views

app_name = "bonuses"

urlpatterns = [
    path("", views.rule_list, name="rules"),
    path("rules/new/", views.rule_create, name="rule_new"),
    path("rules/<int:rule_id>/", views.payout_preview, name="preview"),
    path("rules/<int:rule_id>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/freeze/", views.statement_freeze, name="freeze"),
    path("rules/<int:rule_id>/payouts.<slug:fmt>", views.payout_download, name="payout_download"),
    path("statements/", views.statement_list, name="statements"),
    path("statements/<int:statement_id>/", views.statement_detail, name="statement"),
    path(
        "statements/<int:statement_id>.<slug:fmt>",
        views.statement_download,
        name="statement_download",
    ),
    path("me/", views.my_bonus, name="mine"),
]
