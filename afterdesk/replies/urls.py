from django.urls import path

from afterdesk.replies import ticket_views, views

app_name = "replies"

urlpatterns = [
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:template_id>/", views.template_edit, name="template"),
    path("templates/<int:template_id>/delete/", views.template_delete, name="template_delete"),
    path("macros/", views.macro_list, name="macros"),
    path("macros/new/", views.macro_edit, name="macro_new"),
    path("macros/<int:macro_id>/", views.macro_edit, name="macro"),
    path("macros/<int:macro_id>/delete/", views.macro_delete, name="macro_delete"),
    path("articles/", views.article_list, name="articles"),
    path("articles/new/", views.article_edit, name="article_new"),
    path("articles/<int:article_id>/", views.article_page, name="article"),
    path("articles/<int:article_id>/edit/", views.article_edit, name="article_edit"),
    path("articles/<int:article_id>/delete/", views.article_delete, name="article_delete"),
    # The panel of the ticket page.
    path("tickets/<int:ticket_id>/panel/", ticket_views.panel, name="panel"),
    path("tickets/<int:ticket_id>/macros/", ticket_views.macro_search, name="ticket_macros"),
    path(
        "tickets/<int:ticket_id>/macros/<int:macro_id>/preview/",
        ticket_views.macro_preview,
        name="ticket_macro_preview",
    ),
    path(
        "tickets/<int:ticket_id>/macros/<int:macro_id>/fill/",
        ticket_views.macro_fill,
        name="ticket_macro_fill",
    ),
    path(
        "tickets/<int:ticket_id>/macros/<int:macro_id>/apply/",
        ticket_views.macro_apply,
        name="ticket_macro_apply",
    ),
    path("tickets/<int:ticket_id>/reply-form/", ticket_views.reply_form, name="ticket_reply_form"),
    path("tickets/<int:ticket_id>/articles/", ticket_views.article_search, name="ticket_articles"),
]
