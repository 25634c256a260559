from django.urls import path

from afterdesk.tickets import queue_views, views

app_name = "tickets"

urlpatterns = [
    path("", queue_views.inbox, name="inbox"),
    path("tickets/next/", queue_views.next_ticket, name="next"),
    path("tickets/bulk/", queue_views.bulk, name="bulk"),
    path("inbox/views/", queue_views.saved_view_create, name="saved_view_create"),
    path(
        "inbox/views/<int:view_id>/delete/",
        queue_views.saved_view_delete,
        name="saved_view_delete",
    ),
    path("tickets/<int:ticket_id>/", views.ticket_page, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:ticket_id>/note/", views.ticket_note, name="note"),
    path("tickets/<int:ticket_id>/assign/", views.ticket_assign, name="assign"),
    path("tickets/<int:ticket_id>/status/", views.ticket_status, name="status"),
    path("tickets/<int:ticket_id>/escalate/", views.ticket_escalate, name="escalate"),
    path("tickets/<int:ticket_id>/triage/", views.ticket_triage, name="triage"),
    path("attachments/<str:token>/", views.attachment_download, name="attachment"),
]
