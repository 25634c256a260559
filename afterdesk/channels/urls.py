from django.urls import path

from . import mailboxes_views, relay_views, views

app_name = "channels"

urlpatterns = [
    path("email/", views.inbound_page, name="inbound"),
    path("email/<int:inbound_id>/", views.inbound_detail, name="inbound_detail"),
    path("email/<int:inbound_id>/raw/", views.inbound_raw, name="inbound_raw"),
    path("email/<int:inbound_id>/retry/", views.inbound_retry, name="inbound_retry"),
    # Mailboxes and the email of replies (admins; mailboxes_views).
    path("mailboxes/", mailboxes_views.mailboxes_page, name="mailboxes"),
    path("mailboxes/new/", mailboxes_views.mailbox_edit, name="mailbox_new"),
    path("mailboxes/<int:mailbox_id>/", mailboxes_views.mailbox_edit, name="mailbox_edit"),
    path("mailboxes/<int:mailbox_id>/test/", mailboxes_views.mailbox_test, name="mailbox_test"),
    path("mailboxes/<int:mailbox_id>/poll/", mailboxes_views.mailbox_poll_now, name="mailbox_poll"),
    path(
        "mailboxes/<int:mailbox_id>/delete/", mailboxes_views.mailbox_remove, name="mailbox_delete"
    ),
    path("email/replies/", mailboxes_views.deliveries_page, name="deliveries"),
    path(
        "email/replies/<int:delivery_id>/retry/",
        mailboxes_views.delivery_retry,
        name="delivery_retry",
    ),
    path("relays/", relay_views.relays_page, name="relays"),
]
